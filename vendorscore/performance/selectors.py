"""Read queries of performance scorecards, with the access rule applied once.

Buyers (leads, analysts, viewers) read every vendor's scorecards, computed or published.
A vendor user reads only their own vendor's published scorecards: anything else is
answered 404, so an unpublished scorecard's existence is not revealed either.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from vendorscore.constants import Role
from vendorscore.models import Vendor
from vendorscore.performance import kpis
from vendorscore.performance.constants import KPI, KPI_HELP
from vendorscore.performance.models import PerformanceTemplate, PeriodScorecard, StandingOverride
from vendorscore.permissions import BUYER_ROLES, has_role, role_of
from vendorscore.scorecards import scoring


def scorecard_list(*, user) -> QuerySet[PeriodScorecard]:
    scorecards = PeriodScorecard.objects.select_related("vendor", "published_by")
    role = role_of(user)
    if role is None:
        return scorecards.none()
    if role == Role.VENDOR:
        return scorecards.filter(vendor_id=user.vendor_id, published_at__isnull=False)
    return scorecards


def scorecard_get(*, user, pk) -> PeriodScorecard:
    return get_object_or_404(scorecard_list(user=user).prefetch_related("responses__user"), pk=pk)


def vendor_visible(*, user, pk) -> Vendor:
    """A vendor the user may read performance of: any for buyers, their own for vendor users (404 otherwise)."""
    vendors = Vendor.objects.all()
    if role_of(user) == Role.VENDOR:
        vendors = vendors.filter(pk=user.vendor_id)
    elif not has_role(user, BUYER_ROLES):
        vendors = vendors.none()
    return get_object_or_404(vendors, pk=pk)


def template_list() -> QuerySet[PerformanceTemplate]:
    return PerformanceTemplate.objects.prefetch_related("kpis")


def template_get(*, pk) -> PerformanceTemplate:
    return get_object_or_404(template_list(), pk=pk)


def overrides_of(*, vendor: Vendor) -> QuerySet[StandingOverride]:
    return StandingOverride.objects.filter(vendor=vendor).select_related("user", "scorecard")


# Presentation of a KPI value ---------------------------------------------------------------


def kpi_display(key: str, value) -> str:
    """A KPI value as people read it: shares in percent, margins signed, rates and counts plain."""
    if value is None:
        return "no data"
    unit = KPI_HELP[KPI(key)][1]
    if unit == "share":
        return f"{value * 100:.1f}%"
    if unit == "margin":
        return f"{value:+.4f}"
    if unit == "count":
        return f"{value:.0f}"
    return f"{value:.2f}"


@dataclass
class KPIRow:
    key: str
    name: str
    value: float | None
    shown: str
    threshold: str
    n: int
    batches: list[int]
    score: int | None
    weight: str
    thresholds: list[str]
    help: str


def kpi_rows(scorecard: PeriodScorecard) -> list[KPIRow]:
    rows = []
    for row in scorecard.kpis:
        sign = "≥" if row["direction"] == kpis.HIGHER else "≤"
        rows.append(
            KPIRow(
                key=row["key"],
                name=row["name"],
                value=row["value"],
                shown=kpi_display(row["key"], row["value"]),
                threshold="—" if row["threshold"] is None else f"{sign} {kpi_display(row['key'], row['threshold'])}",
                n=row["n"],
                batches=row["batches"],
                score=row["score"],
                weight=row["weight"],
                thresholds=[
                    f"{t['score']}: {sign} {kpi_display(row['key'], t['at'])}"
                    for t in sorted(row["thresholds"], key=lambda t: t["score"])
                ],
                help=KPI_HELP[KPI(row["key"])][0],
            )
        )
    return rows


# Pages: history, comparison, evidence, banner ----------------------------------------------


def vendor_history(*, user, vendor: Vendor, months: int = 12) -> list[PeriodScorecard]:
    """The vendor's monthly scorecards the user may see, oldest first (the chart's order)."""
    scorecards = scorecard_list(user=user).filter(vendor=vendor).exclude(period__contains="Q")
    return list(reversed(scorecards.order_by("-period_start")[:months]))


def vendor_quarters(*, user, vendor: Vendor) -> list[PeriodScorecard]:
    """The vendor's quarterly scorecards the user may see, newest first."""
    return list(scorecard_list(user=user).filter(vendor=vendor, period__contains="Q").order_by("-period_start"))


