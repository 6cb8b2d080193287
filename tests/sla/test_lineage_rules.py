"""The pure rules of item lineage: what a redelivery reports, and what a remediation does to a breach."""

from sla.checks import FAIL, INCONCLUSIVE, PASS
from sla.lineage_rules import Coverage, Lineage, coverage_detail, redelivery_finding, remediation_outcome


def test_redelivered_items_outside_a_remediation_are_a_notice_and_not_invoiced():
    assert redelivery_finding(Lineage(items=300, redelivered=300, unexpected=0, earlier_batches=())) is None
    lineage = Lineage(items=300, redelivered=120, unexpected=100, earlier_batches=(4, 9), examples=("a", "b"))
    finding = redelivery_finding(lineage)
    assert (finding.term, finding.verdict, finding.extra["items"]) == ("redelivery", "notice", 100)
    assert "first in batch #4, #9" in finding.detail and "not invoiced again" in finding.detail
    assert lineage.invoiced == 180


def test_remediation_outcome_needs_the_term_passing_and_the_required_coverage():
    full, half, none = Coverage(300, 300, 300, 0), Coverage(300, 150, 150, 0), Coverage(300, 0, 0, 300)
    assert remediation_outcome(PASS, full, 1.0) == "remediated"
    assert remediation_outcome(PASS, half, 1.0) == "partially_remediated"
    assert remediation_outcome(PASS, half, 0.5) == "remediated"
    assert remediation_outcome(PASS, none, 0.0) == "failed", "sharing no item answers nothing"
    assert remediation_outcome(FAIL, full, 1.0) == "failed"
    assert remediation_outcome(INCONCLUSIVE, full, 1.0) is None
    assert remediation_outcome(None, full, 1.0) is None, "a QA sample still under review decides later"
    earlier_half = Coverage(300, 150, 300, 0)  # this batch covers 150, with an earlier partial fix all 300
    assert remediation_outcome(PASS, earlier_half, 1.0) == "remediated"


def test_coverage_detail_names_covered_missing_and_extra_items():
    text = coverage_detail(Coverage(300, 150, 150, 20), 1.0, "Accuracy", PASS)
    assert text == (
        "Delivers 150 of the failed batch's 300 items again (50.0%); accuracy re-measured on them passes. "
        "Covered so far: 150 (50.0%) of the required 100%; 150 items still missing; "
        "20 delivered items were not in the failed batch."
    )
