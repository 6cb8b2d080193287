"""Published worked examples, with the values their authors printed.

Each test cites where the data and the number come from. Printed values are rounded by
their authors, so they are compared to the printed precision; where a reference program
printed more digits, those are used.
"""

import pytest

from sla.metrics import compute_metrics

from .helpers import close, frame_from_matrix

# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for
# Communication, University of Pennsylvania, section C, "Any number of observers, any
# metric, missing data": 4 observers, 12 units; unit 12 has a single value (unpairable).
KRIPPENDORFF_2011 = [
    [1, 1, None, 1],
    [2, 2, 3, 2],
    [3, 3, 3, 3],
    [3, 3, 3, 3],
    [2, 2, 2, 2],
    [1, 2, 3, 4],
    [4, 4, 4, 4],
    [1, 1, 2, 1],
    [2, 2, 2, 2],
    [None, 5, 5, 5],
    [None, None, 1, 1],
    [None, 3, None, None],
]


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_2011_missing_data(level, published):
    document = compute_metrics(frame_from_matrix(KRIPPENDORFF_2011), level=level)
    alpha = document["agreement"]["krippendorff_alpha"]
    assert round(alpha["value"], 3) == published
    assert alpha["n"] == 11  # unit 12 is unpairable
    assert alpha["ci95"][0] < alpha["value"] <= alpha["ci95"][1]


# Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychological
# Bulletin 76(5), 378-382, Table 1: 30 patients, 6 psychiatrists, 5 diagnoses;
# kappa = .430. R irr's ``kappam.fleiss(diagnoses)`` prints 0.4302445 for the same data.
FLEISS_1971 = [
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
]  # fmt: skip


def test_fleiss_1971():
    fleiss = compute_metrics(frame_from_matrix(FLEISS_1971))["agreement"]["fleiss_kappa"]
    assert round(fleiss["value"], 3) == 0.430
    assert close(fleiss["value"], 0.4302445, 5e-8)
    assert fleiss["n"] == 30


def _two_raters(table):
    """Canonical rows of a two-rater contingency table (rows rater A, columns rater B)."""
    matrix = [[a, b] for a, row in enumerate(table) for b, count in enumerate(row) for _ in range(count)]
    return frame_from_matrix(matrix)


def test_cohen_textbook_two_by_two():
    # Cohen's kappa article example (Wikipedia, "Cohen's kappa", simple example): 50
    # proposals read by A and B; yes/yes 20, yes/no 5, no/yes 10, no/no 15: po = 0.70,
    # pe = 0.50, kappa = 0.40.
    document = compute_metrics(_two_raters([[20, 5], [10, 15]]))
    assert close(document["agreement"]["percent_agreement"]["value"], 0.7)
    assert close(document["agreement"]["cohen_kappa"]["value"], 0.4)


# SAS/STAT PROC FREQ, AGREE option, 3x3 example whose printout statsmodels reproduces in
# ``statsmodels/stats/tests/test_inter_rater.py`` (TestUnweightedCohens,
# TestWeightedCohens): simple kappa 0.4842, ASE 0.1380, 95% CI 0.2137-0.7547; weighted
# kappa (Cicchetti-Allison, i.e. linear, weights) 0.4701, ASE 0.1457, 95% CI 0.1845-0.7558.
SAS_TABLE = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]


def test_cohen_and_weighted_kappa_sas_example():
    agreement = compute_metrics(_two_raters(SAS_TABLE), level="ordinal")["agreement"]
    kappa = agreement["cohen_kappa"]
    assert round(kappa["value"], 4) == 0.4842
    assert [round(bound, 4) for bound in kappa["ci95"]] == [0.2137, 0.7547]
    weighted = agreement["weighted_kappa_linear"]
    assert round(weighted["value"], 4) == 0.4701
    assert [round(bound, 4) for bound in weighted["ci95"]] == [0.1845, 0.7558]


# Gwet, K. L. (2014). Handbook of Inter-Rater Reliability, 4th ed., ch. 2 (data set
# ``cac.raw4raters``: 4 raters, 12 subjects, 5 categories, missing ratings). Published:
# AC1 = 0.7754, se 0.1429, 95% CI (0.461, 1); Fleiss' kappa 0.7612, se 0.1530, 95% CI
# (0.424, 1); percent agreement 0.8182. Same data as Krippendorff's example above.
def test_gwet_2014_ac1_and_fleiss_with_missing_ratings():
    agreement = compute_metrics(frame_from_matrix(KRIPPENDORFF_2011))["agreement"]
    ac1, fleiss = agreement["gwet_ac1"], agreement["fleiss_kappa"]
    assert round(ac1["value"], 4) == 0.7754
    assert round(ac1["ci95"][0], 3) == 0.461 and ac1["ci95"][1] == 1.0
    assert round(fleiss["value"], 4) == 0.7612
    assert round(fleiss["ci95"][0], 3) == 0.424 and fleiss["ci95"][1] == 1.0
    assert round(agreement["percent_agreement"]["value"], 4) == 0.8182
    assert agreement["scott_pi"]["value"] == fleiss["value"]


# Gwet (2014), ch. 2, 100 pregnant women classified by two abstractors (irrCAC data set
# ``table_cont3x3abstractors``): AC1 = 0.84933, percent agreement 0.89.
def test_gwet_2014_ac1_two_abstractors():
    table = [[13, 0, 0], [0, 20, 7], [0, 4, 56]]
    agreement = compute_metrics(_two_raters(table))["agreement"]
    assert round(agreement["gwet_ac1"]["value"], 5) == 0.84933
    assert close(agreement["percent_agreement"]["value"], 0.89)


def test_krippendorff_example_with_word_labels_and_a_label_set():
    # Krippendorff's 2011 ordinal example with words, ordered by the task type's label set.
    words = ["very low", "low", "mid", "high", "very high"]
    matrix = [[None if value is None else words[value - 1] for value in row] for row in KRIPPENDORFF_2011]
    frame = frame_from_matrix(matrix)
    ordinal = compute_metrics(frame, level="ordinal", labels=words)["agreement"]["krippendorff_alpha"]
    nominal = compute_metrics(frame)["agreement"]["krippendorff_alpha"]
    assert round(ordinal["value"], 3) == 0.815
    assert round(nominal["value"], 3) == 0.743
