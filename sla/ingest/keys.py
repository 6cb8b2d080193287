"""Duplicate keys (item, annotator) across a whole file, read one chunk at a time.

A delivery may not label the same item twice by the same annotator, and the two rows can
sit millions of rows apart, in different chunks. Keeping every key as Python strings
would cost about a gigabyte at 10 million rows, so each key is kept as a 64-bit hash with
its row (16 bytes a key): each chunk's hashes are sorted once and kept as a run; every
eight runs of one size are merged into one of the next size (a tiered log-structured
merge), so a key is copied O(log n) times and there are O(log n) runs.

Looking every new key up in every run would still cost more than reading the file, so a
bitmap indexed by the top bits of the hash (a Bloom filter with one probe, kept at most
1/16 full by growing it) answers "certainly new" for about 97% of keys; only the rest are
looked up, by binary search in each run. Keys that really repeat are all looked up, so a
file full of duplicates is slower, never wrong.

The hash is computed with numpy straight from the Arrow string buffers, eight bytes per
step: pandas' ``hash_pandas_object`` converts to Python objects first and took 0.17 s per
column at a million rows, this takes about 0.03 s. Two different keys share a hash with
probability 2**-64; at 10 million keys the chance that any pair does (which would report
a false duplicate) is about 3 in a million.
"""

import numpy as np
import pyarrow as pa

_U = np.uint64
_MASKS = np.array([(1 << (8 * width)) - 1 for width in range(8)] + [2**64 - 1], dtype=np.uint64)


def _mix(x: np.ndarray) -> np.ndarray:
    """The SplitMix64 finaliser: every output bit depends on every input bit."""
    x = (x ^ (x >> _U(30))) * _U(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> _U(27))) * _U(0x94D049BB133111EB)
    return x ^ (x >> _U(31))


def hash_strings(values: pa.Array) -> np.ndarray:
    """A 64-bit hash of each string. Null cells must have been filtered out."""
    values = values.cast(pa.large_string())
    offsets = np.frombuffer(values.buffers()[1], np.int64)[values.offset : values.offset + len(values) + 1]
    padded = np.zeros(offsets[-1] - offsets[0] + 8, np.uint8)
    if values.buffers()[2] is not None:
        padded[:-8] = np.frombuffer(values.buffers()[2], np.uint8)[offsets[0] : offsets[-1]]
    # Every 8-byte window of the data, one per byte position: an unaligned little-endian view.
    words = np.ndarray((len(padded) - 7,), np.dtype("<u8"), buffer=padded, strides=(1,))
    start = offsets[:-1] - offsets[0]
    left = np.diff(offsets)
    hashes = _mix(left.astype(np.uint64))
    active = np.flatnonzero(left > 0)
    while active.size == len(left):  # every string still has bytes: whole-array steps
        hashes = _mix(hashes ^ (words[start] & _MASKS[np.minimum(left, 8)]))
        start += 8
        left -= 8
        active = np.flatnonzero(left > 0)
    while active.size:
        word = words[start[active]] & _MASKS[np.minimum(left[active], 8)]
        hashes[active] = _mix(hashes[active] ^ word)
        start[active] += 8
        left[active] -= 8
        active = active[left[active] > 0]
    return hashes


def hash_keys(columns: list[pa.Array]) -> np.ndarray:
    """One 64-bit hash per row of the key made of ``columns`` (strings without nulls)."""
    hashes = np.zeros(len(columns[0]), np.uint64)
    for position, column in enumerate(columns, 1):
        hashes = _mix(hashes ^ _mix(hash_strings(column) + _U(position)))
    return hashes


class SeenKeys:
    """The keys of the rows read so far, and the row where each was first seen."""

    _KEYS_PER_BIT = 1 / 16
    _FIRST_BITS = 20
    _FANOUT = 8

    def __init__(self) -> None:
        self._levels: list[list[tuple[np.ndarray, np.ndarray]]] = []  # runs of (sorted hashes, their rows)
        self._count = 0
        self._bits = self._FIRST_BITS
        self._filter = np.zeros(2**self._bits // 8, np.uint8)

    def __len__(self) -> int:
        return self._count

    def first_rows(self, hashes: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """For each key, the earlier row that had it (0 if none); then remember the keys.

        ``rows`` must be non-decreasing and not below any row given before.
        """
        order = np.argsort(hashes, kind="stable")
        ordered, ordered_rows = hashes[order], rows[order]
        new = np.ones(len(order), bool)
        new[1:] = ordered[1:] != ordered[:-1]
        group_start = np.maximum.accumulate(np.where(new, np.arange(len(order)), 0))
        first = np.where(new, 0, ordered_rows[group_start])
        maybe = self._maybe_seen(ordered)
        if maybe.any():
            earlier = self._earlier(ordered[maybe])
            first[maybe] = np.where(earlier > 0, earlier, first[maybe])
        self._remember(ordered, ordered_rows)
        result = np.empty_like(first)
        result[order] = first
        return result

    def _runs(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return [run for level in self._levels for run in level]

    def _earlier(self, candidates: np.ndarray) -> np.ndarray:
        """The earliest row that had each candidate (0 if none)."""
        earlier = np.zeros(len(candidates), np.int64)
        for run_hashes, run_rows in self._runs():
            found = np.searchsorted(run_hashes, candidates).clip(max=len(run_hashes) - 1)
            hit = (run_hashes[found] == candidates) & ((earlier == 0) | (run_rows[found] < earlier))
            earlier[hit] = run_rows[found[hit]]
        return earlier

    def _slots(self, ordered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        slot = ordered >> _U(64 - self._bits)
        return (slot >> _U(3)).astype(np.int64), (slot & _U(7)).astype(np.uint8)

    def _maybe_seen(self, ordered: np.ndarray) -> np.ndarray:
        byte, bit = self._slots(ordered)
        return ((self._filter[byte] >> bit) & 1).astype(bool)

    def _mark(self, ordered: np.ndarray) -> None:
        byte, bit = self._slots(ordered)  # sorted hashes: bytes in order, grouped
        starts = np.flatnonzero(np.r_[True, byte[1:] != byte[:-1]])
        self._filter[byte[starts]] |= np.bitwise_or.reduceat(np.left_shift(1, bit, dtype=np.uint8), starts)

    def _remember(self, ordered: np.ndarray, ordered_rows: np.ndarray) -> None:
        if not len(ordered):
            return
        self._add_run(0, (ordered, ordered_rows))
        self._count += len(ordered)
        if self._count <= 2**self._bits * self._KEYS_PER_BIT:
            self._mark(ordered)
            return
        while self._count > 2**self._bits * self._KEYS_PER_BIT:
            self._bits += 2
        self._filter = np.zeros(2**self._bits // 8, np.uint8)
        for run_hashes, _ in self._runs():
            self._mark(run_hashes)

    def _add_run(self, level: int, run: tuple[np.ndarray, np.ndarray]) -> None:
        if level == len(self._levels):
            self._levels.append([])
        self._levels[level].append(run)
        if len(self._levels[level]) == self._FANOUT:
            hashes = np.concatenate([hashes for hashes, _ in self._levels[level]])
            order = np.argsort(hashes, kind="stable")  # sorted runs, oldest first: a merge
            rows = np.concatenate([rows for _, rows in self._levels[level]])
            self._levels[level] = []
            self._add_run(level + 1, (hashes[order], rows[order]))
