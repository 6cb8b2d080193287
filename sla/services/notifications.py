"""Notifications: scan state for events, write one ledger row per event and recipient, send each once.

Exactly once works in two steps. ``_enqueue`` creates the ``Notification`` row with
``get_or_create`` on the unique (event key, recipient) pair, inside a transaction, with
the message already rendered; only then is a send task queued (on commit). ``notification_send``
locks the row (``select_for_update(skip_locked=True)``), sends only if it is not yet sent,
and marks it sent in the same transaction. A scheduler that ticks again, a retried task
or a second worker finds the row sent (or locked by the worker sending it) and does
nothing. A send that fails records the error and attempt on the row and raises, so the
task retries with backoff; the daily sweep re-queues whatever is still unsent.
"""

import datetime as dt
import logging
import smtplib
from collections import Counter
from dataclasses import dataclass
from pathlib import PurePath
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Max, Min, Q, Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from sla import calendar, formatting, notification_rules, timefmt, webhook_rules
from sla.constants import TERM_LABELS, UNRESOLVED_BREACH_STATUSES, BatchStatus, BreachStatus
from sla.models import (
    AWAITING_FIX,
    Annotation,
    Batch,
    Breach,
    Contract,
    ContractTerms,
    Notification,
    NotificationPreference,
)
from sla.services.webhooks import breach_event_emit
from sla.visibility import finding_for_vendor, probe_signals, withheld_reason
from vendorscore.broker import enqueue_on_commit
from vendorscore.constants import Role
from vendorscore.files import stored_file_open
from vendorscore.models import User
from vendorscore.permissions import is_vendor_user
from vendorscore.scorecards import selectors as scorecard_selectors
from vendorscore.scorecards.red_flags import SOC2_KINDS

SEND_ERRORS = (smtplib.SMTPException, OSError)
logger = logging.getLogger(__name__)


class NotificationNotSent(Exception):
    """Raised after a failed send is recorded, so the Celery task retries it with backoff."""


@dataclass(frozen=True)
class Recipient:
    email: str
    user: User | None = None


def _link(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _leads() -> list[Recipient]:
    users = User.objects.filter(is_active=True).exclude(email="")
    leads = users.filter(role=Role.PROCUREMENT_LEAD) | users.filter(is_superuser=True)
    return [Recipient(user.email, user) for user in leads.distinct().order_by("pk")]


def _breach_recipients(breach: Breach) -> list[Recipient]:
    return _contract_recipients(breach.batch.contract)


def _contract_recipients(contract: Contract) -> list[Recipient]:
    """The contract owner, the vendor's users with an e-mail, and the vendor's contact address."""
    found = []
    if contract.owner and contract.owner.is_active and contract.owner.email:
        found.append(Recipient(contract.owner.email, contract.owner))
    vendor_users = contract.vendor.users.filter(is_active=True, role=Role.VENDOR).exclude(email="").order_by("pk")
    found += [Recipient(user.email, user) for user in vendor_users]
    if contract.vendor.contact_email:
        found.append(Recipient(contract.vendor.contact_email))
    return _unique(found)


def _unique(recipients: list[Recipient]) -> list[Recipient]:
    seen, kept = set(), []
    for recipient in recipients:
        if recipient.email.lower() not in seen:
            seen.add(recipient.email.lower())
            kept.append(recipient)
    return kept


def _wants(recipient: Recipient, kind: str) -> bool:
    """Breach notices always go; reminders and the digest go unless the user turned them off."""
    if recipient.user is None or (kind not in notification_rules.REMINDERS and kind not in notification_rules.DIGESTS):
        return True
    prefs = NotificationPreference.objects.filter(user=recipient.user).first()
    if prefs is None:
        return True
    return prefs.digest if kind in notification_rules.DIGESTS else prefs.reminders


def _enqueue(
    *, kind: str, event_key: str, recipients: list[Recipient], message: dict, attachment: str = ""
) -> list[Notification]:
    """One ledger row per recipient for the event, created once; a send is queued for every row not yet sent.

    ``attachment`` is the storage name of a file already saved (e.g. a report PDF) sent with each message.
    """
    subject = " ".join(message["subject"].split())  # one header line, whatever the names in it hold
    message = {**message, "preferences_link": _link(reverse("notification_preferences"))}
    text = render_to_string("emails/notice.txt", message)
    html = render_to_string("emails/notice.html", message)
    rows = []
    with transaction.atomic():
        for recipient in recipients:
            if not _wants(recipient, kind):
                continue
            row, _ = Notification.objects.get_or_create(
                event_key=event_key,
                recipient=recipient.email,
                defaults={
                    "kind": kind,
                    "user": recipient.user,
                    "subject": subject[:300],
                    "body_text": text,
                    "body_html": html,
                    "attachment": attachment,
                },
            )
            if row.status != Notification.Status.SENT:
                enqueue_on_commit("sla.tasks.notification_send", row.pk)
            rows.append(row)
    return rows


def notification_send(*, notification_id: int) -> bool:
    """Send one ledger row unless it is sent or another worker holds it; True when this call sent it.

    Any failure is recorded on the row (``failed``, ``last_error``, ``attempts``). A mail-server
    failure is raised again as ``NotificationNotSent`` so the task retries with backoff.
    """
    error = None
    with transaction.atomic():
        row = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id)
            .exclude(status=Notification.Status.SENT)
            .first()
        )
        if row is None:
            return False
        # The conditional write takes SQLite's write lock too, where select_for_update is a no-op.
        unsent = Notification.objects.filter(pk=row.pk).exclude(status=Notification.Status.SENT)
        if not unsent.update(attempts=F("attempts") + 1):
            return False
        row.attempts += 1
        message = EmailMultiAlternatives(row.subject, row.body_text, settings.DEFAULT_FROM_EMAIL, [row.recipient])
        message.attach_alternative(row.body_html, "text/html")
        if row.attachment:
            with stored_file_open(file=row.attachment) as attached:
                message.attach(PurePath(row.attachment.name).name, attached.read())
        try:
            message.send()
        except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row, none left pending
            error = exc
            row.status, row.last_error = Notification.Status.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
        else:
            row.status, row.sent_at, row.last_error = Notification.Status.SENT, timezone.now(), ""
        row.save(update_fields=["status", "last_error", "sent_at"])
    if isinstance(error, SEND_ERRORS):
        raise NotificationNotSent(row.last_error) from error
    if error is not None:
        # Not the mail server's fault (a bad header, a template bug): retrying the same message
        # cannot help, so the row stays failed with its error for a person to read.
        logger.error("notification %s not sent: %s", row.pk, row.last_error)
    return error is None


