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

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum

from sla import calendar, checks, clock, credits, lineage_rules, timefmt
from sla.constants import (
    BREACH_TRANSITIONS,
    CLOSED_BREACH_STATUSES,
    DEFAULT_TERM_SEVERITY,
    TERM_LABELS,
    TERM_SEVERITY,
    BatchStatus,
    BreachStatus,
    DisputeDecision,
)
from sla.models import AWAITING_FIX, Batch, Breach, BreachEvent, CheckRun, Contract
from sla.visibility import finding_for_vendor
from vendorscore.broker import enqueue_on_commit
from vendorscore.exceptions import DomainError
from vendorscore.permissions import may_answer_breach, may_decide_dispute


def _move(breach: Breach, to: str, *, actor=None, note: str = "", at: dt.datetime | None = None) -> Breach:
    """Change the state of a locked breach and record who moved it, when, and why."""
    if to not in BREACH_TRANSITIONS[breach.status]:
        raise DomainError(
            f"A breach that is {breach.get_status_display().lower()} cannot become {BreachStatus(to).label.lower()}.",
            field="status",
        )
    at = at or clock.now()
    BreachEvent.objects.create(breach=breach, from_status=breach.status, to_status=to, actor=actor, at=at, note=note)
    breach.status = to
    if to == BreachStatus.ESCALATED:
        breach.escalated_at = at
    breach.closed_at = at if to in CLOSED_BREACH_STATUSES else None
    breach.save()
    return breach


def _locked(breach: Breach) -> Breach:
    return Breach.objects.select_for_update(of=("self",)).select_related("batch__contract").get(pk=breach.pk)


def _opening_note(finding, batch) -> str:
    """The finding's explanation, unless it repeats a gold figure the vendor rule withholds (the vendor
    reads the history too): then the term and the reason, the figure staying on the buyer's finding."""
    view = finding_for_vendor(
        term=finding.term, extra=finding.extra, metrics=batch.metrics, min_gold_items=settings.VENDOR_MIN_GOLD_ITEMS
    )
    if view.withheld:
        return f"{finding.term_label} failed; measured value {view.reason}."
    return finding.detail[:1000]


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
    terms = run.terms
    value = credits.batch_value(batch.invoiced_items, contract.unit_price)
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
            credit_month=credits.credit_month(batch.delivered_at, contract.time_zone),
        )
        BreachEvent.objects.create(
            breach=breach, to_status=BreachStatus.OPEN, at=run.ran_at, note=_opening_note(finding, batch)
        )
        opened.append(breach)
        enqueue_on_commit("sla.tasks.breach_opened_notify", breach.pk)
    return opened


def credits_rebalance(*, contract: Contract, month: dt.date) -> None:
    """Recompute what each of the month's breaches owes under the contract's monthly cap.

    Waived breaches owe nothing; remediated ones owe nothing unless the contract reprices
    remediated batches. The rest share the cap in the order they were opened.
    """
    breaches = list(Breach.objects.filter(batch__contract=contract, credit_month=month).order_by("opened_at", "id"))
    if not breaches:
        return
    charged = [
        breach
        for breach in breaches
        if credits.outcome_owes_credit(status=breach.status, reprice_remediated=contract.reprice_remediated)
    ]
    cap = credits.monthly_cap(month_invoiced_value(contract=contract, month=month), contract.service_credit_cap_percent)
    owed = dict(zip((b.pk for b in charged), credits.allocate([b.credit_full for b in charged], cap), strict=True))
    for breach in breaches:
        amount = owed.get(breach.pk, credits.money(0))
        if breach.service_credit != amount:
            Breach.objects.filter(pk=breach.pk).update(service_credit=amount)


def month_invoiced_value(*, contract: Contract, month: dt.date) -> Decimal:
    """The value of the contract's checked batches delivered in the month: new items only (``sla.lineage_rules``)."""
    return month_invoiced_values(contracts=[contract], month=month)[contract.pk]


def month_invoiced_values(*, contracts: list[Contract], month: dt.date) -> dict[int, Decimal]:
    """``month_invoiced_value`` of several contracts: one query per time zone among them, not one per contract."""
    by_zone: dict[str, list[Contract]] = {}
    for contract in contracts:
        by_zone.setdefault(contract.time_zone, []).append(contract)
    items: dict[int, int] = {}
    for zone, members in by_zone.items():
        start, end = credits.month_bounds(month, zone)
        totals = (
            Batch.objects.filter(
                contract__in=members, status=BatchStatus.EVALUATED, delivered_at__gte=start, delivered_at__lt=end
            )
            .values("contract")
            .annotate(total=Sum("invoiced_items"))
        )
        items.update({row["contract"]: row["total"] or 0 for row in totals})
    return {contract.pk: credits.batch_value(items.get(contract.pk, 0), contract.unit_price) for contract in contracts}


