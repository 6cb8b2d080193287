"""E-mail notifications: one message per event and recipient through a real SMTP server, schedules by time travel."""

import datetime as dt
import socket
from email import message_from_bytes
from email.policy import default as default_policy

import pandas as pd
import pytest
from aiosmtpd.controller import Controller
from celery.exceptions import Retry
from django.core import mail

from sla import formatting, notification_rules, services, tasks
from sla.models import Batch, Breach, Notification, NotificationPreference
from sla.services.notifications import (
    certification_reminders_enqueue,
    notification_send,
    remediation_reminders_enqueue,
)
from sla.simulate import DeliverySpec, simulate_delivery
from tests.factories import CertificationFactory, DeliveredBatchFactory, UserFactory
from tests.sla.conftest import FAILING
from vendorscore.constants import Role


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"

    def recipients(self) -> list[str]:
        return sorted(message["To"] for message in self.messages)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_port(settings):
    """Django's SMTP backend pointed at a port on 127.0.0.1 where a test may start or stop a server."""
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = "", ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    return port


def smtp_server(port: int) -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


@pytest.fixture
def inbox(smtp_port):
    controller, inbox = smtp_server(smtp_port)
    yield inbox
    controller.stop()


@pytest.fixture
def people(overlap_contract, users, vendor_a, vendor_b):
    """An owner for the contract, a contact address and a second user for vendor A, a user of vendor B."""
    overlap_contract.owner = users[Role.PROCUREMENT_LEAD]
    overlap_contract.save()
    vendor_a.contact_email = "quality@vendor-a.example"
    vendor_a.save()
    UserFactory(username="vendor_a_second", role=Role.VENDOR, vendor=vendor_a)
    UserFactory(username="vendor_b_user", role=Role.VENDOR, vendor=vendor_b)
    return {
        "lead@example.com",
        "vendor_a_user@example.com",
        "vendor_a_second@example.com",
        "quality@vendor-a.example",
    }


def test_a_breach_reaches_each_recipient_exactly_once_despite_ticks_and_retries(
    people, overlap_contract, deliver, inbox, django_capture_on_commit_callbacks
):
    breach = Breach.objects.get(batch=deliver(overlap_contract, FAILING))
    assert sorted(inbox.recipients()) == sorted(people)

    with django_capture_on_commit_callbacks(execute=True):
        for _tick in range(5):
            services.breach_opened_notify(breach_id=breach.pk)
            services.notifications_remind(now=breach.opened_at)
    for row in Notification.objects.all():
        tasks.notification_send.apply(args=[row.pk])  # a retried or redelivered task

    assert sorted(inbox.recipients()) == sorted(people)
    rows = Notification.objects.filter(kind=notification_rules.BREACH_OPENED)
    assert rows.count() == len(people)
    assert set(rows.values_list("status", "attempts")) == {(Notification.Status.SENT, 1)}
    message = inbox.messages[0]
    assert f"batch {breach.batch_id}" in message["Subject"] and "Vendor A" in message["Subject"]
    assert message.get_body(("html",)) is not None and message.get_body(("plain",)) is not None


def test_smtp_down_then_up_delivers_the_message_once(people, overlap_contract, deliver, smtp_port, settings):
    with pytest.raises(Retry):  # the send task asks Celery to retry it with backoff
        deliver(overlap_contract, FAILING)
    rows = Notification.objects.filter(kind=notification_rules.BREACH_OPENED)
    assert rows.count() == len(people)
    failed = rows.get(status=Notification.Status.FAILED)
    assert failed.attempts == 1 and "Connection refused" in failed.last_error

    controller, inbox = smtp_server(smtp_port)
    try:
        for row in rows:
            notification_send(notification_id=row.pk)
            notification_send(notification_id=row.pk)
    finally:
        controller.stop()
    assert sorted(inbox.recipients()) == sorted(people)
    assert set(rows.values_list("status", flat=True)) == {Notification.Status.SENT}


def test_a_vendor_contacts_message_holds_no_other_vendor_no_gold_and_no_scorecard(
    people, overlap_contract, deliver, vendor_b
):
    breach = Breach.objects.get(batch=deliver(overlap_contract, FAILING))
    sent = [message for message in mail.outbox if message.to == ["quality@vendor-a.example"]]
    assert len(sent) == 1
    finding = breach.finding
    whole = sent[0].subject + sent[0].body + sent[0].alternatives[0][0]
    assert vendor_b.name not in whole
    for secret in ("gold", "Gold", "scorecard", "Scorecard"):
        assert secret not in whole
    # The figures as the batch page shows them (one formatting module for pages, PDFs and e-mails).
    unit = formatting.finding_unit(finding.term, finding.extra)
    assert formatting.value(finding.measured, unit, term=finding.term) in whole
    assert formatting.finding_threshold(finding.term, finding.threshold, finding.extra) in whole
    assert breach.get_absolute_url() in whole