def notifications_requeue(*, older_than: dt.timedelta = dt.timedelta(minutes=10)) -> int:
    """Queue again every row still unsent after its task gave up, so an SMTP outage loses nothing."""
    stale = Notification.objects.exclude(status=Notification.Status.SENT).filter(
        created_at__lt=timezone.now() - older_than
    )
    pks = list(stale.values_list("pk", flat=True))
    for pk in pks:
        enqueue_on_commit("sla.tasks.notification_send", pk)
    return len(pks)


def _breach_message(breach: Breach, kind: str, headline: str, extra: tuple = ()) -> dict:
    """What a breach notice says; only the breach's own vendor, batch and numbers, so vendors may read it."""
    batch, finding = breach.batch, breach.finding
    contract = batch.contract
    facts = [
        ("Vendor", contract.vendor.name),
        ("Contract", contract.title),
        ("Batch", f"{batch.pk} ({batch.reference or batch.original_name}), {batch.task_type.name}"),
        ("Term", breach.term_label),
        ("Severity", breach.get_severity_display()),
    ]
    if finding is not None and _withheld_from_vendor(finding, batch):
        facts.append(("Measured", withheld_reason(settings.VENDOR_MIN_GOLD_ITEMS)))
    elif finding is not None and finding.measured is not None:
        # The same formats as the batch page and the PDF (sla/formatting.py).
        unit = formatting.finding_unit(finding.term, finding.extra)
        facts.append(("Measured", formatting.value(finding.measured, unit, term=finding.term)))
        if finding.threshold is not None:
            facts.append(("Threshold", formatting.finding_threshold(finding.term, finding.threshold, finding.extra)))
        if finding.ci_low is not None:
            interval = formatting.interval(finding.ci_low, finding.ci_high, unit, term=finding.term)
            facts.append(("95% interval", f"{interval} (n = {finding.n})"))
    deadline = timefmt.local_datetime(breach.remediation_due, contract.time_zone) if breach.remediation_due else "none"
    facts.append(("Status", breach.get_status_display()))
    facts.append(("Remediation due", deadline))
    facts.append(("Service credit", f"{breach.credit_full} {contract.currency} before the monthly cap"))
    facts.extend(extra)
    return {
        "subject": f"[vendorscore] {headline}: {contract.vendor.name}, batch {batch.pk}, {breach.term_label}",
        "headline": headline,
        "facts": facts,
        "link": _link(breach.get_absolute_url()),
        "kind": kind,
    }