@transaction.atomic
def breach_waive(*, breach: Breach, user, reason: str) -> Breach:
    """A procurement lead forgives a breach and its credit; the reason is kept for the auditors."""
    if not may_decide_dispute(user):
        raise PermissionDenied("Only a procurement lead may waive a breach.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the breach is waived.", field="waiver_reason")
    breach = _locked(breach)
    breach.waiver_reason = reason
    breach.disputed_at = None
    _move(breach, BreachStatus.WAIVED, actor=user, note=reason)
    credits_rebalance(contract=breach.batch.contract, month=breach.credit_month)
    enqueue_on_commit("sla.tasks.breach_waived_notify", breach.pk)
    return breach


@transaction.atomic
def breach_remediation_submit(*, breach: Breach, user, note: str = "") -> Breach:
    """The vendor (or a lead for them) says the fix is on its way; the deadline runs until the batch arrives."""
    if not may_answer_breach(user):
        raise PermissionDenied("Only the vendor or a procurement lead may submit a remediation.")
    breach = _locked(breach)
    if breach.status != BreachStatus.REMEDIATION_SUBMITTED:
        # A remediation batch already judged (partly, or failed) is no fix on its way: the clock must keep running.
        breach.remediation_batch = None
    return _move(breach, BreachStatus.REMEDIATION_SUBMITTED, actor=user, note=note)


@transaction.atomic
def breach_dispute(*, breach: Breach, user, reason: str, file=None, at: dt.datetime | None = None) -> Breach:
    """The vendor (or a lead for them) contests a breach, once; its remediation clock stops until a lead decides.

    The caller has already found the breach through the user's scope (another vendor's
    breach is 404); the check here is the second lock. The time spent disputed is counted
    in business time when the lead decides.
    """
    if not may_answer_breach(user):
        raise PermissionDenied("Only the vendor or a procurement lead may dispute a breach.")
    breach = _locked(breach)
    if not may_answer_breach(user, breach):
        raise PermissionDenied("A vendor may dispute only its own breaches.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the breach is disputed.", field="reason")
    if breach.events.filter(to_status=BreachStatus.DISPUTED).exists():
        # Once decided, a dispute is not raised again: otherwise each new dispute would stop the clock anew.
        raise DomainError(f"Breach {breach.pk} was already disputed and the dispute decided.", field="reason")
    at = at or clock.now()
    breach.dispute_reason = reason
    breach.disputed_at = at
    if file is not None:
        breach.dispute_file.save(getattr(file, "name", "dispute") or "dispute", file, save=False)
    _move(breach, BreachStatus.DISPUTED, actor=user, note=reason, at=at)
    enqueue_on_commit("sla.tasks.breach_disputed_notify", breach.pk)
    return breach


@transaction.atomic
def breach_decide(*, breach: Breach, user, decision: str, note: str = "", at: dt.datetime | None = None) -> Breach:
    """A lead answers a dispute: upheld restarts the clock, the paused business time added; withdrawn closes it.

    A withdrawn breach owes no service credit; the month's credits are shared again.
    """
    if not may_decide_dispute(user):
        raise PermissionDenied("Only a procurement lead may decide a dispute.")
    if decision not in DisputeDecision.values:
        raise DomainError("Decide “upheld” or “withdrawn”.", field="decision")
    breach = _locked(breach)
    if breach.status != BreachStatus.DISPUTED:
        raise DomainError(f"Breach {breach.pk} is not disputed.", field="decision")
    at = at or clock.now()
    contract = breach.batch.contract
    note = (note or "").strip()
    if decision == DisputeDecision.WITHDRAWN:
        breach.disputed_at = None
        _move(breach, BreachStatus.WITHDRAWN, actor=user, note=f"Dispute decided: withdrawn. {note}".strip(), at=at)
        credits_rebalance(contract=contract, month=breach.credit_month)
    else:
        holidays = calendar.parse_holidays(contract.holidays)
        paused = calendar.business_time_between(breach.disputed_at, at, contract.time_zone, holidays)
        if breach.remediation_due is not None:
            breach.remediation_due = calendar.add_business_time(
                breach.remediation_due, paused, contract.time_zone, holidays
            )
        started, breach.disputed_at = breach.disputed_at, None
        resumed = (
            f"Dispute decided: upheld. The clock resumes with {_hours(paused)} of business time added; "
            f"remediation due {timefmt.local_datetime(breach.remediation_due, contract.time_zone)}. {note}"
        ).strip()
        _move(breach, _before_dispute(breach), actor=user, note=resumed, at=at)
        _answer_fix_delivered_during_dispute(breach, started=started, at=at)
    enqueue_on_commit("sla.tasks.breach_decided_notify", breach.pk)
    return breach


