"""Webhooks: leads register URLs; each event is POSTed once per webhook, signed, retried, and can be sent again.

Exactly once works as for e-mail (``services/notifications.py``). ``webhooks_emit``
creates one ``WebhookDelivery`` per (event id, webhook) with ``get_or_create`` and the
body already rendered, then queues a send on commit. ``webhook_deliver`` locks the row,
posts only if it is not yet delivered, and marks it delivered in the same transaction; a
scheduler tick, a retried task or a second worker finds it delivered or locked and does
nothing. A failed post (no answer, or not 2xx) is recorded on the row and raised, so the
task retries with backoff; ``webhook_deliveries_requeue`` (every 10 minutes) queues
whatever is still undelivered. The window left, as for SMTP: a worker killed after the
receiver answered 2xx and before the commit; receivers deduplicate on the event ``id``.

Every send resolves the host again and connects to the address it checked (no second
lookup between the check and the connection), so DNS rebinding cannot turn an accepted
name into an internal address. Redirects are not followed.
"""

import datetime as dt
import http.client
import secrets
import socket
import ssl
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from sla import checks, webhook_rules
from sla.models import Batch, Breach, CheckRun, Webhook, WebhookDelivery
from sla.timefmt import local_datetime
from vendorscore.broker import enqueue_on_commit
from vendorscore.exceptions import DomainError

SEND_ERRORS = (OSError, http.client.HTTPException, webhook_rules.UnsafeDestination)
RESPONSE_READ_LIMIT = 64 * 1024
EVENT_TITLES = {
    webhook_rules.BATCH_EVALUATED: "Batch evaluated",
    webhook_rules.BREACH_OPENED: "SLA breach opened",
    webhook_rules.BREACH_ESCALATED: "Breach escalated",
    webhook_rules.BREACH_REMEDIATED: "Breach remediated",
    webhook_rules.BREACH_DISPUTED: "Breach disputed",
    webhook_rules.BREACH_DECIDED: "Breach dispute decided",
}


class WebhookNotSent(Exception):
    """Raised after a failed post is recorded, so the Celery task retries it with backoff."""


def _own_addresses() -> set[str]:
    """The addresses this server answers on, as far as it can tell: its host name's and the site URL's."""
    found = set()
    for name in {socket.gethostname(), urlsplit(settings.SITE_URL).hostname}:
        try:
            found |= {info[4][0] for info in socket.getaddrinfo(name, None)}
        except OSError:
            continue
    return found


def destination_check(url: str) -> tuple[str, str, int, list[str]]:
    """(scheme, host, port, addresses) of a URL the server may call now, or ``webhook_rules.UnsafeDestination``."""
    scheme, host, port = webhook_rules.target_of(url)
    try:
        addresses = list(dict.fromkeys(info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)))
    except OSError as error:
        raise webhook_rules.UnsafeDestination(f"{host} does not resolve ({error}).") from error
    if not settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS:
        own = _own_addresses()
        for address in addresses:
            reason = webhook_rules.refused_address(address, own=own)
            if reason:
                raise webhook_rules.UnsafeDestination(
                    f"{host} is refused: {reason}; webhooks may only call public addresses "
                    "(WEBHOOK_ALLOW_PRIVATE_NETWORKS allows private networks)."
                )
    return scheme, host, port, addresses


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to ``host`` (its Host header) over a socket to the address already checked."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to the checked address, with the certificate verified for ``host`` (SNI and hostname check)."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _post(url: str, body: bytes, headers: dict) -> int:
    """POST the body to the URL's checked address; the receiver's status code."""
    scheme, host, port, addresses = destination_check(url)
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, port, address=addresses[0], timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(RESPONSE_READ_LIMIT)
        return response.status
    finally:
        connection.close()


