"""Group non-negative integer keys: distinct keys in sorted order, group of each key, sizes.

Every "group by" of the engine (item count patterns, annotator pairs, table cells) runs on
integer keys. When the key space is small compared with the data, a counting pass
(``np.bincount``) is linear and several times faster than sorting; otherwise the keys
are sorted (``np.unique``). Both return the groups in ascending key order, which is what
makes the results independent of row order.
"""

from __future__ import annotations

import numpy as np

_DENSE_SPACE = 1 << 21


def group(keys: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(unique_keys, group_of_each_key, group_sizes)`` for keys in ``[0, space)``."""
    if space <= max(_DENSE_SPACE, 4 * keys.size):
        sizes_by_key = np.bincount(keys, minlength=space)
        unique = np.flatnonzero(sizes_by_key)
        position = np.zeros(space, dtype=np.int64)
        position[unique] = np.arange(unique.size)
        return unique, position[keys], sizes_by_key[unique]
    unique, inverse, sizes = np.unique(keys, return_inverse=True, return_counts=True)
    return unique, inverse.reshape(-1), sizes
