"""Use cases of performance scorecards: templates, computing, publishing, responses, overrides, reports.

The only code that writes the performance tables. A published scorecard is frozen: the
vendor was shown it, so the schedule and on-demand recomputation leave it alone; an
unpublished one is computed again whenever asked, from the data as it is then.
"""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from vendorscore.broker import enqueue_on_commit
from vendorscore.constants import Role
from vendorscore.exceptions import DomainError
from vendorscore.models import Vendor
from vendorscore.performance import kpis
from vendorscore.performance.constants import (
    DEFAULT_KPIS,
    DEFAULT_TEMPLATE_NAME,
    KPI,
    ResponseKind,
    ScorecardStatus,
)
from vendorscore.performance.measures import measure_all
from vendorscore.performance.models import (
    PerformanceKPI,
    PerformanceTemplate,
    PeriodScorecard,
    ScorecardResponse,
    StandingOverride,
    VendorPerformance,
)
from vendorscore.permissions import LEADS, has_role, role_of
from vendorscore.scorecards import scoring

TEMPLATE_SETTINGS = ("standing_periods", "decay", "banner", "warn_new_contracts", "digest_drops", "drop_points")


def _require_lead(user, what: str) -> None:
    if not has_role(user, LEADS):
        raise PermissionDenied(f"Only a procurement lead may {what}.")


# Templates ---------------------------------------------------------------------------------


@transaction.atomic
def default_template_ensure() -> PerformanceTemplate:
    """The shipped default (made by migration; made again here if a test flushed the tables)."""
    template = PerformanceTemplate.objects.filter(is_default=True).first()
    if template is not None:
        return template
    template = PerformanceTemplate.objects.create(
        name=DEFAULT_TEMPLATE_NAME,
        is_default=True,
        description="Measured delivery quality, weighted as the framework weighs quality; copy it to adapt.",
    )
    for position, (key, weight, direction, bounds) in enumerate(DEFAULT_KPIS):
        PerformanceKPI.objects.create(
            template=template,
            position=position,
            key=key,
            weight=weight,
            direction=direction,
            thresholds=[{"at": at, "score": score} for at, score in bounds],
        )
    return template


def thresholds_of(kpi: PerformanceKPI) -> list[kpis.Threshold]:
    return [kpis.Threshold(float(t["at"]), int(t["score"])) for t in kpi.thresholds]


def _validate_kpis(rows: list[dict]) -> None:
    """Weights 0-100 adding up to 100, each KPI once, 2-5 ordered thresholds; errors name the KPI."""
    keys = [row["key"] for row in rows]
    if len(set(keys)) != len(keys):
        raise DomainError("Each KPI may appear once.", field="kpis")
    for row in rows:
        if row["key"] not in KPI.values:
            raise DomainError(f"Unknown KPI {row['key']!r}.", field="kpis")
        try:
            bounds = [kpis.Threshold(float(t["at"]), int(t["score"])) for t in row["thresholds"]]
            kpis.check_thresholds(bounds, row["direction"])
        except (kpis.PerformanceError, KeyError, TypeError, ValueError) as error:
            raise DomainError(f"{KPI(row['key']).label}: {error}", field=row["key"]) from None
    try:
        scoring.check_weights(Decimal(str(row["weight"])) for row in rows)
    except scoring.ScorecardError as error:
        raise DomainError(str(error), field="kpis") from None


@transaction.atomic
def template_copy(*, template: PerformanceTemplate, name: str, user) -> PerformanceTemplate:
    """A lead's own copy of a template, to adapt; the original is left as it is."""
    _require_lead(user, "copy a performance template")
    name = (name or "").strip()
    if not name:
        raise DomainError("Give the copy a name.", field="name")
    if PerformanceTemplate.objects.filter(name__iexact=name).exists():
        raise DomainError("A performance template with this name exists.", field="name")
    copy = PerformanceTemplate.objects.create(
        name=name,
        description=template.description,
        based_on=template,
        created_by=user,
        **{field: getattr(template, field) for field in TEMPLATE_SETTINGS},
    )
    for kpi in template.kpis.all():
        PerformanceKPI.objects.create(
            template=copy,
            position=kpi.position,
            key=kpi.key,
            weight=kpi.weight,
            direction=kpi.direction,
            thresholds=kpi.thresholds,
        )
    return copy