def webhook_create(*, user, url: str, events: list[str], secret: str = "", kind: str = Webhook.Kind.JSON) -> Webhook:
    """Register a URL for some events; refused (400) when the server may not call it. A blank secret is generated."""
    events = list(dict.fromkeys(events))
    unknown = [event for event in events if event not in webhook_rules.EVENTS]
    if unknown or not events:
        raise DomainError(f"Choose events among: {', '.join(webhook_rules.EVENTS)}.", field="events")
    url = (url or "").strip()
    try:
        destination_check(url)
    except webhook_rules.UnsafeDestination as error:
        raise DomainError(str(error), field="url") from error
    webhook = Webhook(url=url, events=events, secret=secret or secrets.token_hex(32), kind=kind, created_by=user)
    webhook.full_clean()
    webhook.save()
    return webhook


def webhook_delete(*, webhook: Webhook) -> None:
    """Forget the webhook and its deliveries; a send already queued finds no row and does nothing."""
    webhook.delete()


def webhooks_emit(*, event: str, event_key: str, occurred_at: dt.datetime, data: dict, text: str) -> list:
    """One delivery per active webhook that listens to ``event``, created once; a send queued for each unsent.

    ``event_key`` is the event's id: the same event emitted again (a retried task, a
    second scheduler tick) finds its rows and adds nothing.
    """
    rows = []
    hooks = _listening(event)
    with transaction.atomic():
        for hook in hooks:
            if hook.kind == Webhook.Kind.SLACK:
                body = webhook_rules.slack_body(text)
            else:
                body = webhook_rules.event_body(
                    event=event, event_id=event_key, occurred_at=occurred_at.isoformat(), data=data
                )
            row, _ = WebhookDelivery.objects.get_or_create(
                event_key=event_key, webhook=hook, defaults={"event": event, "body": body.decode("utf-8")}
            )
            if row.status != WebhookDelivery.Status.SENT:
                enqueue_on_commit("sla.tasks.webhook_deliver", row.pk)
            rows.append(row)
    return rows


def _listening(event: str) -> list[Webhook]:
    return [hook for hook in Webhook.objects.filter(active=True).order_by("pk") if event in hook.events]


def webhook_deliver(*, delivery_id: int) -> bool:
    """POST one delivery unless it is delivered or another worker holds it; True when this call delivered it."""
    error = None
    with transaction.atomic():
        row = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("webhook")
            .filter(pk=delivery_id)
            .exclude(status=WebhookDelivery.Status.SENT)
            .first()
        )
        if row is None:
            return False
        # The conditional write takes SQLite's write lock too, where select_for_update is a no-op.
        unsent = WebhookDelivery.objects.filter(pk=row.pk).exclude(status=WebhookDelivery.Status.SENT)
        if not unsent.update(attempts=F("attempts") + 1):
            return False
        row.attempts += 1
        body = row.body.encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "vendorscore-webhooks/1",
            webhook_rules.SIGNATURE_HEADER: webhook_rules.signature(row.webhook.secret, body),
            webhook_rules.EVENT_HEADER: row.event,
            webhook_rules.DELIVERY_HEADER: row.event_key,
        }
        try:
            row.response_status = _post(row.webhook.url, body, headers)
        except SEND_ERRORS as exc:
            error = exc
            row.response_status = None
            row.status, row.last_error = WebhookDelivery.Status.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
        else:
            if 200 <= row.response_status < 300:
                row.status, row.sent_at, row.last_error = WebhookDelivery.Status.SENT, timezone.now(), ""
            else:
                error = WebhookNotSent(f"HTTP {row.response_status}")
                row.status = WebhookDelivery.Status.FAILED
                row.last_error = f"The receiver answered {row.response_status}."
        row.save(update_fields=["status", "last_error", "sent_at", "response_status"])
    if error is not None:
        raise WebhookNotSent(row.last_error) from error
    return True


def webhook_deliveries_requeue(*, older_than: dt.timedelta = dt.timedelta(minutes=10)) -> int:
    """Queue again every delivery still undelivered after its task gave up, so an outage loses nothing."""
    stale = WebhookDelivery.objects.filter(webhook__active=True, created_at__lt=timezone.now() - older_than).exclude(
        status=WebhookDelivery.Status.SENT
    )
    pks = list(stale.values_list("pk", flat=True))
    for pk in pks:
        enqueue_on_commit("sla.tasks.webhook_deliver", pk)
    return len(pks)


