"""Performance scorecard arithmetic, free of Django: periods, KPI scores, the period score, the standing.

A KPI's value is scored 1-5 by its thresholds: between 2 and 5 bounds, each with the
score a value earns by reaching it (``at or above`` for KPIs where higher is better,
``at or below`` where lower is better); a value that reaches no bound scores 1. Bounds
are inclusive, so a first-pass acceptance of exactly 0.95 against a bound of 0.95 earns
that bound's score.

The period score (0-100) weighs the KPIs as the selection scorecard weighs its
dimensions: each KPI gives ``score / 5 * weight`` points, and the points are summed over
the KPIs that had data in the period, rescaled by the weight of those KPIs
(``100 * sum(w * s / 5) / sum(w)``). A KPI without data (no batch with a due date, no
breach due) says nothing about the vendor and neither helps nor hurts.

The standing is the recency-weighted mean of the last ``periods`` period scores
(the current one included), the period ``k`` periods back weighing ``decay ** k``::

    standing = sum(decay**k * score[t-k]) / sum(decay**k),  k = 0 .. periods-1

over the periods that have a score. With the default decay of 0.5 the current period
counts as much as all earlier ones together, so a vendor's recent record moves its
standing quickly while one bad month does not erase a good half year. Both numbers
fall in the selection scorecard's bands (``scorecards.scoring.band``).
"""

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from vendorscore.scorecards.scoring import MAX_RATING, MIN_RATING, band, exact

HIGHER = "higher"
LOWER = "lower"
MIN_THRESHOLDS = 2
MAX_THRESHOLDS = 5
PERIOD_PATTERN = re.compile(r"^(\d{4})-(?:(0[1-9]|1[0-2])|Q([1-4]))$")


class PerformanceError(ValueError):
    """Input the arithmetic refuses: a malformed period, thresholds out of order, a negative weight."""


# Periods -----------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month (``2026-09``) or quarter (``2026-Q3``): first day included, ``end`` excluded."""

    start: dt.date
    end: dt.date
    name: str

    @property
    def is_quarter(self) -> bool:
        return "Q" in self.name

    def months(self) -> list[dt.date]:
        """First day of each calendar month of the period."""
        months, month = [], self.start
        while month < self.end:
            months.append(month)
            month = _next_month(month)
        return months

    def previous(self) -> "Period":
        """The period of the same kind just before this one."""
        return period_containing(self.start - dt.timedelta(days=1), quarter=self.is_quarter)


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def parse_period(text: str) -> Period:
    """``YYYY-MM`` or ``YYYY-Qn``; anything else is refused with the accepted forms named."""
    match = PERIOD_PATTERN.match((text or "").strip())
    if not match:
        raise PerformanceError(f"A period is YYYY-MM or YYYY-Qn (e.g. 2026-09 or 2026-Q3), not {text!r}.")
    year, month, quarter = int(match[1]), match[2], match[3]
    if month:
        start = dt.date(year, int(month), 1)
        return Period(start, _next_month(start), f"{year}-{month}")
    start = dt.date(year, 3 * int(quarter) - 2, 1)
    return Period(start, _next_month(_next_month(_next_month(start))), f"{year}-Q{quarter}")


def period_containing(day: dt.date, *, quarter: bool = False) -> Period:
    if quarter:
        return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    return parse_period(f"{day.year}-{day.month:02d}")


def closed_periods(today: dt.date) -> list[Period]:
    """The periods that closed most recently as of ``today``: last month, and last quarter when it just ended."""
    month = period_containing(today).previous()
    closed = [month]
    if month.end.month in (1, 4, 7, 10):
        closed.append(period_containing(month.start, quarter=True))
    return closed


# Thresholds and scores ---------------------------------------------------------------------


@dataclass(frozen=True)
class Threshold:
    """Reaching ``at`` earns ``score``."""

    at: float
    score: int


