"""The demo shows the whole breach loop on a coherent calendar: escalated, waived, disputed, remediated, capped."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

from django.db.models import F
from django.urls import reverse

from sla.models import Batch, Breach, Notification, QASample
from sla.selectors import batch_metrics_visible, credit_statement
from vendorscore.models import User
from vendorscore.settings import BASE_DIR

README = BASE_DIR / "README.md"


def test_demo_shows_every_breach_state_and_mails_each_sent_notification(demo):
    written = [message.subject for message in demo.emails]
    assert len(written) == Notification.objects.filter(status="sent").count() > 0
    assert any("SLA breach" in subject for subject in written)
    assert any("Breach escalated" in subject for subject in written)
    assert {"escalated", "waived", "remediated"} <= set(Breach.objects.values_list("status", flat=True))
    assert Breach.objects.filter(status="remediated").first().remediation_batch.verdict == "accepted"
    assert Breach.objects.filter(events__to_status="disputed").exists(), "a dispute decided by a lead"
    partial = Breach.objects.filter(events__to_status="partially_remediated").distinct()
    assert partial.exists() and all(b.status == "escalated" for b in partial), "a half fix does not stop the clock"
    assert all(b.remediation_result["coverage"] == 0.5 for b in partial)
    assert Breach.objects.get(status="waived").events.last().actor.username == "lead"
    capped = Breach.objects.filter(status="escalated", service_credit__lt=F("credit_full"))
    assert capped.exists(), "the monthly cap cuts a September credit"
    statement = credit_statement(user=User.objects.get(username="lead"), month=capped.first().credit_month)
    rows = [row for vendor in statement["vendors"] for contract in vendor["contracts"] for row in contract["rows"]]
    assert any(row["removed_by_cap"] > 0 for row in rows), "the demo's credit statement shows the cap at work"
    assert QASample.objects.exclude(decision="").count() == 1
    failed = Batch.objects.get(status="failed")  # its worker lost twice: waiting for a lead's retry
    assert failed.failure.startswith("Processing was interrupted 2 times without finishing")
    _assert_the_probe_reveals_no_gold_and_alerts_the_leads()
    deliveries = re.search(r"\(`/batches/`\): (\d+) simulated deliveries", README.read_text())
    assert int(deliveries.group(1)) == Batch.objects.count(), "the README's figure matches the demo"
    _assert_the_timeline_holds_together()


def test_demo_holds_batches_processed_in_chunks_in_each_splittable_kind_and_their_pages_say_so(demo, client):
    fanned_out = Batch.objects.filter(chunks_total__gt=1).order_by("reference")
    assert [batch.format for batch in fanned_out] == ["parquet", "csv+gzip", "csv"]
    client.force_login(User.objects.get(username="lead"))
    for batch in fanned_out:
        assert batch.status == "evaluated" and not batch.chunks.exists(), "its chunks merged and went"
        page = client.get(reverse("batch_detail", args=[batch.pk])).content.decode()
        assert f"(processed in {batch.chunks_total} chunks)" in page


def _assert_the_probe_reveals_no_gold_and_alerts_the_leads():
    probe = Batch.objects.get(reference__endswith="-probe")
    assert probe.uploaded_by.role == "vendor"
    vendor_view = batch_metrics_visible(batch=probe, vendor_copy=True)
    assert vendor_view["by_annotator"], "the vendor still sees its annotators"
    assert all(row["accuracy"]["value"] is None for row in vendor_view["by_annotator"])
    assert all(row["accuracy"]["n"] == 1 for row in probe.metrics["by_annotator"] if row["accuracy"]["n"])
    alert = Notification.objects.get(kind="gold_probe", recipient=User.objects.get(username="lead").email)
    assert f"batch {probe.pk}" in alert.subject and alert.status == "sent"


def _assert_the_timeline_holds_together():
    """October's breaches open in October, when their batch was checked; nothing happens before it opens."""
    lisbon = ZoneInfo("Europe/Lisbon")
    october = Breach.objects.filter(
        batch__delivered_at__gte=dt.datetime(2026, 10, 1, tzinfo=lisbon),
        batch__delivered_at__lt=dt.datetime(2026, 11, 1, tzinfo=lisbon),
    ).select_related("batch")
    assert october.count() >= 5
    for breach in october:
        assert breach.opened_at.astimezone(lisbon).month == 10, breach
        assert breach.batch.delivered_at < breach.opened_at < breach.batch.delivered_at + dt.timedelta(hours=3)
        assert breach.credit_month == dt.date(2026, 10, 1)
        assert all(event.at >= breach.opened_at for event in breach.events.all()), breach
    remediated = Breach.objects.filter(status="remediated").select_related("remediation_batch").first()
    delivered = remediated.events.get(to_status="remediation_submitted")
    assert delivered.at == remediated.remediation_batch.delivered_at, "the history says when the fix arrived"