def test_remediation_due_within_two_business_days_reminds_once(people, overlap_contract, deliver):
    breach = Breach.objects.get(batch=deliver(overlap_contract, FAILING))
    mail.outbox.clear()
    due = breach.remediation_due
    assert remediation_reminders_enqueue(now=due - dt.timedelta(days=7)) == 0
    two_days_before = due - dt.timedelta(days=2)
    while two_days_before.weekday() >= 5:
        two_days_before -= dt.timedelta(days=1)
    assert remediation_reminders_enqueue(now=two_days_before) == len(people)
    remediation_reminders_enqueue(now=two_days_before + dt.timedelta(hours=3))
    remediation_reminders_enqueue(now=due - dt.timedelta(hours=1))
    assert Notification.objects.filter(kind=notification_rules.REMEDIATION_DUE_SOON).count() == len(people)


def test_an_overdue_remediation_reminds_every_day_until_resolved(people, overlap_contract, deliver, users):
    breach = Breach.objects.get(batch=deliver(overlap_contract, FAILING))
    day_one = breach.remediation_due + dt.timedelta(hours=12)
    for hours in (0, 1, 5):
        remediation_reminders_enqueue(now=day_one + dt.timedelta(hours=hours))
    assert Notification.objects.filter(kind=notification_rules.REMEDIATION_OVERDUE).count() == len(people)
    remediation_reminders_enqueue(now=day_one + dt.timedelta(days=1))
    assert Notification.objects.filter(kind=notification_rules.REMEDIATION_OVERDUE).count() == 2 * len(people)

    services.breach_waive(breach=breach, user=users[Role.PROCUREMENT_LEAD], reason="Agreed on a call.")
    assert remediation_reminders_enqueue(now=day_one + dt.timedelta(days=2)) == 0


def test_reminders_respect_the_users_preference_but_breach_notices_do_not(people, overlap_contract, deliver, users):
    vendor_user = users[Role.VENDOR]
    NotificationPreference.objects.create(user=vendor_user, reminders=False, digest=False)
    breach = Breach.objects.get(batch=deliver(overlap_contract, FAILING))
    assert Notification.objects.filter(kind=notification_rules.BREACH_OPENED, user=vendor_user).exists()
    remediation_reminders_enqueue(now=breach.remediation_due + dt.timedelta(hours=1))
    overdue = Notification.objects.filter(kind=notification_rules.REMEDIATION_OVERDUE)
    assert overdue.count() == len(people) - 1 and not overdue.filter(user=vendor_user).exists()


def test_certifications_expiring_within_30_days_or_expired_warn_the_leads_once(users, vendor_a, vendor_b):
    today = dt.date(2026, 11, 25)
    CertificationFactory(vendor=vendor_a, audit_period_end=today - dt.timedelta(days=350))  # stale in 15 days
    CertificationFactory(vendor=vendor_b, audit_period_end=today - dt.timedelta(days=400))  # stale already
    CertificationFactory(vendor=vendor_b, audit_period_end=today - dt.timedelta(days=100))  # fine
    for _tick in range(3):
        certification_reminders_enqueue(today=today)
    rows = Notification.objects.order_by("kind")
    assert [(row.kind, row.recipient) for row in rows] == [
        (notification_rules.CERTIFICATION_EXPIRED, "lead@example.com"),
        (notification_rules.CERTIFICATION_EXPIRING, "lead@example.com"),
    ]
    assert "Vendor A" in rows[1].subject and "2026-12-10" in rows[1].subject
    assert len(mail.outbox) == 0  # queued on commit; sent by the worker


def test_the_weekly_digest_goes_to_each_lead_once_per_week(people, overlap_contract, deliver, users):
    breach = Breach.objects.get(batch=deliver(overlap_contract, FAILING))
    monday = breach.opened_at + dt.timedelta(days=(7 - breach.opened_at.weekday()) % 7 or 7)
    UserFactory(username="lead_two", role=Role.PROCUREMENT_LEAD)
    NotificationPreference.objects.create(
        user=UserFactory(username="lead_quiet", role=Role.PROCUREMENT_LEAD), digest=False
    )
    for hours in (0, 2, 30):
        services.weekly_digest_enqueue(now=monday + dt.timedelta(hours=hours))
    rows = Notification.objects.filter(kind=notification_rules.WEEKLY_DIGEST)
    assert sorted(rows.values_list("recipient", flat=True)) == ["lead@example.com", "lead_two@example.com"]
    assert "Batches received: 1" in rows[0].body_text and "Open breaches: 1" in rows[0].body_text
    services.weekly_digest_enqueue(now=monday + dt.timedelta(days=7))
    assert Notification.objects.filter(kind=notification_rules.WEEKLY_DIGEST).count() == 4


def test_reminders_and_digest_are_scheduled_in_the_database(db):
    from django_celery_beat.models import PeriodicTask

    tasks_by_name = {task.task: task for task in PeriodicTask.objects.filter(crontab__isnull=False)}
    assert tasks_by_name["sla.tasks.notifications_remind"].crontab.hour == "7"
    assert tasks_by_name["sla.tasks.notifications_digest"].crontab.day_of_week == "1"


