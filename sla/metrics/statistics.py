"""Mergeable batch statistics: encode a chunk of annotation rows once, merge chunks exactly.

A huge delivery is split into chunks, each chunk is encoded on some worker, and the
encoded chunks are merged and evaluated once (DESIGN.md, "Metrics are computed from
mergeable sufficient statistics"). What a chunk keeps:

- one integer row per rating: item, annotator, label, queue and pre-label codes (32 bits);
- the distinct item ids, annotator ids and label strings those codes point to;
- the gold label of each of its items.

Per-item category counts, coincidence matrices and pairwise confusion tables are all
functions of these rows, derived when the document is built. Keeping the rating rows,
rather than per-chunk counts, is what makes a merge exact when one item's ratings are
split across chunks: Cohen's kappa per annotator pair and the leave-one-out agreement
need to know which annotator gave which label on an item, which no per-chunk count table
preserves. The rows are five integers (17 bytes a rating); the ids are Arrow-backed strings.

Merging relabels codes onto the union of ids and concatenates rows; it is associative and
order-free. Every figure of ``document()`` is computed from canonical forms (label set
order, annotator id order, sorted count patterns, canonical within-item order and
``math.fsum``), so ``merge_statistics(chunks).document()`` equals the document of the
whole batch exactly, bootstrap intervals included.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from typing import ClassVar

import numpy as np
import pandas as pd
import pyarrow as pa

from sla.ingest.keys import hash_strings

from .document import build_document
from .labels import LEVELS, canonical_labels

QUEUES = ("prelabeled", "full")
# Codes of items, annotators and labels: 32 bits hold any delivery (2 GiB of text has fewer than 2**31
# rows), and halve what a batch's statistics hold until its document is built (in 64 bits).
CODE = np.int32
# Ids merged in one go up to this many; above, in 2**UNION_BUCKET_BITS groups by hash (``_union_arrow``).
UNION_BUCKET_ABOVE = 500_000
UNION_BUCKET_BITS = 4
UNION_BUCKETS = 2**UNION_BUCKET_BITS
REQUIRED = ("item_id", "annotator_id", "label")


@dataclass(frozen=True)
class BatchStatistics:
    """The encoded ratings of a batch or a chunk of one; see the module docstring."""

    queues: ClassVar[tuple[str, ...]] = QUEUES
    level: str
    label_set: tuple[str, ...] | None
    has_gold: bool
    rows: int
    item_ids: pd.Index
    annotator_ids: pd.Index
    vocab: pd.Index
    item: np.ndarray
    annotator: np.ndarray
    label: np.ndarray
    queue: np.ndarray
    prelabel: np.ndarray
    gold: np.ndarray

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        labels: list[str] | None = None,
        level: str = "nominal",
        gold: pd.DataFrame | None = None,
    ) -> BatchStatistics:
        """Encode canonical rows ``item_id, annotator_id, label`` (+ ``queue, prelabel``)."""
        label_set = _check_options(labels, level)
        _require(frame, REQUIRED, "annotation")
        if gold is not None:
            _require(gold, ("item_id", "label"), "gold")
        item_column = frame["item_id"] if gold is None else pd.concat([frame["item_id"], gold["item_id"]])
        item_codes, item_ids = _factorize(item_column)
        annotator, annotator_ids = _factorize(frame["annotator_id"])
        label, label_names = _factorize(frame["label"])
        prelabel, prelabel_names = _optional_labels(frame, "prelabel")
        gold_label, gold_names = (
            _factorize(gold["label"]) if gold is not None else (np.zeros(0, dtype=CODE), pd.Index([]))
        )
        if level != "nominal":
            label_names, prelabel_names, gold_names = (
                pd.Index(canonical_labels(names, label_set)) for names in (label_names, prelabel_names, gold_names)
            )
        vocab = pd.Index(list(dict.fromkeys(map(str, [*label_names, *prelabel_names, *gold_names]))))
        label, prelabel, gold_label = (
            _into(vocab, codes, names)
            for codes, names in ((label, label_names), (prelabel, prelabel_names), (gold_label, gold_names))
        )
        item = item_codes[: len(frame)]
        rated = (item >= 0) & (annotator >= 0) & (label >= 0)
        _check_labels(label_set, vocab, np.concatenate([label[rated], gold_label]))
        items = int(item.max(initial=-1)) + 1  # the frame's ids come first: gold-only items have higher codes
        return cls(
            level=level,
            label_set=label_set,
            has_gold=gold is not None,
            rows=len(frame),
            item_ids=item_ids[:items],
            annotator_ids=annotator_ids,
            vocab=vocab,
            item=item[rated],
            annotator=annotator[rated],
            label=label[rated],
            queue=_queues(frame)[rated],
            prelabel=prelabel[rated],
            # Gold items the frame does not rate are left out: a chunk's statistics grow with its rows, not with
            # the gold set (each chunk of a big delivery would otherwise carry all of it).
            gold=_gold_per_item(item_codes[len(frame) :], gold_label, len(item_ids))[:items],
        )

    def merge(self, other: BatchStatistics) -> BatchStatistics:
        """These statistics and ``other`` as one batch."""
        return merge_statistics([self, other])

    def without_ratings(self, positions: np.ndarray) -> BatchStatistics:
        """These statistics without the ratings at ``positions``, the others in their order, as if those rows were
        never given.

        For answers dropped after the fact (a repeated answer of an annotator to an item, found
        only once chunks merge). Ids, labels and gold labels stay: the document counts only the
        labels and annotators still rated, but every item id, so an item must keep one of its
        ratings (a repeated answer's item keeps the answer that stays).
        """
        keep = np.ones(len(self.item), bool)
        keep[positions] = False
        ratings = {name: getattr(self, name)[keep] for name in ("item", "annotator", "label", "queue", "prelabel")}
        return replace(self, rows=self.rows - int((~keep).sum()), **ratings)

    def with_item_codes(self) -> BatchStatistics:
        """These statistics with the item ids replaced by their codes, all the document needs.

        The ids are what a batch's statistics hold most of (millions of strings in a big
        delivery); once repeats are checked nothing reads them, so the document is built without.
        """
        return replace(self, item_ids=pd.RangeIndex(len(self.item_ids)))

    def document(self, *, claimed_accuracy: float | None = None, seed: int = 0) -> dict:
        """The metrics document (API.md) of this batch."""
        return build_document(self, claimed_accuracy=claimed_accuracy, seed=seed)

    def to_bytes(self) -> bytes:
        """The statistics as bytes (Arrow IPC, compressed), for a chunk encoded on one worker and merged on another."""
        columns = {
            field.name: _one_list(_one_array(pa.array(pd.Series(getattr(self, field.name), copy=False))))
            for field in fields(self)
            if field.name not in _SCALARS
        }
        meta = {name: getattr(self, name) for name in _SCALARS}
        table = pa.table(columns).replace_schema_metadata({"statistics": json.dumps(meta)})
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema, options=pa.ipc.IpcWriteOptions(compression="zstd")) as writer:
            writer.write_table(table)
        return sink.getvalue().to_pybytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> BatchStatistics:
        """The statistics ``to_bytes`` wrote."""
        table = pa.ipc.open_stream(pa.py_buffer(data)).read_all()
        meta = json.loads(table.schema.metadata[b"statistics"])
        meta["label_set"] = None if meta["label_set"] is None else tuple(meta["label_set"])
        values = {}
        for name in table.column_names:
            array = table.column(name).chunk(0).flatten()
            values[name] = pd.Index(array.to_pandas()) if name in _IDS else array.to_numpy(zero_copy_only=False)
        return cls(**meta, **values)


_SCALARS = ("level", "label_set", "has_gold", "rows")
_IDS = ("item_ids", "annotator_ids", "vocab")


def _one_array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _one_list(values: pa.Array) -> pa.Array:
    """``values`` as the single element of a list column (a table holds arrays of different lengths so)."""
    return pa.LargeListArray.from_arrays(pa.array([0, len(values)], pa.int64()), values)


def merge_statistics(chunks: list[BatchStatistics]) -> BatchStatistics:
    """One batch from encoded chunks, in any order and any grouping."""
    if not chunks:
        raise ValueError("nothing to merge")
    first = chunks[0]
    for chunk in chunks[1:]:
        if (chunk.level, chunk.label_set, chunk.has_gold) != (first.level, first.label_set, first.has_gold):
            raise ValueError("chunks differ in level, label set or gold set and cannot be merged")
    items = _Union([chunk.item_ids for chunk in chunks])
    annotators = _Union([chunk.annotator_ids for chunk in chunks])
    vocab = _Union([chunk.vocab for chunk in chunks])
    gold = _merged_gold(chunks, items, vocab)
    return replace(
        first,
        rows=sum(chunk.rows for chunk in chunks),
        item_ids=items.ids,
        annotator_ids=annotators.ids,
        vocab=vocab.ids,
        item=_concatenated(chunks, "item", lambda i, codes: items[i][codes]),
        annotator=_concatenated(chunks, "annotator", lambda i, codes: annotators[i][codes]),
        label=_concatenated(chunks, "label", lambda i, codes: vocab[i][codes]),
        queue=_concatenated(chunks, "queue", lambda i, codes: codes),
        prelabel=_concatenated(chunks, "prelabel", lambda i, codes: _recode(vocab[i], codes)),
        gold=gold,
    )


def _concatenated(chunks: list[BatchStatistics], field: str, recode) -> np.ndarray:
    """One rating column of all chunks, each chunk's codes recoded straight into place (no copy of the whole)."""
    columns = [getattr(chunk, field) for chunk in chunks]
    merged = np.empty(sum(len(column) for column in columns), dtype=columns[0].dtype)
    start = 0
    for index, column in enumerate(columns):
        merged[start : start + len(column)] = recode(index, column)
        start += len(column)
    return merged


