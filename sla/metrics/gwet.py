"""Percent agreement, Fleiss' kappa, Scott's pi and Gwet's AC1 for many raters with gaps.

Conventions of Gwet (2014), *Handbook of Inter-Rater Reliability*, 4th ed., ch. 2-5, as
implemented in irrCAC (``CAC.fleiss``, ``CAC.gwet``), for n items each rated by r_i >= 1
raters, with ``c_ik`` the ratings of item i in category k and q categories in the label set:

- observed agreement, over the n2 items with r_i >= 2:
  ``pa = (1/n2) sum_i sum_k c_ik (c_ik - 1) / (r_i (r_i - 1))``
- category propensities, over every rated item: ``pi_k = (1/n) sum_i c_ik / r_i``
- chance agreement: Fleiss (1971) ``pe = sum_k pi_k^2``; AC1 (Gwet 2008)
  ``pe = sum_k pi_k (1 - pi_k) / (q - 1)``
- coefficient ``(pa - pe) / (1 - pe)``, pooled over the batch (one value from all items).

Scott's pi is the two-rater case Fleiss generalised; with missing ratings handled as above
the two are one number, reported under both names.

Variance (Gwet 2014, linearisation; irrCAC, finite-population correction 0):
``var = sum_i (k*_i - k)^2 / (n (n - 1))`` with
``k_i = (n/n2) (pa_i - pe [r_i >= 2]) / (1 - pe)``,
``k*_i = k_i - 2 (1 - k) (pe_i - pe) / (1 - pe)`` and ``pe_i`` the item's share of chance
agreement (``sum_k c_ik pi_k / r_i`` for Fleiss, ``sum_k c_ik (1 - pi_k) / (r_i (q - 1))``
for AC1). The interval is ``k +- t(n-1) se``. Fleiss, Nee & Landis (1979) give an SE only
under kappa = 0, which cannot bound an interval around a non-zero kappa, hence Gwet's.

Percent agreement is a proportion: Wilson interval with n2 items. With more than two
ratings per item an item's agreement is a fraction in [0, 1] whose variance is at most
p(1 - p), so the interval is conservative.

All sums run over count patterns (``patterns.py``) in canonical order.
"""

from __future__ import annotations

import numpy as np

from .measures import measure, t_interval, undefined, wilson
from .patterns import Patterns

NO_OVERLAP = "no item has two or more ratings"
ONE_ITEM = "only one item has two or more ratings; a coefficient needs at least two"
ONE_CATEGORY = "every rating is in one category, so chance agreement is 1 and the coefficient is 0/0"


class _Pooled:
    """Per-pattern terms shared by the coefficients of one batch."""

    def __init__(self, patterns: Patterns):
        counts = patterns.counts.astype(float)
        self.weights = patterns.weights.astype(float)
        self.counts = counts
        self.sizes = counts.sum(axis=1)
        self.multi = self.sizes >= 2
        self.n = float(self.weights.sum())
        self.n2 = float(self.weights[self.multi].sum())
        pairs = np.where(self.multi, self.sizes * (self.sizes - 1), 1.0)
        self.pa_item = np.where(self.multi, (counts * (counts - 1)).sum(axis=1) / pairs, 0.0)
        self.pa = float((self.weights * self.pa_item).sum() / self.n2) if self.n2 else 0.0
        shares = counts / self.sizes[:, None]
        self.pi = (self.weights[:, None] * shares).sum(axis=0) / max(self.n, 1.0)
        self.categories_used = int((counts.sum(axis=0) > 0).sum())

    def coefficient(self, pe: float, pe_item: np.ndarray) -> dict:
        value = (self.pa - pe) / (1.0 - pe)
        kappa_item = (self.n / self.n2) * (self.pa_item - pe * self.multi) / (1.0 - pe)
        linearised = kappa_item - 2.0 * (1.0 - value) * (pe_item - pe) / (1.0 - pe)
        variance = (self.weights * (linearised - value) ** 2).sum() / (self.n * (self.n - 1.0))
        se = float(np.sqrt(variance))
        return measure(value, t_interval(value, se, int(self.n) - 1), int(self.n2))


def chance_corrected(patterns: Patterns, q: int) -> dict[str, dict]:
    """percent_agreement, fleiss_kappa, scott_pi and gwet_ac1 of one batch."""
    pooled = _Pooled(patterns)
    n2 = int(pooled.n2)
    agreement = measure(pooled.pa, wilson(pooled.pa, n2), n2) if n2 else undefined(0, NO_OVERLAP)
    result = {"percent_agreement": agreement}
    problem = _problem(n2)
    if problem:
        fleiss = ac1 = undefined(n2, problem)
    else:
        fleiss = _fleiss(pooled)
        ac1 = _ac1(pooled, q)
    result.update(fleiss_kappa=fleiss, scott_pi=dict(fleiss), gwet_ac1=ac1)
    return result


def _problem(n2: int) -> str | None:
    if n2 == 0:
        return NO_OVERLAP
    if n2 == 1:
        return ONE_ITEM
    return None


def _fleiss(pooled: _Pooled) -> dict:
    if pooled.categories_used < 2:
        return undefined(int(pooled.n2), ONE_CATEGORY)
    pe = float((pooled.pi**2).sum())
    pe_item = pooled.counts @ pooled.pi / pooled.sizes
    return pooled.coefficient(pe, pe_item)


def _ac1(pooled: _Pooled, q: int) -> dict:
    if q < 2:
        return undefined(int(pooled.n2), "the label set has a single label; AC1 needs two or more")
    pe = float((pooled.pi * (1.0 - pooled.pi)).sum() / (q - 1))
    pe_item = pooled.counts @ (1.0 - pooled.pi) / (pooled.sizes * (q - 1))
    return pooled.coefficient(pe, pe_item)
