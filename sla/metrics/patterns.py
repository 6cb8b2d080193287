"""Items grouped by their category-count vector: the sufficient statistic of pooled agreement.

Percent agreement, Fleiss' kappa, Scott's pi, Gwet's AC1 and Krippendorff's alpha depend on
an item only through ``c_i``, the number of ratings it received in each category. Items
with equal vectors contribute equal terms, so every sum over items is a weighted sum over
the distinct vectors ("patterns"), each weighted by how many items share it.

Why this shape:

- Exactness: patterns are integer vectors sorted into one canonical order (lexicographic,
  last label most significant), so every floating-point sum runs in the same order however
  the batch was chunked, and a merged batch reproduces the whole batch bit for bit.
- Speed: a delivery of a million ratings has a few hundred patterns, not a million items.
- Bootstrap: resampling n items with replacement is a multinomial draw over patterns with
  probabilities ``weight / n``, so bootstrap replicates cost O(patterns), not O(items).

Fast path: an item's vector is read as the integer ``sum_k c_k * base^k`` with
``base = max ratings per item + 1``, accumulated by ``np.bincount``; exact while
``base^q < 2^53``. Otherwise each item's sorted label sequence is grouped per item size
with ``np.unique(axis=0)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .grouping import group

_EXACT_FLOAT = 2**53


@dataclass(frozen=True)
class Patterns:
    """Distinct count vectors (rows of ``counts``), how many items have each, and which."""

    counts: np.ndarray
    weights: np.ndarray
    of_item: np.ndarray

    @property
    def sizes(self) -> np.ndarray:
        """Ratings per item of each pattern."""
        return self.counts.sum(axis=1)

    @property
    def items(self) -> int:
        """Items with at least one rating."""
        return int(self.weights.sum())


def item_patterns(item: np.ndarray, label: np.ndarray, per_item: np.ndarray, q: int) -> Patterns:
    """Patterns of the items rated in ``(item, label)`` rows (``per_item`` of them each); unrated items map to -1."""
    base = int(per_item.max(initial=0)) + 1
    if q * np.log2(base) < np.log2(_EXACT_FLOAT):
        counts, weights, of_item = _by_radix_key(item, label, per_item, base, q)
    else:
        counts, weights, of_item = _by_sorted_sequences(item, label, per_item, q)
    return _canonical(counts, weights, of_item)


def _by_radix_key(item, label, per_item, base, q):
    powers = float(base) ** np.arange(q)
    sums = np.bincount(item, weights=powers[label], minlength=per_item.size)
    rated = per_item > 0
    unique_keys, pattern_of_rated, weights = group(sums[rated].astype(np.int64), base**q)
    del sums  # a float per item: let go before the pattern of each item is written
    counts = (unique_keys[:, None] // (np.int64(base) ** np.arange(q))) % base
    of_item = np.full(per_item.size, -1, dtype=np.int64)
    of_item[rated] = pattern_of_rated
    return counts.astype(np.int64), weights.astype(np.int64), of_item


def _by_sorted_sequences(item, label, per_item, q):
    order = np.lexsort((label, item))
    sorted_labels = label[order]
    starts = np.concatenate(([0], np.cumsum(per_item)[:-1]))
    of_item = np.full(per_item.size, -1, dtype=np.int64)
    blocks, block_weights = [], []
    offset = 0
    for size in np.unique(per_item[per_item > 0]):
        members = np.flatnonzero(per_item == size)
        sequences = sorted_labels[starts[members][:, None] + np.arange(size)]
        unique, inverse, weights = np.unique(sequences, axis=0, return_inverse=True, return_counts=True)
        rows = np.repeat(np.arange(unique.shape[0]), size)
        counts = np.bincount(rows * q + unique.reshape(-1), minlength=unique.shape[0] * q)
        blocks.append(counts.reshape(-1, q))
        block_weights.append(weights)
        of_item[members] = inverse.reshape(-1) + offset
        offset += unique.shape[0]
    if not blocks:
        return np.zeros((0, q), dtype=np.int64), np.zeros(0, dtype=np.int64), of_item
    return np.vstack(blocks).astype(np.int64), np.concatenate(block_weights), of_item


def _canonical(counts: np.ndarray, weights: np.ndarray, of_item: np.ndarray) -> Patterns:
    order = np.lexsort(counts.T) if counts.size else np.arange(counts.shape[0])
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    remapped = np.append(rank, -1)[of_item]
    return Patterns(counts=counts[order], weights=weights[order], of_item=remapped)