class _Union:
    """Ids of several chunks factorized together, with each chunk's old-to-new code map.

    Arrow's dictionary encoding does it on the ids' own buffers: pandas' factorize of the
    concatenated ids took about 200 bytes an id at its peak (900 MB for 4.5 million items).
    Ids Arrow cannot hold in one type (mixed Python objects) take the pandas route.
    """

    def __init__(self, indexes: list[pd.Index]):
        bounds = np.cumsum([0] + [len(index) for index in indexes])
        codes, self.ids = _union_arrow(indexes) or _union_pandas(indexes)
        self.maps = [codes[start:end] for start, end in zip(bounds[:-1], bounds[1:], strict=True)]

    def __getitem__(self, chunk: int) -> np.ndarray:
        return self.maps[chunk]


def _union_arrow(indexes: list[pd.Index]) -> tuple[np.ndarray, pd.Index] | None:
    """Codes and distinct ids, the ids encoded in ``UNION_BUCKETS`` groups by hash.

    Arrow's hash table takes about 180 bytes an entry at its peak, so ten million item ids
    are encoded a sixteenth at a time; a group's codes follow the groups before it. Each
    group is gathered from the chunks' own arrays, so the ids are never copied whole.
    """
    try:
        arrays = [part for index in indexes for part in _arrow_parts(index)]
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return None
    types = {array.type for array in arrays if len(array)}
    if len(types) != 1:
        return None if types else (np.zeros(0, dtype=CODE), pd.Index([]))
    (common,) = types
    arrays = [array.cast(common) for array in arrays]
    buckets = _buckets(arrays)
    codes, ids, assigned = [np.empty(len(array), dtype=CODE) for array in arrays], [], 0
    for bucket in range(UNION_BUCKETS):
        members = [np.flatnonzero(of_id == bucket) for of_id in buckets]
        if not any(len(chunk) for chunk in members):
            continue
        encoded = pa.concat_arrays(
            [array.take(pa.array(chunk)) for array, chunk in zip(arrays, members, strict=True)]
        ).dictionary_encode()
        bucket_codes = encoded.indices.to_numpy() + assigned
        bounds = np.cumsum([0] + [len(chunk) for chunk in members])
        for chunk_codes, chunk, start, end in zip(codes, members, bounds[:-1], bounds[1:], strict=True):
            chunk_codes[chunk] = bucket_codes[start:end]
        assigned += len(encoded.dictionary)
        ids.append(encoded.dictionary)
    return np.concatenate(codes), pd.Index(pa.chunked_array(ids, type=common).to_pandas())  # the groups not copied


