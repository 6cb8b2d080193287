"""Cohen's kappa and weighted kappa: per annotator pair, between two raters, and Light's mean.

Cohen (1960), with agreement weights ``w`` (identity for plain kappa; linear or quadratic
for weighted kappa, Cohen 1968), on a pair's table of proportions ``p_ab`` with row
marginals ``r`` and column marginals ``c``:

- ``po = sum_ab w_ab p_ab``, ``pe = sum_ab w_ab r_a c_b``, ``kappa = (po - pe)/(1 - pe)``
- large-sample variance (Fleiss, Cohen & Everitt 1969; statsmodels ``cohens_kappa``):
  ``var = sum_ab p_ab IF_ab^2 / n`` with the influence of one observation
  ``IF_ab = (w_ab - po - (1 - kappa)((Wc)_a + (rW)_b - 2 pe)) / (1 - pe)``;
  expanding the square gives exactly FCE's formula.

Annotator pairs. Every item rated by two or more annotators contributes one observation
to each pair of its annotators (pairs ordered by annotator id, so the table is oriented
the same way in every chunk). With exactly two annotators in the batch ``cohen_kappa`` is
their kappa. With more, it is Light's (1971) kappa: the mean over the pairs that share at
least ``MIN_SHARED_ITEMS`` items and whose kappa is defined; the pairs are listed. Light's
mean has no published standard error; its variance is the same delta-method
linearisation, clustered by item because one item feeds several pairs:
``var = sum_i (sum_{pairs p on item i} IF_p / (P n_p))^2`` (for one pair this is FCE).

Exactness: each pair's table is built from integer cells in canonical order and item
influences are summed in canonical within-item order and then with ``math.fsum``, so the
figures do not depend on chunking or row order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .grouping import group
from .measures import measure, normal_interval, undefined

MIN_SHARED_ITEMS = 10
NO_PAIRS = "no item was rated by two different annotators"
SINGLE_ANNOTATOR = "only one annotator"
FEW_SHARED = (
    f"no pair of annotators shares {MIN_SHARED_ITEMS} or more items with a defined kappa, "
    "so Light's mean over pairs is not computed"
)
CHANCE_ONE = "both annotators used a single, identical category, so chance agreement is 1 and kappa is 0/0"
ONE_SHARED = "the two annotators share only one item"


@dataclass(frozen=True)
class PairObservations:
    """One row per (item, pair of distinct annotators on it): who, which labels, which cell.

    Rows are grouped by item, and within an item in canonical order.
    """

    item: np.ndarray
    pair: np.ndarray
    first: np.ndarray
    second: np.ndarray
    cell: np.ndarray
    cells: np.ndarray
    cell_counts: np.ndarray
    duplicates: int

    @property
    def n_pairs(self) -> int:
        return self.first.size


def pair_observations(item, annotator, label, per_item, n_annotators, q) -> PairObservations:
    """Every within-item pair of ratings by two different annotators, canonically ordered."""
    shared = per_item[item] >= 2
    item, annotator, label = item[shared], annotator[shared], label[shared]
    order = _canonical_order(item, annotator, label, n_annotators, q)
    item, annotator, label = item[order], annotator[order], label[order]
    same_item = item[1:] == item[:-1]
    duplicates = int((same_item & (annotator[1:] == annotator[:-1])).sum())
    left, right = _within_item_pairs(same_item, item.size)
    distinct = annotator[left] != annotator[right]
    left, right = left[distinct], right[distinct]
    pair_key = annotator[left].astype(np.int64) * n_annotators + annotator[right]
    unique_pairs, pair, _ = group(pair_key, n_annotators * n_annotators)
    cell = (pair * q + label[left]) * q + label[right]
    cells, cell_of_obs, cell_counts = group(cell, unique_pairs.size * q * q)
    return PairObservations(
        item=item[left],
        pair=pair,
        first=unique_pairs // n_annotators,
        second=unique_pairs % n_annotators,
        cell=cell_of_obs,
        cells=cells,
        cell_counts=cell_counts,
        duplicates=duplicates,
    )


def _canonical_order(item, annotator, label, n_annotators, q) -> np.ndarray:
    """Rows sorted by (item, annotator, label): one composite key when it fits in int64."""
    if item.size == 0 or (int(item.max()) + 1) * n_annotators * q >= 2**62:
        return np.lexsort((label, annotator, item))
    return np.argsort((item.astype(np.int64) * n_annotators + annotator) * q + label, kind="stable")


def _within_item_pairs(same_item: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions (left, right), left < right, of every two rows of one item in sorted rows.

    Row r pairs with each later row of its item; the pairs come out ordered by (left,
    right), so each item's pairs are contiguous and in a canonical order.
    """
    starts = np.flatnonzero(np.concatenate(([True], ~same_item)))
    ends = np.append(starts[1:], size)
    remaining = np.repeat(ends, ends - starts) - 1 - np.arange(size)
    left = np.repeat(np.arange(size), remaining)
    offset = np.arange(left.size) - np.repeat(np.cumsum(remaining) - remaining, remaining) + 1
    return left, left + offset