def standings(*, user, months: int = 6) -> dict:
    """Every vendor's standing over the last closed months, for the comparison page (buyers only)."""
    if not has_role(user, BUYER_ROLES):
        return {"periods": [], "rows": []}
    latest = kpis.closed_periods(timezone.localdate())[0]
    periods, cursor = [], latest
    for _ in range(months):
        periods.append(cursor)
        cursor = cursor.previous()
    periods.reverse()
    names = [p.name for p in periods]
    by_vendor: dict[int, dict] = {}
    for scorecard in PeriodScorecard.objects.filter(period__in=names).select_related("vendor"):
        entry = by_vendor.setdefault(scorecard.vendor_id, {"vendor": scorecard.vendor, "cells": {}})
        entry["cells"][scorecard.period] = scorecard
    rows = []
    for entry in by_vendor.values():
        cells = [entry["cells"].get(name) for name in names]
        current = next((c for c in reversed(cells) if c is not None), None)
        earlier = [c for c in cells if c is not None and c is not current]
        previous = earlier[-1] if earlier else None
        rows.append(
            {
                "vendor": entry["vendor"],
                "cells": cells,
                "current": current,
                "previous": previous,
                "dropped": bool(
                    current
                    and previous
                    and kpis.standing_dropped(
                        previous.standing_score,
                        current.standing_score,
                        drop_points=(current.template.drop_points if current.template else 5),
                    )
                ),
            }
        )
    rows.sort(key=lambda r: (-(r["current"].standing_score or 0) if r["current"] else 0, r["vendor"].name))
    return {"periods": names, "rows": rows}


def latest_scorecard(*, user, vendor: Vendor) -> PeriodScorecard | None:
    """The newest closed monthly scorecard the user may see."""
    return (
        scorecard_list(user=user)
        .filter(vendor=vendor, period_end__lte=timezone.localdate())
        .exclude(period__contains="Q")
        .select_related("template")
        .order_by("-period_start")
        .first()
    )


def quality_evidence(*, user, vendor: Vendor, months: int = 3) -> list[dict]:
    """The measured KPIs of the vendor's last closed months, shown beside the Quality SLA scores (buyers only)."""
    if not has_role(user, BUYER_ROLES):
        return []
    scorecards = (
        PeriodScorecard.objects.filter(vendor=vendor, period_end__lte=timezone.localdate())
        .exclude(period__contains="Q")
        .order_by("-period_start")[:months]
    )
    return [{"scorecard": s, "rows": kpi_rows(s)} for s in scorecards]


def standing_drops(*, since: dt.date, until: dt.date) -> list[dict]:
    """Vendors whose standing dropped with a month that closed between ``since`` and ``until`` (the digest's week)."""
    drops = []
    months = PeriodScorecard.objects.filter(period_end__gt=since, period_end__lte=until).exclude(period__contains="Q")
    for current in months.select_related("vendor", "template").order_by("vendor__name"):
        template = current.template
        if template is None or not template.digest_drops:
            continue
        previous = PeriodScorecard.objects.filter(
            vendor=current.vendor, period=kpis.parse_period(current.period).previous().name
        ).first()
        if previous and kpis.standing_dropped(
            previous.standing_score, current.standing_score, drop_points=template.drop_points
        ):
            drops.append({"vendor": current.vendor, "previous": previous, "current": current})
    return drops


def band_label(band: str) -> str:
    return scoring.BAND_LABELS.get(band, "")


def gated_vendors() -> dict[int, PeriodScorecard]:
    """Vendors whose standing asks a lead to confirm new contracts or terms, with the scorecard that says so."""
    from vendorscore.performance.services import standing_gate

    vendor_ids = PeriodScorecard.objects.filter(standing=scoring.MATERIAL_RISK).values_list("vendor_id", flat=True)
    gates = {}
    for vendor in Vendor.objects.filter(pk__in=set(vendor_ids)):
        gate = standing_gate(vendor=vendor)
        if gate is not None:
            gates[vendor.pk] = gate
    return gates