def _withheld_from_vendor(finding, batch: Batch) -> bool:
    """The message goes to the vendor too: a gold figure on too few gold items is withheld from it."""
    view = finding_for_vendor(
        term=finding.term, extra=finding.extra, metrics=batch.metrics, min_gold_items=settings.VENDOR_MIN_GOLD_ITEMS
    )
    return view.withheld


def _breach_related():
    return Breach.objects.select_related(
        "batch__contract__vendor", "batch__contract__owner", "batch__task_type", "finding"
    )


def breach_opened_notify(*, breach_id: int) -> list[Notification]:
    """Tell the contract owner and the vendor's contacts at once that a batch failed a term."""
    breach = _breach_related().get(pk=breach_id)
    breach_event_emit(breach_id=breach.pk, event=webhook_rules.BREACH_OPENED, occurred_at=breach.opened_at)
    message = _breach_message(breach, notification_rules.BREACH_OPENED, "SLA breach")
    return _enqueue(
        kind=notification_rules.BREACH_OPENED,
        event_key=notification_rules.breach_key(breach.pk, notification_rules.BREACH_OPENED),
        recipients=_breach_recipients(breach),
        message=message,
    )


def breach_escalated_notify(*, breach_id: int) -> list[Notification]:
    """Tell every procurement lead that a breach passed its deadline unremediated; once per escalation."""
    breach = _breach_related().get(pk=breach_id)
    if breach.status != BreachStatus.ESCALATED:
        return []
    breach_event_emit(
        breach_id=breach.pk,
        event=webhook_rules.BREACH_ESCALATED,
        occurred_at=breach.escalated_at,
        on=breach.escalated_at,
    )
    message = _breach_message(breach, notification_rules.BREACH_ESCALATED, "Breach escalated")
    return _enqueue(
        kind=notification_rules.BREACH_ESCALATED,
        event_key=notification_rules.breach_key(breach.pk, notification_rules.BREACH_ESCALATED, on=breach.escalated_at),
        recipients=_leads(),
        message=message,
    )


# The breach moves that are also webhook events (API.md v1.1), emitted with their e-mail notice.
WEBHOOK_EVENTS = {
    notification_rules.BREACH_REMEDIATED: webhook_rules.BREACH_REMEDIATED,
    notification_rules.BREACH_DISPUTED: webhook_rules.BREACH_DISPUTED,
    notification_rules.BREACH_DECIDED: webhook_rules.BREACH_DECIDED,
}


def _breach_event_notify(breach_id: int, kind: str, status: str, headline: str, *, leads_too: bool = False):
    """A notice of the breach's latest move into ``status``, once per move (the event keys the ledger row).

    Both sides hear it: the contract's owner and the vendor's contacts; a dispute also goes
    to every procurement lead, since one of them must decide it.
    """
    breach = _breach_related().get(pk=breach_id)
    event = breach.events.filter(to_status=status).select_related("actor").order_by("-at", "-id").first()
    if event is None:
        return []
    zone = breach.batch.contract.time_zone
    extra = [("When", timefmt.local_datetime(event.at, zone))]
    if event.actor is not None:
        extra.append(("By", event.actor.username))
    if event.note:
        extra.append(("Note", event.note))
    if kind in WEBHOOK_EVENTS:
        breach_event_emit(breach_id=breach.pk, event=WEBHOOK_EVENTS[kind], occurred_at=event.at, on=event.pk)
    recipients = _breach_recipients(breach) + (_leads() if leads_too else [])
    return _enqueue(
        kind=kind,
        event_key=notification_rules.breach_key(breach.pk, kind, on=event.pk),
        recipients=_unique(recipients),
        message=_breach_message(breach, kind, headline, tuple(extra)),
    )


def breach_waived_notify(*, breach_id: int) -> list[Notification]:
    """Tell both sides that a lead waived a breach and its credit, with the reason."""
    return _breach_event_notify(breach_id, notification_rules.BREACH_WAIVED, BreachStatus.WAIVED, "Breach waived")


def breach_remediated_notify(*, breach_id: int) -> list[Notification]:
    """Tell both sides that a remediation batch answered the failed work and the breach is closed."""
    return _breach_event_notify(
        breach_id, notification_rules.BREACH_REMEDIATED, BreachStatus.REMEDIATED, "Breach remediated"
    )


