"""The demo shows the whole breach loop: open, escalated, waived, remediated, a capped credit, a decided sample."""

import re

from django.core.management import call_command
from django.db.models import F

from sla.models import Batch, Breach, Notification, QASample
from vendorscore.settings import BASE_DIR

README = BASE_DIR / "README.md"


def test_demo_shows_every_breach_state_and_stays_idempotent(db, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path
    call_command("demo_data")
    written = _subjects(tmp_path)
    call_command("demo_data")
    assert _subjects(tmp_path) == written, "the ledger keeps a second run from sending again"
    assert len(written) == Notification.objects.filter(status="sent").count() > 0
    assert any("SLA breach" in subject for subject in written)
    assert any("Breach escalated" in subject for subject in written)
    assert set(Breach.objects.values_list("status", flat=True)) == {"open", "escalated", "waived", "remediated"}
    assert Breach.objects.filter(status="remediated").first().remediation_batch.verdict == "accepted"
    assert Breach.objects.get(status="waived").events.last().actor.username == "lead"
    capped = Breach.objects.filter(status="escalated", service_credit__lt=F("credit_full"))
    assert capped.exists(), "the monthly cap cuts a September credit"
    assert QASample.objects.exclude(decision="").count() == 1
    deliveries = re.search(r"\(`/batches/`\): (\d+) simulated deliveries", README.read_text())
    assert int(deliveries.group(1)) == Batch.objects.count(), "the README's figure matches the demo"


def _subjects(mail_dir) -> list[str]:
    """Subjects of every message the file backend wrote (it may append several messages to one file)."""
    lines = (line for path in sorted(mail_dir.iterdir()) for line in path.read_text().splitlines())
    return sorted(line for line in lines if line.startswith("Subject: "))
