"""The KPIs' values for a vendor and period, counted from the stored verdicts, findings, breaches and credits.

A batch belongs to the period its delivery falls in, in its contract's time zone (the
rule the monthly credit cap uses), and counts once it is evaluated. Each measure keeps
``n`` (what it was counted over) and the batches it came from, so a lead can check a
number by hand from the batch pages.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import F, Q, QuerySet, Sum

from performance.constants import KPI
from performance.kpis import Period
from sla.constants import BatchStatus, BatchVerdict, BreachStatus
from sla.models import Batch, Breach, Contract, Finding
from sla.services.breaches import month_invoiced_value

PER_ITEMS = 10_000
# Breaches that never held: a waiver keeps the failure on record, a withdrawal (after a dispute) does not.
NOT_BREACHES = ("withdrawn",)
# A waived breach owes no fix, so it is not counted for or against remediation on time.
NO_FIX_OWED = (BreachStatus.WAIVED, "withdrawn")


@dataclass
class Measure:
    value: float | None
    n: int
    batches: list[int] = field(default_factory=list)


def _bounds(contract: Contract, period: Period) -> tuple[dt.datetime, dt.datetime]:
    zone = ZoneInfo(contract.time_zone)
    return (
        dt.datetime.combine(period.start, dt.time(), tzinfo=zone),
        dt.datetime.combine(period.end, dt.time(), tzinfo=zone),
    )


def _in_period(contracts: list[Contract], period: Period, path: str) -> Q:
    """Rows whose ``path`` moment falls in the period in their own contract's time zone."""
    contract_path = "contract" if path == "delivered_at" else "batch__contract"
    condition = Q(pk__in=[])
    for contract in contracts:
        start, end = _bounds(contract, period)
        condition |= Q(**{contract_path: contract, f"{path}__gte": start, f"{path}__lt": end})
    return condition


def period_batches(*, vendor, period: Period) -> QuerySet[Batch]:
    """The vendor's evaluated batches delivered in the period."""
    contracts = list(Contract.objects.filter(vendor=vendor))
    return Batch.objects.filter(_in_period(contracts, period, "delivered_at"), status=BatchStatus.EVALUATED)


def first_deliveries(batches: QuerySet[Batch]) -> QuerySet[Batch]:
    """Batches delivered for the first time: not a remediation, and not mostly a redelivery.

    The one place that says what a first delivery is. A batch most of whose items were
    already delivered under the contract (``Batch.redelivered_items``, item lineage) is a
    redelivery, not first-pass work; a few re-sent items (an escalated item resolved later)
    do not make it one.
    """
    return (
        batches.filter(remediates__isnull=True)
        .alias(twice_redelivered=F("redelivered_items") * 2)
        .filter(twice_redelivered__lte=F("items"))
    )


def _ids(queryset) -> list[int]:
    return sorted(set(queryset.values_list("pk", flat=True)))


def _margin(findings: QuerySet[Finding], target) -> Measure:
    """Weighted mean of (measured - target) over the findings, each weighing its n (at least 1)."""
    total, weight, batches = 0.0, 0, set()
    for finding in findings.select_related("check_run"):
        goal = target(finding)
        if goal is None:
            continue
        share = max(finding.n, 1)
        total += (finding.measured - goal) * share
        weight += share
        batches.add(finding.check_run.batch_id)
    return Measure(total / weight if weight else None, weight, sorted(batches))


def _current_findings(batches: QuerySet[Batch], term: str) -> QuerySet[Finding]:
    return Finding.objects.filter(
        check_run__batch__in=batches, check_run__is_current=True, term=term, measured__isnull=False
    ).order_by("id")


def _share(hits: int, n: int) -> float | None:
    return hits / n if n else None


