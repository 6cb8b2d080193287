"""The label set of a batch: its order, its numeric values and the kappa weights it implies.

Every coefficient indexes categories by their position in one ordered label set, so the
same batch gives the same numbers whichever chunk or file order it arrived in:

- With a task type, the label set is the task type's ordered list.
- Without one, it is the distinct labels present, sorted; numerically when every label
  parses as a number ("2" before "10"), so that bare numeric labels at the ordinal level
  are ranked among the distinct values present, as scikit-learn and R's ``irr`` do.

Scores used by the ordered levels (API.md, "Conventions the numbers follow"):

- ``ordinal``: the position of each label in the set (0, 1, 2, ...);
- ``interval`` and ``ratio``: the numeric value of each label.

At those three levels numeric labels are numbers before anything is counted
(``canonical_labels``): ``0``, ``00``, ``-0`` and ``0.0`` are one category for every
coefficient, percent agreement and the Fleiss family included.

Weighted kappa (Cohen 1968) uses agreement weights ``w = 1 - |s_a - s_b| / range`` (linear,
Cicchetti-Allison) or ``w = 1 - (s_a - s_b)^2 / range^2`` (quadratic, Fleiss-Cohen) on
those scores; kappa is invariant to rescaling the disagreement weights, so this equals
scikit-learn's ``cohen_kappa_score(weights=...)`` on positions and statsmodels'
``cohens_kappa(weights=scores)`` on values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

LEVELS = ("nominal", "ordinal", "interval", "ratio")


def parse_number(text: str) -> float | None:
    """The finite number a label spells, or None."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def number_text(value: float) -> str:
    """The one spelling of a number: 3 for 3, 3.0, 03 and 3e0; 0 for -0; 0.5 for .50."""
    if value == 0:
        return "0"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def canonical_labels(names, label_set=None) -> list[str]:
    """Each label as the level's ordered measures must see it: numbers by their value.

    At the ordinal, interval and ratio levels a numeric label is a number, so ``0``, ``00``,
    ``-0`` and ``0.0`` are one value (API.md): each is given the spelling of that value in
    the label set when the set has it, else its canonical spelling (``number_text``).
    Labels that are not numbers are left as they are.
    """
    spelled = {}
    for name in label_set or ():
        value = parse_number(name)
        if value is not None:
            spelled.setdefault(value, name)
    canonical = []
    for name in map(str, names):
        value = parse_number(name)
        canonical.append(name if value is None else spelled.get(value, number_text(value)))
    return canonical


def order_labels(names) -> list[str]:
    """Distinct labels sorted numerically when all are numbers, else as strings."""
    distinct = sorted(set(names))
    numbers = [parse_number(name) for name in distinct]
    if distinct and all(number is not None for number in numbers):
        return [name for _, name in sorted(zip(numbers, distinct, strict=True))]
    return distinct


@dataclass(frozen=True)
class LabelSet:
    """An ordered label set at one level of measurement."""

    names: tuple[str, ...]
    level: str
    given: bool

    @property
    def size(self) -> int:
        return len(self.names)

    @cached_property
    def values(self) -> np.ndarray | None:
        """Numeric value of every label, or None when one is not a number."""
        numbers = [parse_number(name) for name in self.names]
        if any(number is None for number in numbers):
            return None
        return np.asarray(numbers, dtype=float)

    @cached_property
    def scores(self) -> np.ndarray | None:
        """Scores that order the labels: positions (ordinal) or values (interval, ratio)."""
        if self.level == "nominal":
            return None
        if self.level == "ordinal":
            return np.arange(self.size, dtype=float)
        return self.values

    def kappa_weights(self, kind: str) -> np.ndarray | None:
        """Agreement weight matrix for weighted kappa, ``kind`` linear or quadratic."""
        scores = self.scores
        if scores is None or self.size < 2:
            return None
        span = scores.max() - scores.min()
        if span == 0:
            return None
        distance = np.abs(scores[:, None] - scores[None, :]) / span
        return 1.0 - (distance if kind == "linear" else distance**2)

    def describe_scores(self) -> str | None:
        """Why the ordered measures cannot be computed, or None when they can."""
        if self.level == "nominal":
            return "needs an ordered level (ordinal, interval or ratio); this batch is nominal"
        if self.scores is None:
            return f"level {self.level} needs numeric labels; some labels are not numbers"
        return None
