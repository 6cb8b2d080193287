"""Krippendorff's alpha at the nominal, ordinal, interval and ratio levels, with a bootstrap.

Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C (any number
of coders, missing values). With ``c_uk`` the values of category k in unit u and
``m_u = sum_k c_uk``, only units with ``m_u >= 2`` are pairable; a unit with a single
value contributes nothing.

- coincidences ``o_kl = sum_u (c_uk c_ul - [k = l] c_uk) / (m_u - 1)``
- marginals ``n_k = sum_l o_kl``, ``n = sum_k n_k``
- ``alpha = 1 - (n - 1) sum_kl o_kl d_kl / sum_kl n_k n_l d_kl``

with the squared differences ``d_kl``: nominal ``[k != l]``; ordinal
``(sum_{g=k..l} n_g - (n_k + n_l)/2)^2`` on the positions of the label set; interval
``(v_k - v_l)^2``; ratio ``((v_k - v_l)/(v_k + v_l))^2`` (0 when both are 0).

No closed-form standard error exists, so the interval is a seeded percentile bootstrap
over pairable units (1,000 replicates): a resample of n units with replacement is a
multinomial draw over the unit count patterns (``patterns.py``), which depends only on
the merged statistics, never on chunk or row order. Replicates in which alpha is
undefined (one value only) are dropped.
"""

from __future__ import annotations

import numpy as np

from .labels import LabelSet
from .measures import measure, percentile_interval, undefined
from .patterns import Patterns

REPLICATES = 1000
_REPLICATE_BLOCK_CELLS = 4_000_000
NO_PAIRS = "no item has two or more ratings, so no value is pairable"
ONE_UNIT = "only one item has two or more ratings; alpha needs at least two"
NO_VARIATION = "all pairable values are equal, so the expected disagreement is 0 and alpha is 0/0"


def krippendorff_alpha(patterns: Patterns, labels: LabelSet, rng: np.random.Generator) -> dict:
    """Alpha at the label set's level, with its bootstrap interval."""
    pairable = patterns.sizes >= 2
    counts = patterns.counts[pairable].astype(float)
    weights = patterns.weights[pairable]
    units = int(weights.sum())
    problem = _problem(units, labels)
    if problem:
        return undefined(units, problem)
    per_pattern = _pattern_coincidences(counts)
    observed = weights.astype(float) @ per_pattern
    value = _alpha(observed[None, :], labels)[0]
    if not np.isfinite(value):
        return undefined(units, NO_VARIATION)
    replicates = _bootstrap(per_pattern, weights, labels, rng)
    return measure(value, percentile_interval(replicates), units)


def _problem(units: int, labels: LabelSet) -> str | None:
    if units == 0:
        return NO_PAIRS
    if units == 1:
        return ONE_UNIT
    if labels.level in ("interval", "ratio") and labels.values is None:
        return labels.describe_scores()
    return None


def _pattern_coincidences(counts: np.ndarray) -> np.ndarray:
    """Each pattern's coincidence matrix, flattened: (patterns, q*q)."""
    q = counts.shape[1]
    outer = counts[:, :, None] * counts[:, None, :]
    outer[:, np.arange(q), np.arange(q)] -= counts
    return (outer / (counts.sum(axis=1) - 1.0)[:, None, None]).reshape(counts.shape[0], q * q)


def _alpha(coincidences: np.ndarray, labels: LabelSet) -> np.ndarray:
    """Alpha of each row of flattened coincidence matrices; NaN where undefined."""
    q = labels.size
    o = coincidences.reshape(-1, q, q)
    marginals = o.sum(axis=2)
    total = marginals.sum(axis=1)
    distance = _distances(marginals, labels)
    disagreement_observed = (o * distance).sum(axis=(1, 2))
    expected = (marginals[:, :, None] * marginals[:, None, :] * distance).sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1.0 - (total - 1.0) * disagreement_observed / expected
    return np.where(expected > 0, alpha, np.nan)


def _distances(marginals: np.ndarray, labels: LabelSet) -> np.ndarray:
    """Squared difference matrices, one per row of marginals: (rows, q, q)."""
    q = labels.size
    if labels.level == "nominal":
        return np.broadcast_to(1.0 - np.eye(q), (marginals.shape[0], q, q))
    if labels.level == "ordinal":
        cumulative = np.cumsum(marginals, axis=1)
        low = np.minimum.outer(np.arange(q), np.arange(q))
        high = np.maximum.outer(np.arange(q), np.arange(q))
        between = cumulative[:, high] - cumulative[:, low] + marginals[:, low]
        ends = (marginals[:, :, None] + marginals[:, None, :]) / 2.0
        return (between - ends) ** 2
    values = labels.values
    difference = values[:, None] - values[None, :]
    if labels.level == "interval":
        squared = difference**2
    else:
        total = values[:, None] + values[None, :]
        ratio = np.divide(difference, total, out=np.zeros_like(difference), where=total != 0)
        squared = ratio**2
    return np.broadcast_to(squared, (marginals.shape[0], q, q))


def _bootstrap(per_pattern, weights, labels, rng) -> np.ndarray:
    units = int(weights.sum())
    draws = rng.multinomial(units, weights / units, size=REPLICATES)
    block = max(1, _REPLICATE_BLOCK_CELLS // max(1, per_pattern.shape[1] * labels.size))
    return np.concatenate(
        [_alpha(draws[start : start + block] @ per_pattern, labels) for start in range(0, REPLICATES, block)]
    )
