"""Breaches: opened by failed findings, moved by vendors, leads and the clock, priced by credits.

Every state change goes through ``_move``, which checks it against ``BREACH_TRANSITIONS``
and records a ``BreachEvent``, so the history of a breach is complete by construction.
Rows are locked (``select_for_update``) before a move, so a lead's waiver and the
escalation sweep cannot both move the same breach from the same state.

Deadlines are counted by ``sla.calendar``; credits by ``sla.credits`` (the module
docstrings say how and why).
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from sla import calendar, checks, credits, webhooks
from sla.constants import (
    BREACH_TRANSITIONS,
    DEFAULT_TERM_SEVERITY,
    TERM_SEVERITY,
    UNRESOLVED_BREACH_STATUSES,
    BatchStatus,
    BatchVerdict,
    BreachStatus,
)
from sla.models import AWAITING_FIX, Batch, Breach, BreachEvent, CheckRun, Contract
from sla.services.webhooks import breach_event_emit
from vendorscore.constants import Role
from vendorscore.exceptions import DomainError
from vendorscore.permissions import LEADS, has_role, role_of


def _move(breach: Breach, to: str, *, actor=None, note: str = "", at: dt.datetime | None = None) -> Breach:
    """Change the state of a locked breach and record who moved it, when, and why."""
    if to not in BREACH_TRANSITIONS[breach.status]:
        raise DomainError(
            f"A breach that is {breach.get_status_display().lower()} cannot become {BreachStatus(to).label.lower()}.",
            field="status",
        )
    at = at or timezone.now()
    BreachEvent.objects.create(breach=breach, from_status=breach.status, to_status=to, actor=actor, at=at, note=note)
    breach.status = to
    if to == BreachStatus.ESCALATED:
        breach.escalated_at = at
    breach.closed_at = at if to in (BreachStatus.REMEDIATED, BreachStatus.WAIVED) else None
    breach.save()
    return breach


def _locked(breach: Breach) -> Breach:
    return Breach.objects.select_for_update(of=("self",)).select_related("batch__contract").get(pk=breach.pk)


def _notify_on_commit(task_name: str, breach_id: int) -> None:
    """Queue a breach notice once the move is committed (a rolled-back move tells nobody).

    ``sla.tasks`` is imported here, not at the top, because the tasks import the services.
    """
    from sla import tasks

    task = getattr(tasks, task_name)
    transaction.on_commit(lambda: task.delay(breach_id))


def _month_of(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    return moment.astimezone(zone).date().replace(day=1)


@transaction.atomic
def breaches_open(*, run: CheckRun) -> list[Breach]:
    """Open one breach per term that failed in the run; a term already breached for the batch is left alone."""
    batch = run.batch
    contract = batch.contract
    failed = {}
    for finding in run.findings.filter(verdict=checks.FAIL).order_by("id"):
        failed.setdefault(finding.term, finding)
    existing = set(Breach.objects.filter(batch=batch, term__in=failed).values_list("term", flat=True))
    if not failed.keys() - existing:
        return []
    zone = ZoneInfo(contract.time_zone)
    terms = run.terms
    value = credits.batch_value(batch.items, contract.unit_price)
    percent = terms.service_credit_percent if terms else None
    due = None
    if terms is not None and terms.remediation_business_days is not None:
        due = calendar.business_deadline(
            run.ran_at, terms.remediation_business_days, contract.time_zone, calendar.parse_holidays(contract.holidays)
        )
    opened = []
    for term, finding in failed.items():
        if term in existing:
            continue
        breach = Breach.objects.create(
            batch=batch,
            term=term,
            finding=finding,
            severity=TERM_SEVERITY.get(term, DEFAULT_TERM_SEVERITY),
            opened_at=run.ran_at,
            remediation_due=due,
            credit_percent=percent,
            batch_value=value,
            credit_full=credits.credit_for(value, percent),
            service_credit=Decimal("0"),
            credit_month=_month_of(batch.delivered_at, zone),
        )
        BreachEvent.objects.create(
            breach=breach, to_status=BreachStatus.OPEN, at=run.ran_at, note=finding.detail[:1000]
        )
        opened.append(breach)
        _notify_on_commit("breach_opened_notify", breach.pk)
    return opened


def credits_rebalance(*, contract: Contract, month: dt.date) -> None:
    """Recompute what each of the month's breaches owes under the contract's monthly cap.

    Waived breaches owe nothing; remediated ones owe nothing unless the contract reprices
    remediated batches. The rest share the cap in the order they were opened.
    """
    breaches = list(Breach.objects.filter(batch__contract=contract, credit_month=month).order_by("opened_at", "id"))
    if not breaches:
        return
    charged = [breach for breach in breaches if _owes_credit(breach, contract)]
    cap = credits.monthly_cap(month_invoiced_value(contract=contract, month=month), contract.service_credit_cap_percent)
    owed = dict(zip((b.pk for b in charged), credits.allocate([b.credit_full for b in charged], cap), strict=True))
    for breach in breaches:
        amount = owed.get(breach.pk, credits.money(0))
        if breach.service_credit != amount:
            Breach.objects.filter(pk=breach.pk).update(service_credit=amount)


def _owes_credit(breach: Breach, contract: Contract) -> bool:
    if breach.status == BreachStatus.WAIVED:
        return False
    return breach.status != BreachStatus.REMEDIATED or contract.reprice_remediated


def breach_owes_credit(*, breach: Breach, contract: Contract) -> bool:
    """Whether the breach's outcome leaves its credit owed before the cap; the credit statement explains with it."""
    return _owes_credit(breach, contract)