def test_the_ledger_page_lists_unsent_rows_first_in_a_fixed_number_of_queries(
    client, lead, people, overlap_contract, deliver, django_assert_num_queries, smtp_port
):
    with pytest.raises(Retry):
        deliver(overlap_contract, FAILING)
    client.force_login(lead)
    with django_assert_num_queries(5):
        response = client.get("/notifications/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("SLA breach: Vendor A") == len(people) and "Connection refused" in page
    assert "SLA breach" not in client.get("/notifications/?status=sent").content.decode()


def test_preferences_page_turns_off_reminders_and_digest(client, users):
    client.force_login(users[Role.VENDOR])
    response = client.post("/notifications/preferences/", {"reminders": "", "digest": ""})
    assert response.status_code == 302
    prefs = NotificationPreference.objects.get(user=users[Role.VENDOR])
    assert (prefs.reminders, prefs.digest) == (False, False)


# Escalated items: annotated (escalated) between 00:00 and 08:00 UTC on Tuesday 24 November, delivered
# at 09:00 with some unresolved; the terms allow 24 hours, so they come due on the 25th, 00:00-08:00.
ESCALATING = DeliverySpec(
    items=300, overlap=0.10, seed=9, start="2026-11-24T00:00:00Z", escalation_share=0.1, escalation_unresolved_share=0.5
)
DELIVERED = dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)


@pytest.fixture
def escalation_batch(people, overlap_contract, deliver):
    overlap_contract.terms.update(escalation_hours=24)
    batch = deliver(overlap_contract, ESCALATING)
    Batch.objects.filter(pk=batch.pk).update(delivered_at=DELIVERED)
    return batch


def pending_items(batch) -> list[str]:
    """Unresolved escalated items, the first to come due first."""
    rows = batch.annotations.filter(escalated=True, escalation_resolved_at__isnull=True).order_by("annotated_at")
    return list(dict.fromkeys(rows.values_list("item_id", flat=True)))


def reminders():
    return Notification.objects.filter(kind=notification_rules.ESCALATIONS_NEARING)


def test_escalated_items_nearing_their_resolution_time_remind_once_per_batch_and_day(people, escalation_batch):
    pending = pending_items(escalation_batch)
    assert len(pending) > 5
    at = DELIVERED.replace
    assert services.escalation_reminders_enqueue(now=at(hour=12)) == 0  # first due at 00:00, 12 hours ahead
    for hour in (19, 20, 23):  # from 18:00 the first item is within the last quarter of its 24 hours
        services.escalation_reminders_enqueue(now=at(hour=hour))
    assert reminders().count() == len(people)
    message = reminders().get(recipient="quality@vendor-a.example")
    assert f"Unresolved items due in the next 24 hours: {len(pending)}" in message.body_text
    assert escalation_batch.get_absolute_url() in message.body_text and "within 24 hours" in message.body_text
    assert f"batch {escalation_batch.pk}" in message.subject and "Escalations" in message.subject
    assert "Vendor B" not in message.body_text + message.body_html + message.subject

    next_morning = DELIVERED + dt.timedelta(hours=17)  # 02:00 on the 25th: items due 02:00-08:00 remain
    services.escalation_reminders_enqueue(now=next_morning)
    assert reminders().count() == 2 * len(people)
    assert services.escalation_reminders_enqueue(now=DELIVERED + dt.timedelta(days=1)) == 0  # all past due


def test_items_resolved_in_a_later_delivery_are_no_longer_reminded(
    people, overlap_contract, escalation_batch, lead, users
):
    NotificationPreference.objects.create(user=users[Role.VENDOR], reminders=False)
    rows = simulate_delivery(ESCALATING).annotations
    resolved = rows[rows["item_id"].isin(pending_items(escalation_batch)[1:])].assign(
        escalation_resolved_at=pd.Timestamp("2026-11-24T14:00:00Z")
    )
    resolutions = DeliveredBatchFactory(contract=overlap_contract, rows=resolved, filename="resolutions.csv", user=lead)
    Batch.objects.filter(pk=resolutions.pk).update(delivered_at=DELIVERED + dt.timedelta(hours=6))

    services.escalation_reminders_enqueue(now=DELIVERED.replace(hour=23))
    assert "Unresolved items due in the next 24 hours: 1\n" in reminders().first().body_text
    assert not reminders().filter(user=users[Role.VENDOR]).exists()  # turned reminders off
    assert reminders().count() == len(people) - 1


def test_escalation_reminders_are_scheduled_hourly(db):
    from django_celery_beat.models import PeriodicTask

    schedule = PeriodicTask.objects.get(task="sla.tasks.escalations_remind")
    assert (schedule.crontab.minute, schedule.crontab.hour) == ("20", "*") and schedule.enabled
