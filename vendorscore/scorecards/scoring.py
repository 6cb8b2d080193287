"""Scorecard arithmetic of DESIGN.md, free of Django so it can be tested exhaustively.

A criterion's score is the mean of its evaluators' 1-5 ratings, a dimension's score the
mean of its criteria, its points ``score / 5 * weight``, and the total the sum of the
points. Every step is exact (weights become ``Fraction`` from ``Decimal`` or ``int``,
means stay fractions), so a total of exactly 60 is 60 and falls in the 60 band, never
59.999... in the band below. Numbers are rounded only for display, by ``for_display``.
"""

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

MIN_RATING = 1
MAX_RATING = 5
TOTAL_WEIGHT = 100
CALIBRATION_SPREAD = 2

MATERIAL_RISK = "material_risk"
VIABLE_WITH_OVERSIGHT = "viable_with_oversight"
ENTERPRISE_GRADE = "enterprise_grade"
BAND_LABELS = {
    MATERIAL_RISK: "Material delivery risk",
    VIABLE_WITH_OVERSIGHT: "Viable with enhanced oversight",
    ENTERPRISE_GRADE: "Enterprise-grade",
}
# Lowest total of each band, highest band first.
BAND_FLOORS = ((75, ENTERPRISE_GRADE), (60, VIABLE_WITH_OVERSIGHT), (0, MATERIAL_RISK))

Number = int | Decimal | Fraction


class ScorecardError(ValueError):
    """Input the arithmetic refuses (weights not adding up to 100, a rating of 6)."""


@dataclass(frozen=True)
class Criterion:
    """One criterion and the ratings its evaluators gave it (none yet is allowed)."""

    key: Hashable
    ratings: tuple[int, ...] = ()


@dataclass(frozen=True)
class Dimension:
    key: Hashable
    weight: Number
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class CriterionResult:
    key: Hashable
    score: Fraction | None
    spread: int | None

    @property
    def needs_calibration(self) -> bool:
        """Evaluators this far apart should talk before the score is trusted."""
        return self.spread is not None and self.spread >= CALIBRATION_SPREAD


@dataclass(frozen=True)
class DimensionResult:
    key: Hashable
    weight: Fraction
    score: Fraction | None
    points: Fraction | None
    criteria: tuple[CriterionResult, ...]


@dataclass(frozen=True)
class ScorecardResult:
    """The whole scorecard; ``total`` and ``band`` are None until every criterion has a rating."""

    dimensions: tuple[DimensionResult, ...]
    total: Fraction | None
    band: str | None

    @property
    def complete(self) -> bool:
        return self.total is not None

    @property
    def calibration(self) -> tuple[CriterionResult, ...]:
        return tuple(c for d in self.dimensions for c in d.criteria if c.needs_calibration)


def exact(value: Number | float | str) -> Fraction:
    """A number as an exact fraction; floats go through their shortest decimal form (0.1 -> 1/10)."""
    if isinstance(value, float):
        value = repr(value)
    return Fraction(Decimal(value)) if isinstance(value, str) else Fraction(value)


def check_weights(weights: Iterable[Number]) -> None:
    """Refuse weights outside 0-100 or not adding up to exactly 100."""
    weights = [exact(w) for w in weights]
    if not weights:
        raise ScorecardError("A scorecard needs at least one dimension.")
    if any(w < 0 or w > TOTAL_WEIGHT for w in weights):
        raise ScorecardError("Each weight must be between 0 and 100.")
    total = sum(weights, Fraction(0))
    if total != TOTAL_WEIGHT:
        raise ScorecardError(f"Weights must add up to exactly 100; these add up to {_plain(total)}.")


def check_rating(value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_RATING <= value <= MAX_RATING:
        raise ScorecardError(f"A rating is a whole number from {MIN_RATING} to {MAX_RATING}, not {value!r}.")


def criterion_result(criterion: Criterion) -> CriterionResult:
    for rating in criterion.ratings:
        check_rating(rating)
    if not criterion.ratings:
        return CriterionResult(criterion.key, None, None)
    score = Fraction(sum(criterion.ratings), len(criterion.ratings))
    return CriterionResult(criterion.key, score, max(criterion.ratings) - min(criterion.ratings))


def dimension_result(dimension: Dimension) -> DimensionResult:
    if not dimension.criteria:
        raise ScorecardError(f"Dimension {dimension.key!r} has no criteria.")
    weight = exact(dimension.weight)
    criteria = tuple(criterion_result(c) for c in dimension.criteria)
    if any(c.score is None for c in criteria):
        return DimensionResult(dimension.key, weight, None, None, criteria)
    score = sum((c.score for c in criteria), Fraction(0)) / len(criteria)
    return DimensionResult(dimension.key, weight, score, score / MAX_RATING * weight, criteria)


def evaluate(dimensions: Sequence[Dimension]) -> ScorecardResult:
    """Score a whole scorecard; partial ratings give dimension results but no total."""
    check_weights(d.weight for d in dimensions)
    results = tuple(dimension_result(d) for d in dimensions)
    if any(d.points is None for d in results):
        return ScorecardResult(results, None, None)
    total = sum((d.points for d in results), Fraction(0))
    return ScorecardResult(results, total, band(total))


def band(total: Number) -> str:
    total = exact(total)
    for floor, name in BAND_FLOORS:
        if total >= floor:
            return name
    raise ScorecardError(f"A total cannot be negative: {total}.")


def for_display(value: Fraction | None, places: int = 2) -> Decimal | None:
    """Round down to ``places`` decimals.

    Down, not to nearest: band edges are whole numbers, so a total shown as 60.00 is never
    one that is really 59.996 and banded "material risk".
    """
    if value is None:
        return None
    scaled = math.floor(exact(value) * 10**places)
    return Decimal(scaled).scaleb(-places)


def _plain(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return str(for_display(value, 4).normalize())