def _arrow_parts(index: pd.Index) -> list[pa.Array]:
    """The ids as Arrow arrays, without copying them: a merged index is held as one array per hash group."""
    values = pa.array(pd.Series(index, copy=False))
    return values.chunks if isinstance(values, pa.ChunkedArray) else [values]


def _buckets(arrays: list[pa.Array]) -> list[np.ndarray]:
    """A group of each value, from a hash of it (strings) or of its bits (numbers), in ``[0, UNION_BUCKETS)``."""
    if sum(len(values) for values in arrays) <= UNION_BUCKET_ABOVE:
        return [np.zeros(len(values), dtype=np.int8) for values in arrays]
    return [(_hashes(values) >> np.uint64(64 - UNION_BUCKET_BITS)).astype(np.int8) for values in arrays]


def _hashes(values: pa.Array) -> np.ndarray:
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        step = 1_000_000  # hashed a million at a time: the hash's own buffers stay small
        return np.concatenate(
            [hash_strings(values.slice(at, step)) for at in range(0, len(values), step)] or [np.zeros(0, np.uint64)]
        )
    return pd.util.hash_array(values.to_numpy(zero_copy_only=False))


def _union_pandas(indexes: list[pd.Index]) -> tuple[np.ndarray, pd.Index]:
    codes, ids = pd.factorize(pd.concat([pd.Series(index) for index in indexes], ignore_index=True))
    return codes.astype(CODE), pd.Index(ids)