def breach_partially_remediated_notify(*, breach_id: int) -> list[Notification]:
    """Tell both sides that a remediation covered too little of the failed work: the clock keeps running."""
    return _breach_event_notify(
        breach_id,
        notification_rules.BREACH_PARTIALLY_REMEDIATED,
        BreachStatus.PARTIALLY_REMEDIATED,
        "Breach partially remediated: items still missing",
    )


def breach_disputed_notify(*, breach_id: int) -> list[Notification]:
    """Tell both sides, and every lead, that a breach is disputed and its clock stopped."""
    return _breach_event_notify(
        breach_id,
        notification_rules.BREACH_DISPUTED,
        BreachStatus.DISPUTED,
        "Breach disputed: clock stopped",
        leads_too=True,
    )


def breach_decided_notify(*, breach_id: int) -> list[Notification]:
    """Tell both sides how a lead decided a dispute: upheld (clock resumed, new deadline) or withdrawn."""
    breach = _breach_related().get(pk=breach_id)
    event = breach.events.filter(from_status=BreachStatus.DISPUTED).order_by("-at", "-id").first()
    if event is None:
        return []
    withdrawn = event.to_status == BreachStatus.WITHDRAWN
    headline = "Dispute decided: breach withdrawn" if withdrawn else "Dispute decided: breach upheld"
    return _breach_event_notify(breach_id, notification_rules.BREACH_DECIDED, event.to_status, headline)


def batch_probe_notify(*, batch_id: int) -> list[Notification]:
    """Tell the leads when a vendor user's upload looks shaped to isolate gold items (``probe_signals``).

    The vendor rule withholds what such an upload is after; the lead hears of the attempt,
    because a vendor probing the gold set is a contract matter, not a data-quality one.
    """
    batch = Batch.objects.select_related("contract__vendor", "task_type", "uploaded_by").get(pk=batch_id)
    signals = probe_signals(batch.metrics)
    if not signals or batch.uploaded_by is None or not is_vendor_user(batch.uploaded_by):
        return []
    vendor = batch.contract.vendor
    message = {
        "subject": f"[vendorscore] Upload looks like a gold probe: {vendor.name}, batch {batch.pk}",
        "headline": "A vendor upload looks shaped to isolate gold items",
        "facts": [
            ("Vendor", vendor.name),
            ("Uploaded by", batch.uploaded_by.username),
            ("Batch", f"{batch.pk} ({batch.reference or batch.original_name}), {batch.task_type.name}"),
            *(("Signal", signal) for signal in signals),
            ("Vendor view", f"gold figures on fewer than {settings.VENDOR_MIN_GOLD_ITEMS} gold items are withheld"),
        ],
        "link": _link(batch.get_absolute_url()),
        "kind": notification_rules.GOLD_PROBE,
    }
    return _enqueue(
        kind=notification_rules.GOLD_PROBE,
        event_key=notification_rules.probe_key(batch.pk),
        recipients=_leads(),
        message=message,
    )


def remediation_reminders_enqueue(*, now: dt.datetime | None = None) -> int:
    """Remind owner and vendor of deadlines within 2 business days (once) and overdue ones (daily until resolved)."""
    now = now or timezone.now()
    count = 0
    running = AWAITING_FIX | Q(status=BreachStatus.ESCALATED)
    for breach in _breach_related().filter(running, remediation_due__isnull=False).order_by("pk"):
        contract = breach.batch.contract
        zone = ZoneInfo(contract.time_zone)
        today, due = now.astimezone(zone).date(), breach.remediation_due.astimezone(zone).date()
        if breach.remediation_due < now:
            kind, key, headline = (
                notification_rules.REMEDIATION_OVERDUE,
                notification_rules.breach_key(breach.pk, notification_rules.REMEDIATION_OVERDUE, on=today),
                "Remediation overdue",
            )
        elif notification_rules.business_days_until(today, due, calendar.parse_holidays(contract.holidays)) <= (
            notification_rules.DUE_SOON_BUSINESS_DAYS
        ):
            kind, key, headline = (
                notification_rules.REMEDIATION_DUE_SOON,
                notification_rules.breach_key(breach.pk, notification_rules.REMEDIATION_DUE_SOON, on=due),
                "Remediation due soon",
            )
        else:
            continue
        count += len(
            _enqueue(
                kind=kind,
                event_key=key,
                recipients=_breach_recipients(breach),
                message=_breach_message(breach, kind, headline),
            )
        )
    return count