@transaction.atomic
def template_update(*, template: PerformanceTemplate, user, kpis: list[dict], settings: dict) -> PerformanceTemplate:
    """Adapt a copied template: KPI weights, directions and thresholds, the standing's window, the consequences.

    ``kpis`` lists the KPIs the template keeps (``key, weight, direction, thresholds``);
    a KPI left out is dropped. The default template is read-only.
    """
    _require_lead(user, "edit a performance template")
    if template.is_default:
        raise DomainError("The default template is read-only; copy it to adapt it.")
    _validate_kpis(kpis)
    for field in TEMPLATE_SETTINGS:
        if field in settings:
            setattr(template, field, settings[field])
    template.full_clean()
    template.save()
    template.kpis.exclude(key__in=[row["key"] for row in kpis]).delete()
    for position, row in enumerate(kpis):
        PerformanceKPI.objects.update_or_create(
            template=template,
            key=row["key"],
            defaults={
                "position": position,
                "weight": Decimal(str(row["weight"])),
                "direction": row["direction"],
                "thresholds": [{"at": float(t["at"]), "score": int(t["score"])} for t in row["thresholds"]],
            },
        )
    return template


@transaction.atomic
def vendor_template_assign(*, vendor: Vendor, template: PerformanceTemplate, user) -> VendorPerformance:
    """Measure a vendor with a template from the next computation on (published scorecards keep theirs)."""
    _require_lead(user, "assign a performance template")
    assignment, _ = VendorPerformance.objects.update_or_create(vendor=vendor, defaults={"template": template})
    return assignment


def template_for(vendor: Vendor) -> PerformanceTemplate:
    assignment = VendorPerformance.objects.filter(vendor=vendor).select_related("template").first()
    return assignment.template if assignment else default_template_ensure()


# Computing ---------------------------------------------------------------------------------


def _display(value: Fraction | None) -> Decimal | None:
    return scoring.for_display(value)


def _previous_scores(vendor: Vendor, period: kpis.Period, count: int) -> list[Fraction | None]:
    """Stored scores of the ``count`` periods before ``period``, newest first (None where none is stored)."""
    wanted, cursor = [], period
    for _ in range(count):
        cursor = cursor.previous()
        wanted.append(cursor.name)
    stored = dict(
        PeriodScorecard.objects.filter(vendor=vendor, period__in=wanted)
        .exclude(score__isnull=True)
        .values_list("period", "score")
    )
    return [scoring.exact(stored[name]) if name in stored else None for name in wanted]


def scorecard_build(*, vendor: Vendor, period: kpis.Period, now: dt.datetime | None = None) -> PeriodScorecard:
    """The vendor's scorecard for the period, computed from the stored data and not saved."""
    template = template_for(vendor)
    measures, evaluated = measure_all(vendor=vendor, period=period)
    rows, scored = [], []
    for kpi in template.kpis.all():
        measure = measures[kpi.key]
        score, reached = kpis.kpi_score(measure.value, thresholds_of(kpi), kpi.direction)
        scored.append(kpis.ScoredKPI(kpi.key, scoring.exact(kpi.weight), score))
        rows.append(
            {
                "key": kpi.key,
                "name": kpi.get_key_display(),
                "value": measure.value,
                "n": measure.n,
                "batches": measure.batches,
                "threshold": reached,
                "thresholds": kpi.thresholds,
                "direction": kpi.direction,
                "score": score,
                "weight": str(kpi.weight),
            }
        )
    score = kpis.period_score(scored)
    history = [score, *_previous_scores(vendor, period, template.standing_periods - 1)]
    standing = kpis.standing(history, decay=template.decay, periods=template.standing_periods)
    return PeriodScorecard(
        vendor=vendor,
        period=period.name,
        period_start=period.start,
        period_end=period.end,
        template=template,
        template_name=template.name,
        computed_at=now or timezone.now(),
        batches_evaluated=evaluated,
        first_pass_acceptance=measures[KPI.FIRST_PASS].value,
        kpis=rows,
        score=_display(score),
        band=kpis.standing_band(score) or "",
        standing_score=_display(standing),
        standing=kpis.standing_band(standing) or "",
    )


