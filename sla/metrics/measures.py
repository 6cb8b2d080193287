"""The measure record ``M`` of the metrics document and its 95% confidence intervals.

``M = {"value": float | None, "ci95": [low, high] | None, "n": int}`` plus ``"note"`` when
the value is None (API.md, "The metrics document"). Values are plain Python floats, never
NaN, never clipped: a negative kappa is reported as it is.

Intervals used (issue 3, "95% confidence intervals"):

- Proportions: the Wilson (1927) score interval,
  ``(p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)``, identical to statsmodels'
  ``proportion_confint(method="wilson")``.
- Coefficients with a published asymptotic standard error: ``value +- z * se`` (normal,
  as Fleiss, Cohen & Everitt 1969 and statsmodels) or ``value +- t(n-1) * se`` (Gwet 2014,
  as irrCAC). A chance-corrected coefficient cannot exceed 1, so the upper bound is capped
  at 1, as irrCAC does; the lower bound is never touched.
- Coefficients without one: the 2.5th and 97.5th percentiles of a seeded bootstrap.
"""

from __future__ import annotations

import math

import numpy as np

# The distribution functions themselves (scipy.stats calls these same routines and gives
# identical values); importing scipy.stats costs a command about 1.4 s, scipy.special 0.1 s.
from scipy import special

Z95 = float(special.ndtri(0.975))


def measure(value: float, ci: tuple[float, float] | None, n: int) -> dict:
    """A computed measure."""
    return {
        "value": float(value),
        "ci95": None if ci is None else [float(ci[0]), float(ci[1])],
        "n": int(n),
    }


def undefined(n: int, note: str) -> dict:
    """A measure that cannot be computed, with the reason."""
    return {"value": None, "ci95": None, "n": int(n), "note": note}


def proportion(successes: float, n: int, empty_note: str) -> dict:
    """A proportion with its Wilson interval; undefined with ``empty_note`` when n is 0."""
    if n <= 0:
        return undefined(0, empty_note)
    p = successes / n
    return measure(p, wilson(p, n), n)


def wilson(p: float, n: int) -> tuple[float, float]:
    """Wilson score interval of a proportion ``p`` observed on ``n`` units."""
    z2 = Z95 * Z95
    denominator = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / denominator
    half = Z95 * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denominator
    return centre - half, centre + half


def normal_interval(value: float, se: float) -> tuple[float, float]:
    """``value +- z * se`` with the upper bound capped at 1."""
    return value - Z95 * se, min(1.0, value + Z95 * se)


def t_interval(value: float, se: float, df: int) -> tuple[float, float]:
    """``value +- t(df) * se`` with the upper bound capped at 1 (irrCAC's interval)."""
    half = float(special.stdtrit(df, 0.975)) * se
    return value - half, min(1.0, value + half)


def percentile_interval(replicates: np.ndarray) -> tuple[float, float] | None:
    """Percentile bootstrap interval of the finite replicates, or None when there are none."""
    finite = replicates[np.isfinite(replicates)]
    if finite.size == 0:
        return None
    low, high = np.percentile(finite, [2.5, 97.5])
    return float(low), float(high)


def newcombe_difference(a: tuple[float, int], b: tuple[float, int]) -> tuple[float, float]:
    """Newcombe (1998, method 10) interval for ``p_a - p_b`` from the two Wilson intervals."""
    pa, pb = a[0] / a[1], b[0] / b[1]
    la, ua = wilson(pa, a[1])
    lb, ub = wilson(pb, b[1])
    difference = pa - pb
    low = difference - math.sqrt((pa - la) ** 2 + (ub - pb) ** 2)
    high = difference + math.sqrt((ua - pa) ** 2 + (pb - lb) ** 2)
    return low, high