def _answer_fix_delivered_during_dispute(breach: Breach, *, started: dt.datetime, at: dt.datetime) -> None:
    """A remediation that arrived, or was checked, while the breach was disputed is judged once it is upheld."""
    fix = breach.remediation_batch
    if fix is None:
        return
    if breach.status != BreachStatus.REMEDIATION_SUBMITTED:
        if fix.delivered_at < started:
            return
        _move(breach, BreachStatus.REMEDIATION_SUBMITTED, note=f"Batch {fix.pk} delivered during the dispute.", at=at)
    if fix.status == BatchStatus.INVALID or (fix.status == BatchStatus.EVALUATED and fix.verdict):
        remediation_resolve(batch=fix)


def _before_dispute(breach: Breach) -> str:
    event = breach.events.filter(to_status=BreachStatus.DISPUTED).order_by("-at", "-id").first()
    return event.from_status if event and event.from_status else BreachStatus.OPEN


def _hours(amount: dt.timedelta) -> str:
    hours = amount.total_seconds() / 3600
    return f"{hours:.1f} hours".replace(".0 hours", " hours")


# A remediation batch answers the breaches still waiting for one; a disputed breach waits for its lead.
REMEDIABLE = (
    BreachStatus.OPEN,
    BreachStatus.REMEDIATION_SUBMITTED,
    BreachStatus.PARTIALLY_REMEDIATED,
    BreachStatus.ESCALATED,
)


@transaction.atomic
def remediation_received(*, batch: Batch) -> list[Breach]:
    """A delivery that names the batch it remediates: that batch's unresolved breaches await its check."""
    if batch.remediates_id is None:
        return []
    moved = []
    for breach in Breach.objects.select_for_update().filter(batch_id=batch.remediates_id, status__in=REMEDIABLE):
        breach.remediation_batch = batch
        if breach.status == BreachStatus.REMEDIATION_SUBMITTED:
            breach.save(update_fields=["remediation_batch"])
        else:
            _move(
                breach,
                BreachStatus.REMEDIATION_SUBMITTED,
                actor=batch.uploaded_by,
                note=f"Batch {batch.pk} delivered.",
            )
        moved.append(breach)
    # A disputed breach keeps the delivery in mind; it is judged if the dispute is upheld.
    Breach.objects.filter(batch_id=batch.remediates_id, status=BreachStatus.DISPUTED).update(remediation_batch=batch)
    return moved


