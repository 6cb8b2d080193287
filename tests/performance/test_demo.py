"""The demo shows a vendor whose standing drops, published, appealed and answered, and gated."""

from sla.models import Notification
from vendorscore.models import Vendor
from vendorscore.performance import services
from vendorscore.performance.models import PeriodScorecard


def test_demo_meridian_falls_from_enterprise_grade_to_material_risk(demo):
    meridian = Vendor.objects.get(name="Meridian Data Services")
    standings = dict(PeriodScorecard.objects.filter(vendor=meridian).values_list("period", "standing"))
    assert standings == {
        "2026-06": "enterprise_grade",
        "2026-07": "enterprise_grade",
        "2026-08": "enterprise_grade",
        "2026-09": "viable_with_oversight",
        "2026-10": "material_risk",
    }
    september = PeriodScorecard.objects.get(vendor=meridian, period="2026-09")
    assert september.is_published and september.status == "answered"
    assert [r.kind for r in september.responses.all()] == ["appeal", "answer"]
    assert services.standing_gate(vendor=meridian).period == "2026-10"
    reports = Notification.objects.filter(kind="performance_report", event_key__contains=":2026-10:report:buyer")
    assert reports.count() == PeriodScorecard.objects.filter(period="2026-10").count()