def check_thresholds(thresholds: Sequence[Threshold], direction: str) -> None:
    """2-5 bounds with scores from 2 to 5, strictly better bounds earning strictly higher scores."""
    if direction not in (HIGHER, LOWER):
        raise PerformanceError(f"A KPI's direction is {HIGHER!r} or {LOWER!r}, not {direction!r}.")
    if not MIN_THRESHOLDS <= len(thresholds) <= MAX_THRESHOLDS:
        raise PerformanceError(f"A KPI has {MIN_THRESHOLDS} to {MAX_THRESHOLDS} thresholds, not {len(thresholds)}.")
    ordered = sorted(thresholds, key=lambda t: t.score)
    for threshold in ordered:
        if isinstance(threshold.score, bool) or not MIN_RATING <= threshold.score <= MAX_RATING:
            raise PerformanceError(f"A threshold's score is 1 to 5, not {threshold.score!r}.")
    for lower, upper in zip(ordered, ordered[1:], strict=False):
        if lower.score == upper.score:
            raise PerformanceError(f"Two thresholds give the score {lower.score}.")
        better = upper.at > lower.at if direction == HIGHER else upper.at < lower.at
        if not better:
            word = "above" if direction == HIGHER else "below"
            raise PerformanceError(
                f"The bound for {upper.score} ({upper.at:g}) must be {word} the bound for {lower.score} ({lower.at:g})."
            )


def reaches(value: float, at: float, direction: str) -> bool:
    return value >= at if direction == HIGHER else value <= at


def kpi_score(value: float | None, thresholds: Sequence[Threshold], direction: str) -> tuple[int | None, float | None]:
    """The 1-5 score of a value and the bound that earned it (None when it reached none, or had no value)."""
    if value is None:
        return None, None
    reached = [t for t in thresholds if reaches(value, t.at, direction)]
    if not reached:
        return MIN_RATING, None
    best = max(reached, key=lambda t: t.score)
    return best.score, best.at


# Period score and standing -----------------------------------------------------------------


@dataclass(frozen=True)
class ScoredKPI:
    key: str
    weight: Fraction
    score: int | None


def period_score(kpis: Sequence[ScoredKPI]) -> Fraction | None:
    """``100 * sum(w * s / 5) / sum(w)`` over the KPIs with a score; None when none has one."""
    scored = [k for k in kpis if k.score is not None and k.weight > 0]
    if any(k.weight < 0 for k in kpis):
        raise PerformanceError("A KPI weight may not be negative.")
    total_weight = sum((k.weight for k in scored), Fraction(0))
    if not scored or total_weight == 0:
        return None
    points = sum((k.weight * Fraction(k.score, MAX_RATING) for k in scored), Fraction(0))
    return 100 * points / total_weight


def standing(scores: Sequence[Fraction | None], *, decay, periods: int) -> Fraction | None:
    """Recency-weighted mean of the newest ``periods`` scores, newest first; periods without a score are skipped."""
    decay = exact(decay)
    if not 0 < decay <= 1:
        raise PerformanceError("The decay is above 0 and at most 1.")
    if periods < 1:
        raise PerformanceError("The standing spans at least one period.")
    weighted = [(decay**k, s) for k, s in enumerate(scores[:periods]) if s is not None]
    if not weighted:
        return None
    return sum((w * exact(s) for w, s in weighted), Fraction(0)) / sum((w for w, _ in weighted), Fraction(0))


def standing_band(value) -> str | None:
    """The selection scorecard's band of a standing or period score (one rule: ``scorecards.scoring.band``)."""
    return None if value is None else band(value)


BAND_ORDER = {"material_risk": 0, "viable_with_oversight": 1, "enterprise_grade": 2}


def standing_dropped(previous, current, *, drop_points) -> bool:
    """A standing dropped when it fell into a lower band, or by at least ``drop_points`` points."""
    if previous is None or current is None:
        return False
    previous, current = exact(previous), exact(current)
    if BAND_ORDER[band(current)] < BAND_ORDER[band(previous)]:
        return True
    return previous - current >= exact(drop_points)