@transaction.atomic
def remediation_resolve(*, batch: Batch) -> list[Breach]:
    """Settle the breaches a remediation batch answers, each on the failed batch's items (``sla.lineage_rules``).

    Remediated when the breach's term passes on the items the batch shares with the failed
    batch and enough of those items are covered; partially remediated (clock running) when
    it passes on too few; back where it was when it fails or the file was invalid. A term
    that is inconclusive there leaves the breach submitted, for a lead to re-run or waive.
    """
    from sla.services import lineage  # lineage reads the evaluation service, which imports this module's callers

    batch = Batch.objects.select_related("contract", "task_type", "remediates__terms_version").get(pk=batch.pk)
    breaches = list(
        Breach.objects.select_for_update(of=("self",))
        .select_related("batch__contract")
        .filter(remediation_batch=batch, status=BreachStatus.REMEDIATION_SUBMITTED)
    )
    if not breaches:
        return []
    # A file refused, or a batch that failed to process, gives the breaches back to the clock: a fix
    # nobody could check must not stop escalation (a lead's retry claims them again).
    invalid = batch.status in (BatchStatus.INVALID, BatchStatus.FAILED)
    if not invalid and (batch.status != BatchStatus.EVALUATED or not batch.verdict):
        return []
    terms_row = batch.remediates.terms_version
    terms = None
    if not invalid and terms_row is not None:
        from sla.services.checking import pure_terms

        terms = pure_terms(terms_row)
    resolved = []
    for breach in breaches:
        contract = breach.batch.contract
        if invalid:
            refused = "could not be processed" if batch.status == BatchStatus.FAILED else "was rejected as a file"
            _move(breach, _back(breach), note=f"Remediation batch {batch.pk} {refused}.")
            resolved.append(breach)
            continue
        passed = [pk for pk in (breach.remediation_result or {}).get("passed_batches", []) if pk != batch.pk]
        coverage = lineage.remediation_coverage(batch=batch, counted=passed)
        verdict, measured = (None, [])
        if terms is not None:
            verdict, measured = lineage.term_on_failed_items(
                batch=batch, term=breach.term, terms=terms, extra=coverage.extra
            )
        outcome = lineage_rules.remediation_outcome(verdict, coverage, contract.remediation_coverage_required)
        detail = lineage_rules.coverage_detail(
            coverage, contract.remediation_coverage_required, TERM_LABELS.get(breach.term, breach.term), verdict
        )
        if outcome in ("remediated", "partially_remediated"):
            passed.append(batch.pk)
            covered = coverage.covered_so_far
        else:
            covered = lineage.covered_items(failed_batch_id=batch.remediates_id, batches=passed)
        breach.remediation_result = {
            "passed_batches": passed,
            "failed_items": coverage.failed_items,
            "covered": covered,
            "coverage": covered / coverage.failed_items if coverage.failed_items else 0.0,
            "required": contract.remediation_coverage_required,
            "last": {
                "batch": batch.pk,
                "coverage": coverage.share,
                "covered": coverage.covered,
                "extra": coverage.extra,
                "verdict": verdict,
                "measured": measured,
                "detail": detail,
            },
        }
        if outcome is None:
            breach.save(update_fields=["remediation_result"])
            continue
        if outcome == "remediated":
            _move(breach, BreachStatus.REMEDIATED, note=f"Remediation batch {batch.pk}: {detail}")
            enqueue_on_commit("sla.tasks.breach_remediated_notify", breach.pk)
        elif outcome == "partially_remediated":
            _move(breach, BreachStatus.PARTIALLY_REMEDIATED, note=f"Remediation batch {batch.pk}: {detail}")
            enqueue_on_commit("sla.tasks.breach_partially_remediated_notify", breach.pk)
        else:
            _move(breach, _back(breach), note=f"Remediation batch {batch.pk} does not answer the breach: {detail}")
        credits_rebalance(contract=contract, month=breach.credit_month)
        resolved.append(breach)
    return resolved


def _back(breach: Breach) -> str:
    """Where a breach returns when a remediation fails: escalated, partly answered, or open again."""
    if breach.escalated_at:
        return BreachStatus.ESCALATED
    if (breach.remediation_result or {}).get("passed_batches"):
        return BreachStatus.PARTIALLY_REMEDIATED
    return BreachStatus.OPEN


def breaches_after_check(*, run: CheckRun) -> None:
    """What a newly stored check run means for breaches: its own failures, the month's credits, remediation.

    The month's credits are recomputed on every check, failed or not: a batch that passes
    still adds to the month's invoiced value, and so to the cap.
    """
    batch = run.batch
    breaches_open(run=run)
    credits_rebalance(contract=batch.contract, month=credits.credit_month(batch.delivered_at, batch.contract.time_zone))
    if batch.remediates_id is not None:
        remediation_resolve(batch=batch)


def breaches_escalate_overdue(*, now: dt.datetime | None = None) -> int:
    """Escalate every breach still awaiting a fix past its deadline, each exactly once; returns how many moved.

    Each breach is locked and its state read again before the move, so two sweeps running
    at once (two beat schedulers, a retried task) escalate it once between them.
    """
    now = now or clock.now()
    overdue = Breach.objects.filter(AWAITING_FIX, remediation_due__lt=now)
    escalated = 0
    for pk in list(overdue.values_list("pk", flat=True)):
        with transaction.atomic():
            breach = overdue.select_for_update().select_related("batch__contract").filter(pk=pk).first()
            if breach is None:
                continue
            note = (
                f"Not remediated by {timefmt.local_datetime(breach.remediation_due, breach.batch.contract.time_zone)}."
            )
            _move(breach, BreachStatus.ESCALATED, at=now, note=note)
            enqueue_on_commit("sla.tasks.breach_escalated_notify", breach.pk)
            escalated += 1
    return escalated