COMPUTED_FIELDS = (
    "period_start",
    "period_end",
    "template",
    "template_name",
    "computed_at",
    "batches_evaluated",
    "first_pass_acceptance",
    "kpis",
    "score",
    "band",
    "standing_score",
    "standing",
)


@transaction.atomic
def scorecard_compute(*, vendor: Vendor, period: kpis.Period, now: dt.datetime | None = None) -> PeriodScorecard:
    """Compute and store the period's scorecard; a published one is left as the vendor saw it."""
    existing = PeriodScorecard.objects.select_for_update().filter(vendor=vendor, period=period.name).first()
    if existing is not None and existing.is_published:
        return existing
    built = scorecard_build(vendor=vendor, period=period, now=now)
    if existing is None:
        built.save()
        return built
    for field in COMPUTED_FIELDS:
        setattr(existing, field, getattr(built, field))
    existing.save()
    return existing


def vendors_measured(period: kpis.Period):
    """Vendors with a contract running at some point of the period."""
    # One filter() call, so both conditions apply to the same contract (an ended one must not hide a running one).
    running = Q(contracts__start_date__lt=period.end) & (
        Q(contracts__end_date__isnull=True) | Q(contracts__end_date__gte=period.start)
    )
    return Vendor.objects.filter(running).distinct().order_by("pk")


def scorecards_close(*, today: dt.date | None = None) -> list[PeriodScorecard]:
    """The schedule's job after a period closes: every measured vendor's scorecard of the closed periods.

    Months first, oldest vendor first; safe to run twice (unpublished ones are recomputed
    to the same numbers, published ones are left alone).
    """
    today = today or timezone.localdate()
    stored = []
    for period in kpis.closed_periods(today):
        stored += scorecards_compute_period(period=period)
    return stored


def scorecards_compute_period(*, period: kpis.Period) -> list[PeriodScorecard]:
    """Every measured vendor's scorecard of the period, except where nothing at all was measured.

    A month with no evaluated batch and no breach falling due says nothing about the vendor,
    so no empty scorecard is stored for it (a lead may still compute one on demand).
    """
    stored = []
    for vendor in vendors_measured(period):
        existing = PeriodScorecard.objects.filter(vendor=vendor, period=period.name).exists()
        if not existing and all(row["value"] is None for row in scorecard_build(vendor=vendor, period=period).kpis):
            continue
        stored.append(scorecard_compute(vendor=vendor, period=period))
    return stored


# Publishing and responses ------------------------------------------------------------------


@transaction.atomic
def scorecard_publish(*, scorecard: PeriodScorecard, user) -> PeriodScorecard:
    """Show a closed period's scorecard to the vendor, who may then acknowledge or appeal it; its report goes out."""
    _require_lead(user, "publish a performance scorecard")
    scorecard = PeriodScorecard.objects.select_for_update().get(pk=scorecard.pk)
    if scorecard.is_published:
        raise DomainError("This scorecard is already published.")
    if scorecard.period_end > timezone.localdate():
        raise DomainError("The period is still open; publish it once it has closed.")
    scorecard.status = ScorecardStatus.PUBLISHED
    scorecard.published_at = timezone.now()
    scorecard.published_by = user
    scorecard.save()
    enqueue_on_commit("vendorscore.performance.tasks.performance_report_vendor", scorecard.pk)
    return scorecard


