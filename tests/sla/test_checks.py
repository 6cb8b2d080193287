"""The pure SLA check: each term passing, failing and (under the confidence rule) inconclusive."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from sla import checks
from sla.checks import BELOW_TARGET, FAIL, INCONCLUSIVE, PASS, Facts, Terms


def measure(value, low=None, high=None, n=200):
    return {"value": value, "ci95": [low, high] if low is not None else None, "n": n}


def metrics(**overrides):
    base = {
        "items": 1000,
        "overlap_rate": 0.10,
        "accuracy": measure(0.95, 0.93, 0.97, 400),
        "agreement": {"cohen_kappa": measure(0.84, 0.80, 0.88, 100), "fleiss_kappa": measure(0.83, 0.79, 0.87, 100)},
        "by_queue": {
            "prelabeled": {"accuracy": measure(0.98, 0.96, 0.99, 200)},
            "full": {"accuracy": measure(0.91, 0.87, 0.94, 200)},
        },
    }
    base.update(overrides)
    return base


def only(findings, term):
    chosen = [f for f in findings if f.term == term]
    assert len(chosen) == 1, findings
    return chosen[0]


@pytest.mark.parametrize(
    "rule,value,low,high,expected",
    [
        ("point", 0.95, 0.93, 0.97, PASS),
        ("point", 0.93, 0.91, 0.95, FAIL),
        ("confidence", 0.95, 0.941, 0.97, PASS),
        ("confidence", 0.93, 0.91, 0.939, FAIL),
        ("confidence", 0.93, 0.91, 0.95, INCONCLUSIVE),
        ("confidence", 0.95, 0.93, 0.97, INCONCLUSIVE),
    ],
)
def test_accuracy_floor_under_each_rule(rule, value, low, high, expected):
    terms = Terms(accuracy_floor=0.94, decision_rule=rule)
    finding = only(checks.check_batch(terms, metrics(accuracy=measure(value, low, high, 400)), Facts()), "accuracy")
    assert finding.verdict == expected
    assert (finding.measured, finding.threshold, finding.ci95, finding.n) == (value, 0.94, (low, high), 400)


def test_inconclusive_accuracy_says_how_many_more_gold_items_decide_it():
    terms = Terms(accuracy_floor=0.94, decision_rule="confidence")
    finding = only(checks.check_batch(terms, metrics(accuracy=measure(0.96, 0.93, 0.99, 100)), Facts()), "accuracy")
    assert finding.verdict == INCONCLUSIVE
    # half-width 0.03 at n=100, distance 0.02: n * (0.03 / 0.02)^2 = 225 items, so 125 more
    assert finding.more_items_needed == 125
    assert "about 125 more gold items would decide it" in finding.detail


def test_accuracy_by_queue_exposes_the_weak_full_annotation_queue():
    terms = Terms(accuracy_floor=0.94, accuracy_scope="each_queue")
    findings = [f for f in checks.check_batch(terms, metrics(), Facts()) if f.term == "accuracy"]
    assert [(f.extra["queue"], f.verdict) for f in findings] == [("prelabeled", PASS), ("full", FAIL)]


def test_accuracy_metric_can_be_macro_f1():
    terms = Terms(accuracy_floor=0.9, accuracy_metric="macro_f1")
    finding = only(checks.check_batch(terms, metrics(macro_f1=measure(0.88, 0.85, 0.91)), Facts()), "accuracy")
    assert (finding.verdict, finding.measured) == (FAIL, 0.88)


def test_accuracy_without_gold_is_inconclusive_with_the_reason():
    terms = Terms(accuracy_floor=0.9)
    missing = {"value": None, "ci95": None, "n": 0, "note": "no gold labels for this batch's items"}
    finding = only(checks.check_batch(terms, metrics(accuracy=missing), Facts()), "accuracy")
    assert finding.verdict == INCONCLUSIVE
    assert "no gold labels" in finding.detail


@pytest.mark.parametrize(
    "kappa,expected,phrase",
    [
        (0.84, PASS, "Cohen's kappa is 0.8400, meeting the 0.80 target."),
        (0.79, BELOW_TARGET, "above the fail line of 0.78 but below the 0.80 target"),
        (0.77, FAIL, "Cohen's kappa is 0.7700, below the fail line of 0.78 (target 0.80)."),
    ],
)
def test_iaa_target_and_fail_threshold(kappa, expected, phrase):
    terms = Terms(iaa_coefficient="cohen_kappa", iaa_min=0.80, iaa_fail_below=0.78)
    m = metrics(agreement={"cohen_kappa": measure(kappa, kappa - 0.03, kappa + 0.03)})
    finding = only(checks.check_batch(terms, m, Facts()), "iaa")
    assert finding.verdict == expected
    assert phrase in finding.detail
    assert "_" not in finding.detail


def test_iaa_between_fail_line_and_target_is_below_target_and_the_batch_is_accepted():
    terms = Terms(iaa_coefficient="fleiss_kappa", iaa_min=0.85, iaa_fail_below=0.78, accuracy_floor=0.9)
    m = metrics(agreement={"fleiss_kappa": measure(0.7998, 0.76, 0.84, 132)})
    findings = checks.check_batch(terms, m, Facts())
    assert only(findings, "iaa").verdict == BELOW_TARGET
    assert "Fleiss' kappa is 0.7998" in only(findings, "iaa").detail
    assert checks.batch_verdict(findings) == "accepted"


def test_iaa_below_target_under_the_confidence_rule_once_the_interval_clears_the_fail_line():
    terms = Terms(iaa_coefficient="cohen_kappa", iaa_min=0.85, iaa_fail_below=0.78, decision_rule="confidence")
    m = metrics(agreement={"cohen_kappa": measure(0.82, 0.79, 0.85, 400)})
    assert only(checks.check_batch(terms, m, Facts()), "iaa").verdict == BELOW_TARGET


def test_iaa_under_confidence_rule_is_inconclusive_when_interval_straddles_fail_line():
    terms = Terms(iaa_coefficient="fleiss_kappa", iaa_min=0.80, iaa_fail_below=0.78, decision_rule="confidence")
    m = metrics(agreement={"fleiss_kappa": measure(0.77, 0.70, 0.84, 60)})
    finding = only(checks.check_batch(terms, m, Facts()), "iaa")
    assert finding.verdict == INCONCLUSIVE
    assert finding.more_items_needed == pytest.approx(60 * (0.07 / 0.01) ** 2 - 60, abs=1)
    assert "more overlapping items" in finding.detail


@pytest.mark.parametrize("rate,expected", [(0.10, PASS), (0.04, FAIL), (0.16, FAIL), (0.05, PASS)])
def test_overlap_range(rate, expected):
    finding = only(
        checks.check_batch(Terms(overlap_min=0.05, overlap_max=0.15), metrics(overlap_rate=rate), Facts()), "overlap"
    )
    assert finding.verdict == expected


@pytest.mark.parametrize(
    "reviewed,defects,rule,expected",
    [
        (500, 2, "point", PASS),
        (500, 8, "point", FAIL),
        (500, 8, "confidence", INCONCLUSIVE),
        (500, 20, "confidence", FAIL),
        (2000, 3, "confidence", PASS),
    ],
)
def test_defect_rate(reviewed, defects, rule, expected):
    terms = Terms(defect_rate_max=0.01, decision_rule=rule)
    finding = only(checks.check_batch(terms, metrics(), Facts(reviewed=reviewed, defects=defects)), "defect_rate")
    assert finding.verdict == expected
    assert finding.measured == defects / reviewed


def test_defect_rate_waits_for_qa_review():
    assert not [
        f for f in checks.check_batch(Terms(defect_rate_max=0.01), metrics(), Facts()) if f.term == "defect_rate"
    ]


def test_wilson_interval_matches_statsmodels():
    from statsmodels.stats.proportion import proportion_confint

    for k, n in [(0, 50), (3, 125), (60, 100), (125, 125)]:
        assert checks.wilson_interval(k, n) == pytest.approx(proportion_confint(k, n, method="wilson"), abs=1e-12)


def test_throughput_timeliness_escalation_and_safety_routing():
    start = datetime(2026, 11, 2, 8, tzinfo=UTC)
    terms = Terms(throughput_per_day=400, escalation_hours=24, safety_critical_labels=("urgent",))
    facts = Facts(
        first_annotated_at=start,
        last_annotated_at=start + timedelta(days=2),
        delivered_at=start + timedelta(days=3),
        due_at=start + timedelta(days=2, hours=12),
        escalated=4,
        escalations_late=1,
        safety_items=30,
        safety_items_prelabeled=2,
    )
    findings = {f.term: f for f in checks.check_batch(terms, metrics(items=1000), facts)}
    assert (findings["throughput"].verdict, findings["throughput"].measured) == (PASS, 500)
    assert findings["timeliness"].verdict == FAIL and findings["timeliness"].measured == pytest.approx(12)
    assert (
        findings["escalation"].verdict == FAIL
        and "1 of 4 escalated items was not resolved" in findings["escalation"].detail
    )
    assert findings["safety_routing"].verdict == FAIL and findings["safety_routing"].measured == 2


def test_terms_left_empty_produce_no_finding():
    assert checks.check_batch(Terms(), metrics(), Facts(reviewed=100, defects=1)) == []


def test_batch_verdict_rule():
    finding = lambda verdict: checks.Finding("x", verdict, 1.0, 1.0, "")  # noqa: E731
    assert checks.batch_verdict([finding(PASS), finding(PASS)]) == "accepted"
    assert checks.batch_verdict([finding(PASS), finding(INCONCLUSIVE)]) == "inconclusive"
    assert checks.batch_verdict([finding(INCONCLUSIVE), finding(FAIL)]) == "rejected"
    assert checks.batch_verdict([]) == "accepted"


def _accuracy_of(rng, p, n):
    hits = rng.binomial(n, p)
    value = hits / n
    low, high = checks.wilson_interval(hits, n)
    return measure(value, low, high, n)


def test_drift_is_raised_on_a_real_drop_and_not_on_noise_of_interval_size():
    rng = np.random.default_rng(5)
    terms = Terms(accuracy_floor=0.85)
    baseline = [{"accuracy": _accuracy_of(rng, 0.95, 400)} for _ in range(3)]
    dropped = only(checks.drift_findings(terms, {"accuracy": _accuracy_of(rng, 0.90, 400)}, baseline), "drift")
    assert dropped.verdict == INCONCLUSIVE and "Review the full batch" in dropped.detail

    raised = 0
    for _ in range(200):
        same = {"accuracy": _accuracy_of(rng, 0.95, 400)}
        raised += only(checks.drift_findings(terms, same, baseline), "drift").verdict == INCONCLUSIVE
    assert raised <= 6  # one-sided alpha 0.01: a handful of false alarms in 200 at most


def test_drift_of_the_iaa_coefficient():
    terms = Terms(iaa_coefficient="krippendorff_alpha", iaa_min=0.8)
    baseline = [{"agreement": {"krippendorff_alpha": measure(0.86, 0.82, 0.90)}} for _ in range(3)]
    drop = {"agreement": {"krippendorff_alpha": measure(0.78, 0.74, 0.82)}}
    noise = {"agreement": {"krippendorff_alpha": measure(0.84, 0.82, 0.86)}}
    assert only(checks.drift_findings(terms, drop, baseline), "drift").verdict == INCONCLUSIVE
    assert only(checks.drift_findings(terms, noise, baseline), "drift").verdict == PASS


def test_drift_on_a_small_sample_is_inconclusive_not_pass_and_does_not_hold_up_the_batch():
    """Batch 30 of the demo: kappa 0.49 on a dozen overlapping items against a 0.92 baseline."""
    terms = Terms(iaa_coefficient="fleiss_kappa", iaa_min=0.85, iaa_fail_below=0.80)
    baseline = [{"agreement": {"fleiss_kappa": measure(0.92, 0.86, 0.98, 150)}} for _ in range(3)]
    small = {"agreement": {"fleiss_kappa": measure(0.86, 0.45, 1.0, 12)}}
    iaa = checks.check_batch(terms, small, Facts())
    drift = only(checks.drift_findings(terms, small, baseline, iaa), "drift")
    assert drift.verdict == INCONCLUSIVE
    assert "not enough overlapping items to tell whether it dropped, n = 12" in drift.detail
    assert "Fleiss' kappa" in drift.detail and "fleiss_kappa" not in drift.detail
    assert checks.batch_verdict(iaa + [drift]) == "accepted"


def test_drift_never_passes_beside_a_failing_threshold_finding():
    terms = Terms(iaa_coefficient="fleiss_kappa", iaa_min=0.85, iaa_fail_below=0.80)
    baseline = [{"agreement": {"fleiss_kappa": measure(0.4949, 0.48, 0.51, 5000)}} for _ in range(3)]
    now = {"agreement": {"fleiss_kappa": measure(0.4949, 0.48, 0.51, 5000)}}
    iaa = checks.check_batch(terms, now, Facts())
    assert only(iaa, "iaa").verdict == FAIL
    drift = only(checks.drift_findings(terms, now, baseline, iaa), "drift")
    assert drift.verdict != PASS
    assert "the IAA finding decides" in drift.detail
    assert checks.batch_verdict(iaa + [drift]) == "rejected"


def test_finding_sentences_name_measures_and_format_numbers_for_people():
    terms = Terms(
        accuracy_floor=0.9, overlap_min=0.15, overlap_max=0.3, defect_rate_max=0.01, iaa_coefficient="gwet_ac1"
    )
    plan = {"review_sample_size": 125, "review_accept": 3, "review_aql": 1.0}
    facts = Facts(reviewed=125, defects=2, review_decision=PASS, **plan)
    findings = {f.term: f for f in checks.check_batch(terms, metrics(overlap_rate=0.104), facts)}
    assert findings["accuracy"].detail == "Accuracy against gold is 95%, at or above the floor of 90%."
    assert findings["overlap"].detail == (
        "10.4% of items were annotated by two or more annotators, below the contract's range of 15%–30%."
    )
    assert findings["defect_rate"].detail.startswith(
        "2 defects in 125 reviewed items (1.6%). The sampling plan (AQL 1%, sample of 125) accepts the lot with "
        "up to 3 defective items, so the lot is accepted."
    )