def escalation_reminders_enqueue(*, now: dt.datetime | None = None) -> int:
    """Remind owner and vendor of escalated items whose resolution time is near: once per batch and day.

    An escalated item is pending while its row has no resolution time and no later delivery
    under the contract carries it resolved. It must be resolved within the hours of the
    batch's terms from when it was escalated (its annotation time). A batch is reminded when
    one of its pending items enters the last quarter of that time; the message lists every
    pending item due within the next 24 hours, so one reminder a day covers the day.
    """
    now = now or timezone.now()
    count = 0
    for batch in _batches_with_escalation_terms(now):
        hours = batch.terms_version.escalation_hours
        allowed = dt.timedelta(hours=hours)
        deadlines = {item: raised + allowed for item, raised in _pending_escalations(batch, now - allowed).items()}
        if not any(deadline <= now + notification_rules.escalation_warning(hours) for deadline in deadlines.values()):
            continue
        listed = {
            item: deadline
            for item, deadline in deadlines.items()
            if deadline <= now + notification_rules.ESCALATION_LISTING
        }
        today = now.astimezone(ZoneInfo(batch.contract.time_zone)).date()
        count += len(
            _enqueue(
                kind=notification_rules.ESCALATIONS_NEARING,
                event_key=notification_rules.escalations_key(batch.pk, today),
                recipients=_contract_recipients(batch.contract),
                message=_escalations_message(batch, listed, hours),
            )
        )
    return count


def _batches_with_escalation_terms(now: dt.datetime):
    """Evaluated batches whose terms limit escalations and that may still hold an item not yet due.

    An item is escalated before its batch is delivered, so once the longest allowed time has
    passed since delivery every item of the batch is due: older batches are not read at all.
    """
    longest = ContractTerms.objects.aggregate(hours=Max("escalation_hours"))["hours"]
    if not longest:
        return Batch.objects.none()
    return (
        Batch.objects.filter(
            status=BatchStatus.EVALUATED,
            terms_version__escalation_hours__isnull=False,
            delivered_at__gt=now - dt.timedelta(hours=longest),
            delivered_at__lte=now,
        )
        .select_related("contract__vendor", "contract__owner", "task_type", "terms_version")
        .order_by("pk")
    )


def _pending_escalations(batch: Batch, raised_after: dt.datetime) -> dict[str, dt.datetime]:
    """Unresolved escalated items raised after ``raised_after``, each with its earliest escalation time."""
    raised = dict(
        Annotation.objects.filter(
            batch=batch, escalated=True, escalation_resolved_at__isnull=True, annotated_at__gt=raised_after
        )
        .values("item_id")
        .annotate(first=Min("annotated_at"))
        .values_list("item_id", "first")
    )
    if not raised:
        return raised
    later = Batch.objects.filter(
        contract=batch.contract, status=BatchStatus.EVALUATED, delivered_at__gt=batch.delivered_at
    )
    resolved_later = Annotation.objects.filter(
        batch__in=later, item_id__in=list(raised), escalation_resolved_at__isnull=False
    ).values_list("item_id", flat=True)
    for item in resolved_later:
        raised.pop(item, None)
    return raised


def _escalations_message(batch: Batch, deadlines: dict[str, dt.datetime], hours: int) -> dict:
    """What an escalation reminder says: the batch's own pending items and when each is due, nothing else."""
    contract = batch.contract
    due = sorted(deadlines.items(), key=lambda pair: (pair[1], pair[0]))
    shown = ", ".join(
        f"{item} (due {timefmt.local_datetime(deadline, contract.time_zone)})" for item, deadline in due[:10]
    )
    more = f", and {len(due) - 10} more" if len(due) > 10 else ""
    term = TERM_LABELS["escalation"]
    return {
        "subject": f"[vendorscore] Escalated items due soon: {contract.vendor.name}, batch {batch.pk}, {term}",
        "headline": "Escalated items nearing their resolution time",
        "facts": [
            ("Vendor", contract.vendor.name),
            ("Contract", contract.title),
            ("Batch", f"{batch.pk} ({batch.reference or batch.original_name}), {batch.task_type.name}"),
            ("Term", f"{term}: each escalated item resolved within {hours} hours"),
            ("Unresolved items due in the next 24 hours", len(due)),
            ("First resolution time", timefmt.local_datetime(due[0][1], contract.time_zone)),
            ("Items", shown + more),
        ],
        "link": _link(batch.get_absolute_url()),
        "kind": notification_rules.ESCALATIONS_NEARING,
    }