def month_invoiced_value(*, contract: Contract, month: dt.date) -> Decimal:
    """The value of the contract's checked batches delivered in the month; redeliveries are not invoiced again."""
    zone = ZoneInfo(contract.time_zone)
    start = dt.datetime.combine(month, dt.time(), tzinfo=zone)
    end = dt.datetime.combine((month + dt.timedelta(days=32)).replace(day=1), dt.time(), tzinfo=zone)
    items = (
        Batch.objects.filter(
            contract=contract,
            status=BatchStatus.EVALUATED,
            remediates__isnull=True,
            delivered_at__gte=start,
            delivered_at__lt=end,
        ).aggregate(total=Sum("items"))["total"]
        or 0
    )
    return credits.batch_value(items, contract.unit_price)


@transaction.atomic
def breach_waive(*, breach: Breach, user, reason: str) -> Breach:
    """A procurement lead forgives a breach and its credit; the reason is kept for the auditors."""
    if not has_role(user, LEADS):
        raise PermissionDenied("Only a procurement lead may waive a breach.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the breach is waived.", field="waiver_reason")
    breach = _locked(breach)
    breach.waiver_reason = reason
    _move(breach, BreachStatus.WAIVED, actor=user, note=reason)
    credits_rebalance(contract=breach.batch.contract, month=breach.credit_month)
    return breach


@transaction.atomic
def breach_remediation_submit(*, breach: Breach, user, note: str = "") -> Breach:
    """The vendor (or a lead for them) says the fix is on its way; the deadline runs until the batch arrives."""
    if role_of(user) not in (Role.VENDOR, Role.PROCUREMENT_LEAD):
        raise PermissionDenied("Only the vendor or a procurement lead may submit a remediation.")
    breach = _locked(breach)
    return _move(breach, BreachStatus.REMEDIATION_SUBMITTED, actor=user, note=note)


@transaction.atomic
def remediation_received(*, batch: Batch) -> list[Breach]:
    """A delivery that names the batch it remediates: that batch's unresolved breaches await its check."""
    if batch.remediates_id is None:
        return []
    moved = []
    for breach in Breach.objects.select_for_update().filter(
        batch_id=batch.remediates_id, status__in=UNRESOLVED_BREACH_STATUSES
    ):
        breach.remediation_batch = batch
        if breach.status == BreachStatus.REMEDIATION_SUBMITTED:
            breach.save(update_fields=["remediation_batch"])
        else:
            _move(
                breach, BreachStatus.REMEDIATION_SUBMITTED, actor=batch.uploaded_by, note=f"Batch {batch.pk} delivered."
            )
        moved.append(breach)
    return moved


@transaction.atomic
def remediation_resolve(*, batch: Batch) -> list[Breach]:
    """Close the breaches a remediation batch answers: remediated when it passed, back where they were when not.

    An inconclusive check leaves them submitted, for a lead to re-run or waive.
    """
    batch = Batch.objects.get(pk=batch.pk)
    if batch.status == BatchStatus.INVALID or batch.verdict == BatchVerdict.REJECTED:
        outcome = None
    elif batch.verdict == BatchVerdict.ACCEPTED:
        outcome = BreachStatus.REMEDIATED
    else:
        return []
    resolved = []
    breaches = Breach.objects.select_for_update().select_related("batch__contract")
    for breach in breaches.filter(remediation_batch=batch, status=BreachStatus.REMEDIATION_SUBMITTED):
        if outcome is None:
            back = BreachStatus.ESCALATED if breach.escalated_at else BreachStatus.OPEN
            _move(breach, back, note=f"Remediation batch {batch.pk} failed its check.")
        else:
            _move(breach, outcome, note=f"Remediation batch {batch.pk} passed its check.")
        credits_rebalance(contract=breach.batch.contract, month=breach.credit_month)
        if breach.status == BreachStatus.REMEDIATED:  # after the rebalance, so the event carries the credit owed
            breach_event_emit(breach_id=breach.pk, event=webhooks.BREACH_REMEDIATED, occurred_at=breach.closed_at)
        resolved.append(breach)
    return resolved


def breaches_after_check(*, run: CheckRun) -> None:
    """What a newly stored check run means for breaches: its own failures, the month's credits, remediation.

    The month's credits are recomputed on every check, failed or not: a batch that passes
    still adds to the month's invoiced value, and so to the cap.
    """
    batch = run.batch
    breaches_open(run=run)
    month = _month_of(batch.delivered_at, ZoneInfo(batch.contract.time_zone))
    credits_rebalance(contract=batch.contract, month=month)
    if batch.remediates_id is not None:
        remediation_resolve(batch=batch)


def breaches_escalate_overdue(*, now: dt.datetime | None = None) -> int:
    """Escalate every breach still awaiting a fix past its deadline, each exactly once; returns how many moved.

    Each breach is locked and its state read again before the move, so two sweeps running
    at once (two beat schedulers, a retried task) escalate it once between them.
    """
    now = now or timezone.now()
    overdue = Breach.objects.filter(AWAITING_FIX, remediation_due__lt=now)
    escalated = 0
    for pk in list(overdue.values_list("pk", flat=True)):
        with transaction.atomic():
            breach = overdue.select_for_update().filter(pk=pk).first()
            if breach is None:
                continue
            note = f"Not remediated by {breach.remediation_due:%Y-%m-%d %H:%M %Z}."
            _move(breach, BreachStatus.ESCALATED, at=now, note=note)
            _notify_on_commit("breach_escalated_notify", breach.pk)
            escalated += 1
    return escalated