RESPONSES = {
    # kind: (who may, from which statuses, to which status)
    ResponseKind.ACKNOWLEDGE: (
        Role.VENDOR,
        (ScorecardStatus.PUBLISHED, ScorecardStatus.ANSWERED),
        ScorecardStatus.ACKNOWLEDGED,
    ),
    ResponseKind.APPEAL: (Role.VENDOR, (ScorecardStatus.PUBLISHED, ScorecardStatus.ANSWERED), ScorecardStatus.APPEALED),
    ResponseKind.ANSWER: (Role.PROCUREMENT_LEAD, (ScorecardStatus.APPEALED,), ScorecardStatus.ANSWERED),
}


@transaction.atomic
def scorecard_respond(*, scorecard: PeriodScorecard, user, kind: str, comment: str) -> ScorecardResponse:
    """The vendor acknowledges or appeals a published scorecard; a lead answers an appeal. Each is recorded."""
    if kind not in RESPONSES:
        raise DomainError(f"A response is one of {', '.join(RESPONSES)}.", field="kind")
    role, sources, target = RESPONSES[kind]
    acting = role_of(user)
    if acting != role or (role == Role.VENDOR and user.vendor_id != scorecard.vendor_id):
        raise PermissionDenied("Your role may not give this response.")
    comment = (comment or "").strip()
    if kind != ResponseKind.ACKNOWLEDGE and not comment:
        raise DomainError("Say why in a comment.", field="comment")
    scorecard = PeriodScorecard.objects.select_for_update().get(pk=scorecard.pk)
    if scorecard.status not in sources:
        raise DomainError(
            f"A scorecard that is {scorecard.get_status_display().lower()} "
            f"cannot be {ResponseKind(kind).label.lower()}.",
            field="kind",
        )
    response = ScorecardResponse.objects.create(scorecard=scorecard, kind=kind, user=user, comment=comment)
    scorecard.status = target
    scorecard.save(update_fields=["status"])
    return response


# Consequences ------------------------------------------------------------------------------


def standing_gate(*, vendor: Vendor) -> PeriodScorecard | None:
    """The scorecard that puts the vendor in material risk, when its template asks leads to confirm new business."""
    latest = (
        PeriodScorecard.objects.filter(vendor=vendor, period_end__lte=timezone.localdate())
        .exclude(period__contains="Q")
        .select_related("template")
        .order_by("-period_start")
        .first()
    )
    if latest is None or latest.standing != scoring.MATERIAL_RISK:
        return None
    template = latest.template or template_for(vendor)
    return latest if template.warn_new_contracts else None


def standing_confirm(*, vendor: Vendor, reason: str) -> PeriodScorecard | None:
    """Refuse new business with a vendor in material risk unless a reason is given; returns the gating scorecard."""
    gate = standing_gate(vendor=vendor)
    if gate is not None and not (reason or "").strip():
        raise DomainError(
            f"{vendor.name} stands in material delivery risk ({gate.standing_score} over the months to "
            f"{gate.period}). Say why you go ahead; the reason is recorded.",
            field="standing_override_reason",
        )
    return gate


def standing_override_record(
    *, gate: PeriodScorecard | None, subject: str, object_id: int, user, reason: str
) -> StandingOverride | None:
    """Record who went ahead despite the standing, on what, and why (nothing when nothing gated it)."""
    if gate is None:
        return None
    override = StandingOverride(
        vendor_id=gate.vendor_id, scorecard=gate, subject=subject, object_id=object_id, user=user, reason=reason.strip()
    )
    override.full_clean()
    override.save()
    return override


# Monthly report e-mails --------------------------------------------------------------------

BUYER, VENDOR = "buyer", "vendor"


def report_key(scorecard: PeriodScorecard, audience: str) -> str:
    """Once per vendor, period and audience; the ledger makes it once per recipient."""
    return f"performance:{scorecard.vendor_id}:{scorecard.period}:report:{audience}"


