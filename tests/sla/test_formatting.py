"""The one place numbers are formatted: what the batch page, the PDF and the e-mail all show."""

import pytest

from sla import formatting


@pytest.mark.parametrize(
    "share,digits,text",
    [
        (0.005, 2, "0.5%"),
        (0.15, 2, "15%"),
        (0.9627, 2, "96.27%"),
        (0.1046, 1, "10.5%"),
        (None, 2, "—"),
        (1.0, 0, "100%"),
    ],
)
def test_percent_drops_trailing_zeros_but_never_digits_of_a_whole_number(share, digits, text):
    assert formatting.percent(share, digits) == text


def test_measure_names_never_show_identifiers():
    assert formatting.measure_name("fleiss_kappa") == "Fleiss' kappa"
    assert formatting.measure_name("some_new_measure") == "Some new measure"
    assert (
        formatting.finding_title("drift", {"measure": "krippendorff_alpha"})
        == "Drift from baseline (Krippendorff's alpha)"
    )
    assert formatting.finding_title("accuracy", {"queue": "full"}) == "Accuracy (full annotation queue)"
    assert formatting.verdict_name("below_target") == "below target"


def test_thresholds_read_in_their_unit():
    assert formatting.finding_threshold("overlap", 0.15, {"range": [0.05, 0.15]}) == "5%–15%"
    assert formatting.finding_threshold("iaa", 0.78, {"target": 0.85}) == "fail below 0.7800, target 0.8500"
    assert formatting.finding_threshold("defect_rate", 0.01, {}) == "1%"
    assert formatting.value(1234.4, formatting.PER_DAY) == "1,234 items/day"
    assert formatting.value(-3.25, formatting.HOURS) == "3.2 h early"
    assert formatting.limit(0.8, formatting.COEFFICIENT) == "0.80"
    assert formatting.limit(0.845, formatting.COEFFICIENT) == "0.845"
    assert formatting.difference(0.0356, formatting.SHARE) == "3.6 percentage points"