def measure_all(*, vendor, period: Period) -> tuple[dict[str, Measure], int]:
    """Every KPI's measure for the vendor and period, and how many batches were evaluated in it."""
    contracts = list(Contract.objects.filter(vendor=vendor))
    batches = period_batches(vendor=vendor, period=period)
    items = batches.aggregate(total=Sum("items"))["total"] or 0
    batch_ids = _ids(batches)
    measures = {
        KPI.ACCURACY: _margin(_current_findings(batches, "accuracy"), lambda f: f.threshold),
        KPI.IAA: _margin(_current_findings(batches, "iaa"), lambda f: (f.extra or {}).get("target", f.threshold)),
        KPI.FIRST_PASS: _first_pass(batches),
        KPI.BREACHES: _breach_rate(batches, items, batch_ids),
        KPI.REMEDIATION: _remediation_on_time(contracts, period),
        KPI.ESCALATIONS: _escalations(contracts, period, batch_ids),
        KPI.CREDITS: _credit_share(contracts, period, batches),
        KPI.TIMELINESS: _timeliness(batches),
    }
    return measures, len(batch_ids)


def _first_pass(batches: QuerySet[Batch]) -> Measure:
    evaluated = first_deliveries(batches).exclude(verdict="")
    accepted = evaluated.filter(verdict=BatchVerdict.ACCEPTED).count()
    n = evaluated.count()
    return Measure(_share(accepted, n), n, _ids(evaluated))


def _breach_rate(batches: QuerySet[Batch], items: int, batch_ids: list[int]) -> Measure:
    count = Breach.objects.filter(batch__in=batches).exclude(status__in=NOT_BREACHES).count()
    return Measure(count * PER_ITEMS / items if items else None, items, batch_ids)


def _remediation_on_time(contracts: list[Contract], period: Period) -> Measure:
    due = (
        Breach.objects.filter(_in_period(contracts, period, "remediation_due"))
        .exclude(status__in=NO_FIX_OWED)
        .select_related("remediation_batch")
    )
    on_time = sum(
        1
        for breach in due
        if breach.status == BreachStatus.REMEDIATED
        and breach.remediation_batch is not None
        and breach.remediation_batch.delivered_at <= breach.remediation_due
    )
    rows = list(due)
    return Measure(_share(on_time, len(rows)), len(rows), sorted({b.batch_id for b in rows}))


def _escalations(contracts: list[Contract], period: Period, batch_ids: list[int]) -> Measure:
    """Breaches escalated during the period; counted over the period's deliveries (n), so none is a result."""
    escalated = Breach.objects.filter(_in_period(contracts, period, "escalated_at"))
    count = escalated.count()
    if not batch_ids and not count:
        return Measure(None, 0, [])
    return Measure(float(count), len(batch_ids), sorted(set(batch_ids) | set(_ids_of(escalated))))


def _ids_of(breaches) -> list[int]:
    return list(breaches.values_list("batch_id", flat=True))


def _credit_share(contracts: list[Contract], period: Period, batches: QuerySet[Batch]) -> Measure:
    """Credits owed / invoiced value over the period's months, per currency; several currencies by invoiced items.

    The invoiced value is ``month_invoiced_value``'s, the rule the monthly credit cap uses.
    """
    credits, invoiced, items = defaultdict(Decimal), defaultdict(Decimal), defaultdict(int)
    for contract in contracts:
        for month in period.months():
            value = month_invoiced_value(contract=contract, month=month)
            if not value:
                continue
            owed = Breach.objects.filter(batch__contract=contract, credit_month=month).aggregate(
                total=Sum("service_credit")
            )["total"]
            invoiced[contract.currency] += value
            credits[contract.currency] += owed or Decimal(0)
    invoiced_batches = list(first_deliveries(batches).select_related("contract").only("pk", "items", "contract"))
    for batch in invoiced_batches:
        items[batch.contract.currency] += batch.items
    currencies = [c for c in invoiced if invoiced[c] > 0]
    if not currencies:
        return Measure(None, 0, [])
    shares = {c: float(credits[c] / invoiced[c]) for c in currencies}
    if len(currencies) == 1:
        value = shares[currencies[0]]
    else:
        total_items = sum(items[c] for c in currencies) or 1
        value = sum(shares[c] * items[c] for c in currencies) / total_items
    return Measure(value, len(invoiced_batches), sorted(b.pk for b in invoiced_batches))


def _timeliness(batches: QuerySet[Batch]) -> Measure:
    due = batches.filter(due_at__isnull=False)
    rows = list(due.values_list("pk", "delivered_at", "due_at"))
    on_time = sum(1 for _, delivered, due_at in rows if delivered <= due_at)
    return Measure(_share(on_time, len(rows)), len(rows), sorted(pk for pk, _, _ in rows))
