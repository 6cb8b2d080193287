"""Read queries of the SLA app, with the vendor scoping applied once, here.

A vendor user sees only their own vendor's contracts and batches, and never gold sets;
an object outside that scope is answered 404 so its existence is not revealed.
"""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from functools import partial
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Max, Min, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from sla.constants import (
    BREACH_DUE_SOON_DAYS,
    CREDIT_MONTHS_SHOWN,
    DASHBOARD_ESCALATED_ROWS,
    TERM_LABELS,
    UNRESOLVED_BREACH_STATUSES,
    BatchStatus,
    BreachStatus,
    UploadStatus,
)
from sla.credits import money, monthly_cap, outcome_owes_credit
from sla.headline import HEADLINE_COLUMNS, headline_measure
from sla.models import (
    AWAITING_FIX,
    Annotation,
    Batch,
    Breach,
    BreachEvent,
    CheckRun,
    Contract,
    ContractTerms,
    Finding,
    GoldSet,
    InspectionState,
    ItemContent,
    Notification,
    NotificationPreference,
    QAReview,
    TaskType,
    Webhook,
    WebhookDelivery,
)
from sla.timefmt import local_datetime
from sla.visibility import finding_for_vendor, metrics_for_vendor
from vendorscore.constants import Role
from vendorscore.models import Vendor
from vendorscore.permissions import role_of


def _scope_to_vendor(queryset: QuerySet, *, user, vendor_path: str) -> QuerySet:
    role = role_of(user)
    if role is None:
        return queryset.none()
    if role == Role.VENDOR:
        return queryset.filter(**{vendor_path: user.vendor_id})
    return queryset


def task_type_list() -> QuerySet[TaskType]:
    return TaskType.objects.all()


def contract_list(*, user) -> QuerySet[Contract]:
    contracts = Contract.objects.select_related("vendor", "owner")
    return _scope_to_vendor(contracts, user=user, vendor_path="vendor_id")


def task_type_safety_labels(*, user, task_type: TaskType) -> list[str]:
    """The labels the user's contracts mark safety-critical for a task type (never pre-labeled)."""
    rows = ContractTerms.objects.filter(contract__in=contract_list(user=user), task_type=task_type)
    return sorted({label for labels in rows.values_list("safety_critical_labels", flat=True) for label in labels or ()})


def remediable_batches(*, user) -> QuerySet[Batch]:
    """Batches a delivery may remediate: the user's batches with a breach still unresolved."""
    unresolved = Breach.objects.filter(status__in=UNRESOLVED_BREACH_STATUSES).values("batch_id")
    return batch_list(user=user).filter(pk__in=unresolved).select_related("task_type")


def contract_get(*, user, pk) -> Contract:
    return get_object_or_404(contract_list(user=user), pk=pk)


def terms_list(*, contract: Contract) -> QuerySet[ContractTerms]:
    return contract.terms.select_related("task_type")


def inspection_states(*, contract: Contract) -> QuerySet[InspectionState]:
    """Where each task type of the contract stands in ISO 2859-1's switching rules."""
    return contract.inspection_states.select_related("task_type").order_by("task_type__name")


def batch_list(*, user) -> QuerySet[Batch]:
    batches = Batch.objects.select_related("contract__vendor", "task_type", "uploaded_by").defer("metrics")
    return _scope_to_vendor(batches, user=user, vendor_path="contract__vendor_id")


def batch_get(*, user, pk) -> Batch:
    batches = Batch.objects.select_related("contract__vendor", "task_type", "terms_version", "remediates")
    return get_object_or_404(_scope_to_vendor(batches, user=user, vendor_path="contract__vendor_id"), pk=pk)


def batch_findings(*, batch: Batch):
    """The findings of the batch's current check run (empty until it has been checked)."""
    return Finding.objects.filter(check_run__batch=batch, check_run__is_current=True).order_by("id")


def sees_vendor_copy(user) -> bool:
    """Vendor users (and anyone without a role) read the vendor's copy of gold-derived figures."""
    return role_of(user) in (None, Role.VENDOR)


def vendor_gold_rule() -> str:
    """The vendor rule in a sentence, for the pages and reports that apply it."""
    return (
        f"Figures against the buyer's gold labels are shown only where they rest on at least "
        f"{settings.VENDOR_MIN_GOLD_ITEMS} gold items; the others are withheld."
    )