@dataclass(frozen=True)
class PairKappas:
    """Kappa of every pair for one weight matrix, with what Light's variance needs."""

    value: np.ndarray
    se: np.ndarray
    n: np.ndarray
    influence: np.ndarray


def pair_kappas(obs: PairObservations, q: int, weights: np.ndarray) -> PairKappas:
    """Kappa, FCE standard error and per-cell influence of every pair."""
    pair_of_cell = obs.cells // (q * q)
    first = (obs.cells // q) % q
    second = obs.cells % q
    count = obs.cell_counts.astype(float)
    n = np.bincount(pair_of_cell, weights=count, minlength=obs.n_pairs)
    rows = _marginals(pair_of_cell, first, count, n, q, obs.n_pairs)
    cols = _marginals(pair_of_cell, second, count, n, q, obs.n_pairs)
    po = np.bincount(pair_of_cell, weights=count * weights[first, second], minlength=obs.n_pairs) / n
    weighted_cols = cols @ weights.T
    weighted_rows = rows @ weights
    pe = (rows * weighted_cols).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = np.where(pe < 1.0, (po - pe) / (1.0 - pe), np.nan)
        influence = (
            weights[first, second]
            - po[pair_of_cell]
            - (1.0 - kappa[pair_of_cell])
            * (weighted_cols[pair_of_cell, first] + weighted_rows[pair_of_cell, second] - 2 * pe[pair_of_cell])
        ) / (1.0 - pe[pair_of_cell])
        variance = np.bincount(pair_of_cell, weights=count * influence**2, minlength=obs.n_pairs) / n**2
    return PairKappas(value=kappa, se=np.sqrt(variance), n=n.astype(np.int64), influence=influence)


def _marginals(pair, category, count, n, q, n_pairs) -> np.ndarray:
    table = np.bincount(pair * q + category, weights=count, minlength=n_pairs * q)
    return table.reshape(n_pairs, q) / n[:, None]


def pair_measure(kappas: PairKappas, index: int) -> dict:
    """The measure of one pair."""
    n = int(kappas.n[index])
    if n < 2:
        return undefined(n, ONE_SHARED)
    value = float(kappas.value[index])
    if not math.isfinite(value):
        return undefined(n, CHANCE_ONE)
    return measure(value, normal_interval(value, float(kappas.se[index])), n)


def table_kappa(table: np.ndarray) -> dict:
    """Cohen's kappa of one square table of counts (rows one rater, columns the other)."""
    cells = np.flatnonzero(table.reshape(-1))
    empty = np.zeros(0, dtype=np.int64)
    obs = PairObservations(
        item=empty,
        pair=empty,
        first=np.zeros(1, dtype=np.int64),
        second=np.zeros(1, dtype=np.int64),
        cell=empty,
        cells=cells,
        cell_counts=table.reshape(-1)[cells],
        duplicates=0,
    )
    q = table.shape[0]
    return pair_measure(pair_kappas(obs, q, np.eye(q)), 0)


def included_pairs(kappas: PairKappas) -> np.ndarray:
    """Indices of the pairs that enter Light's mean: enough shared items, defined kappa."""
    return np.flatnonzero((kappas.n >= MIN_SHARED_ITEMS) & np.isfinite(kappas.value))


def batch_kappa(obs: PairObservations, kappas: PairKappas, n_annotators: int) -> dict:
    """Two annotators: their kappa. More: Light's mean over the included pairs."""
    if n_annotators < 2:
        return undefined(0, SINGLE_ANNOTATOR)
    if obs.n_pairs == 0:
        return undefined(0, NO_PAIRS)
    if n_annotators == 2:
        return pair_measure(kappas, 0)
    chosen = included_pairs(kappas)
    if chosen.size == 0:
        return undefined(0, FEW_SHARED)
    value = float(np.mean(kappas.value[chosen]))
    in_mean = np.zeros(obs.n_pairs, dtype=bool)
    in_mean[chosen] = True
    uses = in_mean[obs.pair]
    share = kappas.influence[obs.cell[uses]] / (chosen.size * kappas.n[obs.pair[uses]])
    items = obs.item[uses]
    starts = np.flatnonzero(np.concatenate(([True], items[1:] != items[:-1])))
    per_item = np.add.reduceat(share, starts)
    se = math.sqrt(math.fsum(per_item**2))
    return measure(value, normal_interval(value, se), starts.size)
