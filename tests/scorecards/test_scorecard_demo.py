"""``manage.py demo_data`` shows scorecards: generated scores, evidence red flags, every status, calibration."""

from vendorscore.constants import VendorStatus
from vendorscore.models import User, Vendor
from vendorscore.scorecards import selectors
from vendorscore.scorecards.constants import EvaluationStatus
from vendorscore.scorecards.models import Certification


def summaries(lead):
    return {e.vendor.name: selectors.evaluation_summary(evaluation=e) for e in selectors.evaluation_list(user=lead)}


def test_every_active_vendor_has_a_final_evaluation(demo):
    for vendor in Vendor.objects.filter(status=VendorStatus.ACTIVE):
        assert vendor.evaluations.filter(status=EvaluationStatus.FINAL).exists(), vendor


def test_demo_evaluations_cover_each_status_and_a_calibration_flag(demo):
    by_vendor = summaries(User.objects.get(username="lead"))
    assert {s.evaluation.status for s in by_vendor.values()} == set(EvaluationStatus.values)
    crowd = by_vendor["CrowdLabel Global"]
    assert "IAA scores" in [c.criterion.name for c in crowd.calibration]
    assert len(crowd.evaluators) == 2
    totals = {name: s.total for name, s in by_vendor.items() if s.total is not None}
    assert totals["Northwind Annotation"] > totals["CrowdLabel Global"]
    assert by_vendor["Atlas Labeling Co."].total is None  # a draft, two dimensions scored so far


def test_demo_certifications_raise_the_automatic_flags(demo):
    crowd = Vendor.objects.get(name="CrowdLabel Global")
    assert set(Certification.objects.filter(vendor=crowd).values_list("kind", flat=True)) == {"soc2_type1"}
    assert set(selectors.vendor_security(vendor=crowd).automatic_flags) == {"soc2_type1_only", "no_dpa"}
    meridian = Vendor.objects.get(name="Meridian Data Services")
    assert "expired" in " ".join(selectors.vendor_security(vendor=meridian).automatic_flags["certification_stale"])


def test_demo_output_counts_the_evaluations(demo):
    assert "4 scorecard evaluations" in demo.output