def certification_reminders_enqueue(*, today: dt.date | None = None) -> int:
    """Warn the leads of certificates expiring within 30 days and of expired ones, once per certificate and date."""
    today = today or timezone.localdate()
    count = 0
    for certification in scorecard_selectors.certifications_on_file():
        expiry = notification_rules.certification_expiry(
            expires_on=certification.expires_on,
            audit_period_end=certification.audit_period_end,
            is_soc2=certification.kind in SOC2_KINDS,
        )
        kind = notification_rules.certification_event(expiry, today) if expiry else None
        if kind is None:
            continue
        verb = "expired on" if kind == notification_rules.CERTIFICATION_EXPIRED else "expires on"
        headline = (
            "Certification expired" if kind == notification_rules.CERTIFICATION_EXPIRED else "Certification expiring"
        )
        name = certification.get_kind_display()
        message = {
            "subject": f"[vendorscore] {headline}: {certification.vendor.name}, {name}, {expiry:%Y-%m-%d}",
            "headline": headline,
            "facts": [("Vendor", certification.vendor.name), ("Certification", name), (verb.capitalize(), expiry)],
            "link": _link(certification.vendor.get_absolute_url()),
        }
        key = notification_rules.certification_key(certification.pk, kind, expiry)
        count += len(_enqueue(kind=kind, event_key=key, recipients=_leads(), message=message))
    return count


def notifications_remind(*, now: dt.datetime | None = None) -> int:
    """The daily sweep: deadline and certificate reminders, and another try for anything still unsent."""
    now = now or timezone.now()
    count = remediation_reminders_enqueue(now=now)
    count += certification_reminders_enqueue(today=timezone.localdate(now))
    notifications_requeue()
    return count


def weekly_digest_enqueue(*, now: dt.datetime | None = None) -> list[Notification]:
    """The leads' week: batches received, verdicts, open and overdue breaches, credits owed this month."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=7)
    week = Batch.objects.filter(delivered_at__gte=since, delivered_at__lt=now)
    verdicts = Counter(week.exclude(verdict="").values_list("verdict", flat=True))
    unresolved = Breach.objects.filter(status__in=UNRESOLVED_BREACH_STATUSES, opened_at__lt=now)
    overdue = unresolved.filter(remediation_due__lt=now).count()
    month = timezone.localdate(now).replace(day=1)
    owed = (
        Breach.objects.filter(credit_month=month)
        .values_list("batch__contract__currency")
        .annotate(total=Sum("service_credit"))
        .order_by("batch__contract__currency")
    )
    facts = [
        ("Batches received", week.count()),
        *((f"Verdict: {verdict}", verdicts[verdict]) for verdict in sorted(verdicts)),
        ("Open breaches", unresolved.count()),
        ("Overdue breaches", overdue),
        *((f"Credits owed in {month:%B %Y} ({currency})", total) for currency, total in owed),
        *_standing_drop_facts(since, now),
    ]
    message = {
        "subject": f"[vendorscore] Weekly digest, week of {since:%Y-%m-%d}",
        "headline": f"The week to {now:%Y-%m-%d}",
        "facts": facts,
        "link": _link("/breaches/"),
    }
    key = notification_rules.digest_key(timezone.localdate(now))
    return _enqueue(kind=notification_rules.WEEKLY_DIGEST, event_key=key, recipients=_leads(), message=message)


def _standing_drop_facts(since: dt.datetime, now: dt.datetime) -> list[tuple[str, str]]:
    """Vendors whose performance standing dropped with a month that closed this week (their template says so)."""
    from vendorscore.performance.selectors import standing_drops

    return [
        (
            f"Standing dropped: {drop['vendor'].name}",
            f"{drop['previous'].standing_score} to {drop['current'].standing_score} "
            f"({drop['current'].standing_label}) after {drop['current'].period}",
        )
        for drop in standing_drops(since=timezone.localdate(since), until=timezone.localdate(now))
    ]


def notification_preferences_update(*, user, reminders: bool, digest: bool) -> NotificationPreference:
    """Store what the user wants to hear besides breach notices."""
    prefs, _ = NotificationPreference.objects.update_or_create(
        user=user, defaults={"reminders": reminders, "digest": digest}
    )
    return prefs