def batch_metrics_visible(*, batch: Batch, vendor_copy: bool) -> dict | None:
    """The batch's metrics document as its reader may see it: whole for buyers, the vendor rule otherwise.

    The one door to ``sla.visibility`` for pages, API and reports, so no caller can forget it.
    """
    if not vendor_copy:
        return batch.metrics
    return metrics_for_vendor(batch.metrics, min_gold_items=settings.VENDOR_MIN_GOLD_ITEMS)


def batch_findings_visible(*, batch: Batch, vendor_copy: bool) -> list[Finding]:
    """The batch's current findings; in the vendor copy a gold figure resting on too few gold items is
    blanked (measured, interval, n and the detail that repeats them), its verdict kept."""
    findings = list(batch_findings(batch=batch))
    if vendor_copy:
        for finding in findings:
            _finding_blank_if_withheld(finding, batch.metrics)
    return findings


def findings_visible(findings: Iterable[Finding], *, user=None, vendor_copy: bool | None = None) -> Iterable[Finding]:
    """Findings of many batches (lists, exports, reports) as ``user`` may read them, or as the copy
    ``vendor_copy`` asks for: as stored for buyers; in the vendor copy each gold figure under the vendor
    rule, against its own batch's metrics (a list)."""
    if not (sees_vendor_copy(user) if vendor_copy is None else vendor_copy):
        return findings
    visible = list(findings)
    for finding in visible:
        _finding_blank_if_withheld(finding, finding.check_run.batch.metrics)
    return visible


def breach_finding_visible(*, breach: Breach, vendor_copy: bool) -> Finding | None:
    """The finding a breach rests on, under the same rule as the batch's findings."""
    finding = breach.finding
    if finding is not None and vendor_copy:
        _finding_blank_if_withheld(finding, breach.batch.metrics)
    return finding


def _finding_blank_if_withheld(finding: Finding, metrics: dict | None) -> None:
    view = finding_for_vendor(
        term=finding.term, extra=finding.extra, metrics=metrics, min_gold_items=settings.VENDOR_MIN_GOLD_ITEMS
    )
    if view.withheld:
        finding.measured = finding.ci_low = finding.ci_high = finding.n = finding.more_items_needed = None
        finding.detail = f"Measured value {view.reason}."
        finding.withheld = view.reason  # for lists that show the figure alone, not the detail
        finding.extra = {k: v for k, v in (finding.extra or {}).items() if k != "p_value"}


def batches_term_findings(*, batches: Iterable[Batch], term: str) -> QuerySet[Finding]:
    """The current findings on one term of batches the caller has already scoped to its reader.

    Each batch's metrics document is read only if the vendor rule needs it for a finding.
    """
    return (
        Finding.objects.filter(check_run__batch__in=batches, check_run__is_current=True, term=term)
        .select_related("check_run__batch")
        .defer("check_run__batch__metrics")
    )


def finding_list(*, user) -> QuerySet[Finding]:
    """The findings of every visible batch's current check, newest delivery first."""
    findings = Finding.objects.filter(check_run__is_current=True).select_related(
        "check_run__batch__contract__vendor", "check_run__batch__task_type"
    )
    scoped = _scope_to_vendor(findings, user=user, vendor_path="check_run__batch__contract__vendor_id")
    return scoped.order_by("-check_run__batch__delivered_at", "check_run__batch_id", "id")


def batch_check_history(*, batch: Batch):
    return batch.check_runs.select_related("terms", "ran_by").prefetch_related("findings")


def gold_set_list(*, user) -> QuerySet[GoldSet]:
    """Gold sets for buyer roles; vendor users get none, whatever they ask."""
    if role_of(user) in (None, Role.VENDOR):
        return GoldSet.objects.none()
    return GoldSet.objects.select_related("task_type", "uploaded_by")


def gold_set_current(*, task_type: TaskType) -> GoldSet | None:
    """The newest valid gold set of a task type: the one new batches are measured against."""
    return task_type.gold_sets.filter(status=UploadStatus.STORED).order_by("-version").first()