@transaction.atomic
def webhook_delivery_resend(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """A lead's "send again": the same body (same event id) is posted once more, e.g. after fixing the receiver."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=WebhookDelivery.Status.PENDING)
    enqueue_on_commit("sla.tasks.webhook_deliver", delivery.pk)
    delivery.refresh_from_db()
    return delivery


def _link(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def breach_event_emit(*, breach_id: int, event: str, occurred_at: dt.datetime | None = None, on=None) -> list:
    """Emit a breach event; ``on`` distinguishes repeats of the same kind (a second escalation, a second dispute)."""
    if not _listening(event):
        return []
    breach = Breach.objects.select_related("batch__contract__vendor", "batch__task_type").get(pk=breach_id)
    batch, contract = breach.batch, breach.batch.contract
    occurred_at = occurred_at or timezone.now()
    data = {
        "breach": breach.pk,
        "batch": batch.pk,
        "vendor": contract.vendor_id,
        "vendor_name": contract.vendor.name,
        "contract": contract.pk,
        "task_type": batch.task_type.name,
        "term": breach.term,
        "status": breach.status,
        "severity": breach.severity,
        "opened_at": breach.opened_at.isoformat(),
        "remediation_due": breach.remediation_due.isoformat() if breach.remediation_due else None,
        "service_credit": str(breach.service_credit),
        "credit_full": str(breach.credit_full),
        "currency": contract.currency,
        "url": _link(breach.get_absolute_url()),
    }
    due = local_datetime(breach.remediation_due, contract.time_zone)
    text = (
        f"{EVENT_TITLES[event]}: {contract.vendor.name}, batch {batch.pk} ({batch.task_type.name}), "
        f"{breach.term_label}. Status {breach.get_status_display().lower()}, remediation due {due}, "
        f"credit {breach.credit_full} {contract.currency} before the monthly cap. {data['url']}"
    )
    key = f"breach:{breach.pk}:{event}" + (f":{on}" if on is not None else "")
    return webhooks_emit(event=event, event_key=key, occurred_at=occurred_at, data=data, text=text)


def batch_evaluated_emit(*, run: CheckRun) -> list:
    """Emit ``batch.evaluated`` for a stored check run (each new verdict of a batch is its own event)."""
    if not _listening(webhook_rules.BATCH_EVALUATED):
        return []
    batch = Batch.objects.select_related("contract__vendor", "task_type").get(pk=run.batch_id)
    contract = batch.contract
    findings = list(run.findings.order_by("id").values_list("term", "verdict"))
    data = {
        "batch": batch.pk,
        "vendor": contract.vendor_id,
        "vendor_name": contract.vendor.name,
        "contract": contract.pk,
        "task_type": batch.task_type.name,
        "reference": batch.reference,
        "verdict": run.verdict,
        "items": batch.items,
        "delivered_at": batch.delivered_at.isoformat(),
        "findings": [{"term": term, "verdict": verdict} for term, verdict in findings],
        "url": _link(batch.get_absolute_url()),
    }
    failed = [term for term, verdict in findings if verdict == checks.FAIL]
    text = (
        f"{EVENT_TITLES[webhook_rules.BATCH_EVALUATED]}: {contract.vendor.name}, batch {batch.pk} "
        f"({batch.reference or batch.original_name}, {batch.task_type.name}) {run.verdict}"
        + (f", failed: {', '.join(failed)}" if failed else "")
        + f". {data['url']}"
    )
    return webhooks_emit(
        event=webhook_rules.BATCH_EVALUATED,
        event_key=f"batch:{batch.pk}:{webhook_rules.BATCH_EVALUATED}:{run.pk}",
        occurred_at=run.ran_at,
        data=data,
        text=text,
    )
