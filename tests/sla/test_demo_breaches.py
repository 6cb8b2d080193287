"""The demo shows the whole breach loop: open, escalated, waived, remediated, a capped credit, a decided sample."""

from django.core.management import call_command
from django.db.models import F

from sla.models import Breach, QASample


def test_demo_shows_every_breach_state_and_stays_idempotent(db):
    call_command("demo_data")
    call_command("demo_data")
    assert set(Breach.objects.values_list("status", flat=True)) == {"open", "escalated", "waived", "remediated"}
    assert Breach.objects.filter(status="remediated").first().remediation_batch.verdict == "accepted"
    assert Breach.objects.get(status="waived").events.last().actor.username == "lead"
    capped = Breach.objects.filter(status="escalated", service_credit__lt=F("credit_full"))
    assert capped.exists(), "the monthly cap cuts a September credit"
    assert QASample.objects.exclude(decision="").count() == 1