def _recode(mapping: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """``mapping[code]`` for codes >= 0, -1 for missing ones (code -1)."""
    return np.append(mapping, -1).astype(CODE)[codes]


def _merged_gold(chunks: list[BatchStatistics], items: _Union, vocab: _Union) -> np.ndarray:
    """The gold label code of every merged item, each chunk's written into one array in place."""
    gold = np.full(len(items.ids), -1, dtype=CODE)
    for index, chunk in enumerate(chunks):
        known = chunk.gold >= 0
        targets, labels = items[index][known], vocab[index][chunk.gold[known]]
        earlier = gold[targets]
        if ((earlier >= 0) & (earlier != labels)).any():
            raise ValueError("chunks carry different gold labels for the same item")
        gold[targets] = labels
    return gold


def _check_options(labels, level) -> tuple[str, ...] | None:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    if labels is None:
        return None
    names = tuple(str(name) for name in labels)
    if len(set(names)) != len(names):
        raise ValueError("the label set lists a label twice")
    return names


def _require(frame: pd.DataFrame, columns, what: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"{what} rows lack column(s): {', '.join(missing)}")


def _factorize(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes and distinct values; missing values and empty strings get code -1."""
    codes, uniques = pd.factorize(values)
    uniques = pd.Index(uniques)
    empty = np.flatnonzero(np.asarray(uniques == "", dtype=bool))
    if empty.size:
        mapping = np.arange(len(uniques))
        mapping[empty] = -1
        codes = _recode(mapping, codes)
    return codes.astype(CODE), uniques


def _optional_labels(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, pd.Index]:
    if column not in frame.columns:
        return np.full(len(frame), -1, dtype=CODE), pd.Index([])
    return _factorize(frame[column])


def _into(vocab: pd.Index, codes: np.ndarray, names: pd.Index) -> np.ndarray:
    mapping = vocab.get_indexer([str(name) for name in names]).astype(CODE)
    return _recode(mapping, codes)


def _queues(frame: pd.DataFrame) -> np.ndarray:
    """0 for no queue, 1 pre-labeled, 2 full annotation."""
    if "queue" not in frame.columns:
        return np.zeros(len(frame), dtype=np.int8)
    codes, names = _factorize(frame["queue"])
    unknown = sorted(set(map(str, names)) - set(QUEUES) - {""})
    if unknown:
        raise ValueError(f"unknown queue value(s): {', '.join(map(repr, unknown))}; use prelabeled or full")
    mapping = np.array([QUEUES.index(str(name)) + 1 if str(name) in QUEUES else 0 for name in names])
    return np.append(mapping, 0).astype(np.int8)[codes]


def _check_labels(label_set: tuple[str, ...] | None, vocab: pd.Index, codes: np.ndarray) -> None:
    """Reject labels (of ratings or of the gold set) outside a given label set; pre-labels may be anything."""
    if label_set is None:
        return
    used = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=len(vocab)))
    unknown = sorted(set(vocab[used]) - set(label_set))
    if unknown:
        raise ValueError(f"labels not in the label set: {', '.join(map(repr, unknown[:10]))}")


def _gold_per_item(gold_items: np.ndarray, gold_label: np.ndarray, n_items: int) -> np.ndarray:
    """Gold label code of every item id (-1 without one); conflicting duplicates are refused."""
    known = (gold_items >= 0) & (gold_label >= 0)
    items, labels = gold_items[known], gold_label[known]
    gold = np.full(n_items, -1, dtype=CODE)
    gold[items] = labels
    if (gold[items] != labels).any():
        raise ValueError("the gold set gives one item two different labels")
    return gold