def contract_compliance(*, contract: Contract, user, vendor_copy: bool | None = None) -> list[dict]:
    """Per task type of the contract: its current terms and the checked batches' accuracy and IAA over time.

    Figures follow the vendor rule for vendor users, or when ``vendor_copy`` asks for it: that
    rule reads the documents' gold counts, through its one door. Buyers see whole figures,
    read from the batches' headline columns without decoding any document.
    """
    vendor_copy = sees_vendor_copy(user) if vendor_copy is None else vendor_copy
    batches = batch_list(user=user).filter(contract=contract, status="evaluated").order_by("delivered_at")
    if vendor_copy:
        batches = batches.defer(None)
    sections = []
    for task_type in TaskType.objects.filter(terms__contract=contract).distinct():
        terms = contract.terms.filter(task_type=task_type).order_by("-effective_from").first()
        rows = [b for b in batches if b.task_type_id == task_type.pk]
        measures = [
            partial(headline_measure, batch_metrics_visible(batch=b, vendor_copy=True)) if vendor_copy else b.headline
            for b in rows
        ]
        sections.append(
            {
                "task_type": task_type,
                "terms": terms,
                "batches": rows,
                "accuracy": [_trend_point(b, measure("accuracy")) for b, measure in zip(rows, measures, strict=True)],
                "iaa": [
                    _trend_point(b, measure(terms.iaa_coefficient)) for b, measure in zip(rows, measures, strict=True)
                ],
            }
        )
    return sections


def _trend_point(batch: Batch, measure: dict | None) -> dict:
    measure = measure or {}
    low, high = measure.get("ci95") or (None, None)
    return {
        "batch": f"#{batch.pk} {batch.reference}",
        "delivered": batch.delivered_at,
        "value": measure.get("value"),
        "low": low,
        "high": high,
        "verdict": batch.verdict,
    }


def breach_list(*, user) -> QuerySet[Breach]:
    # The batch's metrics document is not read by any list of breaches: not decoded per row.
    breaches = Breach.objects.select_related("batch__contract__vendor", "batch__task_type").defer("batch__metrics")
    return _scope_to_vendor(breaches, user=user, vendor_path="batch__contract__vendor_id")


def breach_get(*, user, pk) -> Breach:
    return get_object_or_404(breach_list(user=user).prefetch_related("events__actor"), pk=pk)


def batch_breaches(*, batch: Batch) -> QuerySet[Breach]:
    """The breaches a batch's failed terms opened, for its page (the batch was already scoped to the user)."""
    return Breach.objects.filter(batch=batch).select_related("batch__contract", "remediation_batch").order_by("id")


BREACH_RECORD_FIELDS = (
    "id",
    "batch_id",
    "term",
    "status",
    "opened_at",
    "remediation_due",
    "closed_at",
    "service_credit",
    "credit_month",
)


def breach_records(*, vendor=None, batch: Batch | None = None, batch_ids: Iterable[int] | None = None) -> list[dict]:
    """A vendor's (or one batch's) breaches as plain rows, oldest first, for reports; ``batch_ids`` narrows them.

    The vendor or batch was already scoped to the reader. Each row adds the term's label,
    the contract's currency and time zone, and the days a remediated breach took to remediate
    (a waived or withdrawn one was never fixed, so it has none).
    """
    breaches = Breach.objects.filter(batch=batch) if batch else Breach.objects.filter(batch__contract__vendor=vendor)
    if batch_ids is not None:
        breaches = breaches.filter(batch_id__in=batch_ids)
    rows = list(
        breaches.order_by("opened_at", "pk").values(
            *BREACH_RECORD_FIELDS, currency=F("batch__contract__currency"), time_zone=F("batch__contract__time_zone")
        )
    )
    for row in rows:
        row["term_label"] = TERM_LABELS.get(row["term"], row["term"])
        closed = row["closed_at"] if row["status"] == BreachStatus.REMEDIATED else None
        row["remediation_days"] = round((closed - row["opened_at"]).total_seconds() / 86400, 1) if closed else None
    return rows


def redelivered_items(*, batch: Batch) -> QuerySet:
    """The batch's redelivered items, each with the first earlier batch that delivered it, sorted by item id.

    One grouped query over the earlier batches' rows: ``[{"item_id", "first_batch"}]``.
    """
    from sla.services.lineage import earlier_batch_ids, redelivered_rows

    return (
        Annotation.objects.filter(
            batch_id__in=earlier_batch_ids(batch=batch),
            item_id__in=redelivered_rows(batch=batch).values("item_id"),
        )
        .values("item_id")
        .annotate(first_batch=Min("batch_id"))
        .order_by("item_id")
    )


LINEAGE_ARM_BATCHES = 32  # candidate batches per arm of the item's lookup
LINEAGE_MAX_ARMS = 400  # SQLite refuses a compound SELECT of more than 500