def _recipients(scorecard: PeriodScorecard, audience: str):
    from sla.services.notifications import Recipient, _unique

    vendor = scorecard.vendor
    if audience == BUYER:
        running = vendor.contracts.filter(start_date__lt=scorecard.period_end).exclude(
            end_date__lt=scorecard.period_start
        )
        owners = {c.owner for c in running.select_related("owner") if c.owner and c.owner.is_active and c.owner.email}
        return _unique([Recipient(u.email, u) for u in sorted(owners, key=lambda u: u.pk)])
    users = vendor.users.filter(is_active=True, role=Role.VENDOR).exclude(email="").order_by("pk")
    found = [Recipient(u.email, u) for u in users]
    if vendor.contact_email:
        found.append(Recipient(vendor.contact_email))
    return _unique(found)


def performance_report_send(*, scorecard_id: int, audience: str) -> int:
    """E-mail the period's report PDF: buyer copy to the contract owners, vendor copy (published only) to the vendor.

    The PDF is rendered only for recipients the ledger has not got yet, so a second run
    renders and sends nothing.
    """
    from sla.models import Notification
    from sla.services.notifications import _enqueue, _link
    from vendorscore.performance.report import render_report

    scorecard = PeriodScorecard.objects.select_related("vendor").get(pk=scorecard_id)
    if audience == VENDOR and not scorecard.is_published:
        return 0
    key = report_key(scorecard, audience)
    recipients = _recipients(scorecard, audience)
    have = set(Notification.objects.filter(event_key=key).values_list("recipient", flat=True))
    missing = [r for r in recipients if r.email not in have]
    if not missing:
        return 0
    content = render_report(scorecard=scorecard, audience=audience)
    name = default_storage.save(
        f"notifications/performance/{scorecard.vendor_id}-{scorecard.period}-{audience}.pdf", ContentFile(content)
    )
    vendor = scorecard.vendor
    message = {
        "subject": f"[vendorscore] Performance report {scorecard.period}: {vendor.name}",
        "headline": f"{vendor.name}: performance in {scorecard.period}",
        "facts": [
            ("Vendor", vendor.name),
            ("Period", scorecard.period),
            ("Batches evaluated", scorecard.batches_evaluated),
            ("Period score", scorecard.score if scorecard.score is not None else "no data"),
            ("Standing", f"{scorecard.standing_score} ({scorecard.standing_label})" if scorecard.standing else "—"),
            ("Copy", "buyer" if audience == BUYER else "vendor"),
        ],
        "link": _link(scorecard.get_absolute_url()),
    }
    rows = _enqueue(kind="performance_report", event_key=key, recipients=missing, message=message, attachment=name)
    return len(rows)


def performance_reports_send(*, period: kpis.Period) -> int:
    """The monthly run: buyer copies of every scorecard of the period, vendor copies of the published ones."""
    count = 0
    for scorecard in PeriodScorecard.objects.filter(period=period.name).order_by("pk"):
        count += performance_report_send(scorecard_id=scorecard.pk, audience=BUYER)
        count += performance_report_send(scorecard_id=scorecard.pk, audience=VENDOR)
    return count


def performance_month_close(*, today: dt.date | None = None) -> int:
    """The scheduled job: compute the closed periods' scorecards, then send the closed month's reports."""
    today = today or timezone.localdate()
    scorecards_close(today=today)
    return performance_reports_send(period=kpis.closed_periods(today)[0])


def standing_guarded(*, vendor: Vendor, user, reason: str, subject: str, create):
    """Create a contract or terms (``create()``) for the vendor, asking for and recording a reason in material risk.

    One transaction: a refused confirmation creates nothing, and a created object always
    has its override recorded beside it.
    """
    with transaction.atomic():
        gate = standing_confirm(vendor=vendor, reason=reason)
        created = create()
        standing_override_record(gate=gate, subject=subject, object_id=created.pk, user=user, reason=reason or "")
    return created