def _batches_holding(candidates: list[int], item_id: str):
    """The ids of the ``candidates`` batches that hold ``item_id``: one query, a ``UNION ALL`` of groups of ids.

    The ids as lists, not a subquery: PostgreSQL then reads only these batches' partitions of
    the rows (by their item index), where a subquery made it plan every batch's partition. In
    groups, not one list: the planner weighs each partition against the whole list, which at
    442 batches took 205 ms of planning against 40 ms in groups of 32 (issue 20).
    """
    size = max(LINEAGE_ARM_BATCHES, -(-len(candidates) // LINEAGE_MAX_ARMS))
    arms = [
        Annotation.objects.filter(batch_id__in=candidates[start : start + size], item_id=item_id).values_list(
            "batch_id", flat=True
        )
        for start in range(0, len(candidates), size)
    ]
    if not arms:
        return []
    return arms[0].union(*arms[1:], all=True)


def item_lineage(*, batch: Batch, item_id: str) -> list[dict]:
    """One item's history under the batch's contract and task type: first delivered, redelivered, remediated by."""
    same_work = Batch.objects.filter(
        contract_id=batch.contract_id, task_type_id=batch.task_type_id, status=BatchStatus.EVALUATED
    )
    holding = set(_batches_holding(list(same_work.values_list("pk", flat=True)), item_id))
    batches = same_work.filter(pk__in=holding).select_related("remediates").order_by("delivered_at", "pk")
    history, seen = [], set()
    for delivered in batches:
        if not seen:
            role = "first delivered"
        elif delivered.remediates_id in seen:
            role = f"remediated (corrects batch #{delivered.remediates_id})"
        else:
            role = "redelivered"
        seen.add(delivered.pk)
        history.append({"batch": delivered, "role": role})
    return history


def breach_overview(*, user, now: dt.datetime | None = None) -> dict:
    """The dashboard's breach section: escalated first, then overdue, due soon, age by vendor, credits owed.

    Credits belong to the month the failed batch was delivered in (its invoice), so the
    current month and the two before it are listed: a breach opened today usually prices
    a delivery of an earlier month.
    """
    now = now or timezone.now()
    breaches = breach_list(user=user)
    unresolved = breaches.filter(status__in=UNRESOLVED_BREACH_STATUSES).order_by("remediation_due", "opened_at")
    waiting = unresolved.filter(AWAITING_FIX)
    escalated = unresolved.filter(status=BreachStatus.ESCALATED)
    month = timezone.localdate(now).replace(day=1)
    by_vendor = (
        unresolved.values("batch__contract__vendor__id", "batch__contract__vendor__name")
        .annotate(count=Count("id"), oldest=Min("opened_at"))
        .order_by("oldest")
    )
    return {
        "escalated": list(escalated[:DASHBOARD_ESCALATED_ROWS]),
        "escalated_count": escalated.count(),
        "overdue": list(waiting.filter(remediation_due__lt=now)),
        "due_soon": list(
            waiting.filter(remediation_due__gte=now, remediation_due__lt=now + dt.timedelta(days=BREACH_DUE_SOON_DAYS))
        ),
        "submitted": list(
            unresolved.filter(status=BreachStatus.REMEDIATION_SUBMITTED, remediation_batch__isnull=False)
        ),
        "by_vendor": [
            {
                "vendor_id": row["batch__contract__vendor__id"],
                "vendor": row["batch__contract__vendor__name"],
                "count": row["count"],
                "oldest_days": (now - row["oldest"]).days,
            }
            for row in by_vendor
        ],
        "credits_month": month,
        "credits": [
            {**row, "total": money(row["total"])}
            for row in breaches.filter(
                credit_month__gte=_months_before(month, CREDIT_MONTHS_SHOWN - 1), service_credit__gt=0
            )
            .values("credit_month", "batch__contract__currency")
            .annotate(total=Sum("service_credit"))
            .order_by("-credit_month", "batch__contract__currency")
        ],
        "unresolved_count": unresolved.count(),
    }


def _months_before(month: dt.date, count: int) -> dt.date:
    for _ in range(count):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month


def qa_sample_items(*, batch: Batch) -> list[dict]:
    """The sampled items in draw order, with every annotator's label and the latest verdict on each."""
    sample = getattr(batch, "qa_sample", None)
    if sample is None:
        return []
    labels: dict[str, list] = {}
    rows = Annotation.objects.filter(batch=batch, item_id__in=sample.items).order_by("row")
    for item_id, annotator, label, queue, prelabel in rows.values_list(
        "item_id", "annotator_id", "label", "queue", "prelabel"
    ):
        labels.setdefault(item_id, []).append(
            {"annotator": annotator, "label": label, "queue": queue, "prelabel": prelabel}
        )
    verdicts = {
        review.item_id: review
        for review in QAReview.objects.filter(
            review_set__batch=batch, review_set__status=UploadStatus.STORED, item_id__in=sample.items
        ).order_by("id")
    }
    texts = dict(ItemContent.objects.filter(batch=batch, item_id__in=sample.items).values_list("item_id", "text"))
    return [
        {
            "index": index,
            "item_id": item,
            "text": texts.get(item, ""),
            "labels": labels.get(item, []),
            "review": verdicts.get(item),
        }
        for index, item in enumerate(sample.items)
    ]


def notification_list(*, status: str = "") -> QuerySet:
    """The e-mail ledger for leads, unsent first so a stuck delivery is seen; ``status`` narrows it."""
    rows = Notification.objects.all()
    if status in Notification.Status.values:
        rows = rows.filter(status=status)
    return rows.order_by(F("sent_at").asc(nulls_first=True), "-created_at", "-id")


def notification_preferences_of(*, user):
    """The user's choices, or unsaved defaults (everything on) for a user who never chose."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)


def webhook_list() -> QuerySet[Webhook]:
    """Webhooks are the leads' (the views admit leads only), so there is no vendor scope to apply."""
    return Webhook.objects.select_related("created_by").order_by("id")


def webhook_get(*, pk) -> Webhook:
    return get_object_or_404(webhook_list(), pk=pk)


def webhook_deliveries(*, webhook: Webhook) -> QuerySet[WebhookDelivery]:
    """A webhook's deliveries, undelivered first so a failing receiver is seen, then newest first."""
    return webhook.deliveries.order_by(F("sent_at").asc(nulls_first=True), "-created_at", "-id")


def webhook_delivery_get(*, webhook: Webhook, pk) -> WebhookDelivery:
    return get_object_or_404(webhook.deliveries.all(), pk=pk)


def credit_months(*, user) -> list[dt.date]:
    """The months (first days) in which the user's visible breaches carry a credit, newest first."""
    months = breach_list(user=user).filter(credit_full__gt=0).order_by("-credit_month").values_list("credit_month")
    return list(dict.fromkeys(month for (month,) in months))


def credit_statement(*, user, month: dt.date, vendor=None) -> dict:
    """The month's service credit statement: per vendor and contract, each breach with a credit and what it owes.

    Amounts are the stored ones the dashboard adds up (``Breach.service_credit``, kept by
    ``credits_rebalance`` with ``sla.credits``); the statement only explains them. Per
    contract: the month's invoiced value and the cap it allows, then each breach in the
    order the cap allocates (opening order) with its full credit, what its outcome removed
    (waived, or remediated without repricing) and what the cap removed.
    """
    from sla.services import month_invoiced_values

    breaches = breach_list(user=user).filter(credit_month=month, credit_full__gt=0).order_by("opened_at", "id")
    if vendor is not None:
        breaches = breaches.filter(batch__contract__vendor=vendor)
    breaches = list(breaches)
    in_statement = {breach.batch.contract.pk: breach.batch.contract for breach in breaches}
    invoiced_values = month_invoiced_values(contracts=list(in_statement.values()), month=month)
    contracts: dict[int, dict] = {}
    for breach in breaches:
        contract = breach.batch.contract
        section = contracts.get(contract.pk)
        if section is None:
            invoiced = invoiced_values[contract.pk]
            section = contracts[contract.pk] = {
                "contract": contract,
                "invoiced_value": invoiced,
                "cap_percent": contract.service_credit_cap_percent,
                "cap": monthly_cap(invoiced, contract.service_credit_cap_percent),
                "rows": [],
            }
        owes = outcome_owes_credit(status=breach.status, reprice_remediated=contract.reprice_remediated)
        section["rows"].append(
            {
                "breach": breach,
                "opened": local_datetime(breach.opened_at, contract.time_zone),
                "credit_full": breach.credit_full,
                "removed_by_outcome": money(0) if owes else breach.credit_full,
                "removed_by_cap": breach.credit_full - breach.service_credit if owes else money(0),
                "owed": breach.service_credit,
            }
        )
    vendors: dict[int, dict] = {}
    for section in contracts.values():
        for key in ("credit_full", "removed_by_outcome", "removed_by_cap", "owed"):
            section[key] = sum((row[key] for row in section["rows"]), money(0))
        contract = section["contract"]
        vendors.setdefault(contract.vendor_id, {"vendor": contract.vendor, "contracts": []})["contracts"].append(
            section
        )
    for entry in vendors.values():
        entry["totals"] = _totals_by_currency(entry["contracts"])
    return {
        "month": month,
        "vendors": sorted(vendors.values(), key=lambda entry: entry["vendor"].name),
        "totals": _totals_by_currency(list(contracts.values())),
    }


def _totals_by_currency(sections: list[dict]) -> list[dict]:
    owed: dict[str, Decimal] = {}
    for section in sections:
        currency = section["contract"].currency
        owed[currency] = owed.get(currency, money(0)) + section["owed"]
    return [{"currency": currency, "owed": total} for currency, total in sorted(owed.items())]


def vendor_records_version(*, vendor: Vendor, batches: QuerySet[Batch], whole_history: bool) -> dict:
    """A summary of a vendor's SLA records that changes whenever anything a report shows of them can.

    What a cached report's key hashes instead of the records (issue 20: building them meant
    decoding every batch's metrics document on every download). The small tables go in whole
    (the vendor, its contracts and terms); the big ones as aggregates over every column a report
    reads, in a handful of queries whatever the number of batches: a new batch, check run,
    finding, breach or breach event raises a count and a maximum id (a re-evaluation or a
    recheck adds a check run; every transition of a breach adds an event), and an edited value
    moves a sum, a minimum or a maximum of its group. A batch's reference and delivery time
    are written once, at intake. ``batches`` is the reader's scope (and period); breaches of
    the whole history when ``whole_history``.
    """
    breaches = Breach.objects.filter(batch__contract__vendor=vendor)
    if not whole_history:
        breaches = breaches.filter(batch__in=batches.values("pk"))
    columns = ("rows", "items", "annotators", "redelivered_items", "invoiced_items", "remediation_coverage")
    group = ("status", "verdict", "task_type_id", "terms_version_id", "contract_id")
    return {
        "vendor": list(Vendor.objects.filter(pk=vendor.pk).values()),
        "contracts": list(Contract.objects.filter(vendor=vendor).order_by("pk").values()),
        "terms": list(ContractTerms.objects.filter(contract__vendor=vendor).order_by("pk").values()),
        "batches": list(
            batches.order_by(*group)
            .values(*group)
            .annotate(
                count=Count("pk"),
                last=Max("pk"),
                first_delivered=Min("delivered_at"),
                last_delivered=Max("delivered_at"),
                **{f"sum_{c}": Sum(c) for c in (*columns, *HEADLINE_COLUMNS)},
            )
        ),
        "check_runs": CheckRun.objects.filter(batch__in=batches.values("pk")).aggregate(
            count=Count("pk"), last=Max("pk"), current=Count("pk", filter=Q(is_current=True))
        ),
        "findings": Finding.objects.filter(check_run__batch__in=batches.values("pk")).aggregate(
            count=Count("pk"), last=Max("pk"), measured=Sum("measured"), threshold=Sum("threshold")
        ),
        "breaches": list(
            breaches.order_by("status", "term")
            .values("status", "term")
            .annotate(
                count=Count("pk"),
                last=Max("pk"),
                credits=Sum("service_credit"),
                due=Max("remediation_due"),
                closed=Max("closed_at"),
                opened=Max("opened_at"),
            )
        ),
        "breach_events": BreachEvent.objects.filter(breach__in=breaches.values("pk")).aggregate(
            count=Count("pk"), last=Max("pk")
        ),
    }


def vendor_batches_delivered(*, vendor: Vendor, user, start: dt.date | None, end: dt.date | None) -> QuerySet[Batch]:
    """The vendor's batches the user may see, delivered in the period (both days included, in each contract's zone)."""
    batches = batch_list(user=user).filter(contract__vendor=vendor)
    if start is not None:
        batches = delivered_on_or_after(batches, batch_path="", day=start, after=True)
    if end is not None:
        batches = delivered_on_or_after(batches, batch_path="", day=end, after=False)
    return batches


def delivered_on_or_after(queryset, *, batch_path: str, day: dt.date, after: bool):
    """Batches delivered from the start of ``day`` (``after``) or up to its end, in each contract's zone."""
    zones = Contract.objects.order_by().values_list("time_zone", flat=True).distinct()
    bound = day if after else day + dt.timedelta(days=1)
    lookup = "gte" if after else "lt"
    condition = Q(pk__in=[])
    for zone in zones:
        start = dt.datetime.combine(bound, dt.time(), tzinfo=ZoneInfo(zone))
        condition |= Q(**{f"{batch_path}contract__time_zone": zone, f"{batch_path}delivered_at__{lookup}": start})
    return queryset.filter(condition)
