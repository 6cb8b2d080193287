"""Assemble the metrics document of API.md from encoded batch statistics.

The document is plain JSON data (floats, ints, None, lists, dicts; never NaN or numpy
types). Its measures are computed for the whole batch and, separately, for each queue,
because a vendor's headline accuracy often covers only the easy pre-labeled queue:

- whole batch: overlap, annotations per item, every agreement coefficient and the pairs
  behind Cohen's kappa, accuracy against gold with per-label figures, macro-F1, kappa vs
  gold and the confusion matrix, per-annotator accuracy and leave-one-out agreement,
  pre-annotation anchoring, error concentration, label prevalence, warnings and notes;
- each queue (``prelabeled``, ``full``): the same agreement, accuracy and reading aids on
  its own rows, and the gap between a claimed accuracy and the queue's measured accuracy.

Canonical forms used throughout, so chunked and whole batches agree exactly: labels by
their position in the label set, annotators by the sorted order of their ids, bootstrap
streams seeded by ``(seed, scope, measure)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import aids, gold
from .alpha import REPLICATES, krippendorff_alpha
from .anchoring import anchoring, error_concentration
from .annotators import by_annotator, leave_one_out
from .cohen import MIN_SHARED_ITEMS, batch_kappa, included_pairs, pair_kappas, pair_measure, pair_observations
from .gwet import chance_corrected
from .labels import LabelSet, order_labels
from .measures import undefined
from .patterns import item_patterns

if TYPE_CHECKING:
    from .statistics import BatchStatistics

WEIGHTINGS = ("linear", "quadratic")


class _Batch:
    """The batch's rows recoded to the canonical label set and annotator order.

    Rows are grouped by queue (row order never changes a figure), so each queue's rows
    are one contiguous slice. Codes stay 32-bit (a 10-million-row batch's copies are 40 MB
    each, not 80); every key built as a product of codes casts to 64 bits first.
    """

    def __init__(self, stats: BatchStatistics):
        vocab = [str(name) for name in stats.vocab]
        self.labels = _label_set(stats, vocab)
        position = {name: index for index, name in enumerate(self.labels.names)}
        to_label = np.array([position.get(name, -2) for name in vocab], dtype=np.int32)
        used = np.flatnonzero(np.bincount(stats.annotator, minlength=len(stats.annotator_ids)))
        names = [str(stats.annotator_ids[index]) for index in used]
        order = sorted(range(len(names)), key=names.__getitem__)
        rank = np.full(len(stats.annotator_ids), -1, dtype=np.int32)
        rank[used[order]] = np.arange(len(order))
        self.annotator_names = [names[index] for index in order]
        by_queue = np.argsort(stats.queue, kind="stable")
        self.queue_bounds = np.searchsorted(stats.queue[by_queue], np.arange(len(stats.queues) + 2))
        self.item = stats.item[by_queue]
        self.annotator = rank[stats.annotator[by_queue]]
        self.label = to_label[stats.label[by_queue]]
        missing = np.append(to_label, np.int32(-1))
        self.prelabel = missing[stats.prelabel[by_queue]]
        self.item_gold = missing[stats.gold]
        self.n_items = len(stats.item_ids)
        self.has_gold = stats.has_gold
        self.has_prelabel = bool((stats.prelabel >= 0).any())

    @property
    def q(self) -> int:
        return self.labels.size


def _label_set(stats: BatchStatistics, vocab: list[str]) -> LabelSet:
    if stats.label_set is not None:
        return LabelSet(stats.label_set, stats.level, given=True)
    used = np.flatnonzero(
        np.bincount(stats.label, minlength=len(vocab)) + np.bincount(stats.gold[stats.gold >= 0], minlength=len(vocab))
    )
    return LabelSet(tuple(order_labels(vocab[index] for index in used)), stats.level, given=False)


class _Scope:
    """The measures of one set of rows: the whole batch or one queue."""

    def __init__(self, batch: _Batch, rows: slice, stream: int, seed: int):
        self.batch = batch
        self.item = batch.item[rows]
        self.annotator = batch.annotator[rows]
        self.label = batch.label[rows]
        self.prelabel = batch.prelabel[rows]
        self.gold_of_row = batch.item_gold[self.item]
        self.stream = stream
        self.seed = seed
        self.per_item = np.bincount(self.item, minlength=batch.n_items)
        self.patterns = item_patterns(self.item, self.label, self.per_item, batch.q)
        self.annotators = int(np.count_nonzero(np.bincount(self.annotator, minlength=len(batch.annotator_names))))
        self.pairs = pair_observations(
            self.item, self.annotator, self.label, self.per_item, len(batch.annotator_names), batch.q
        )
        self.kappas = {"cohen_kappa": pair_kappas(self.pairs, batch.q, np.eye(batch.q))}
        for kind in WEIGHTINGS:
            weights = batch.labels.kappa_weights(kind)
            if weights is not None:
                self.kappas[f"weighted_kappa_{kind}"] = pair_kappas(self.pairs, batch.q, weights)
        self.table = gold.confusion(self.gold_of_row, self.label, batch.q)

    def rng(self, measure: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, self.stream, measure])

    def multi_items(self) -> int:
        return int(self.patterns.weights[self.patterns.sizes >= 2].sum())

    def summary(self) -> dict:
        items = self.patterns.items
        return {
            "rows": int(self.item.size),
            "items": items,
            "annotators": self.annotators,
            "overlap_rate": self.multi_items() / items if items else None,
            "annotations_per_item": self.annotations_per_item(),
        }

    def annotations_per_item(self) -> dict:
        sizes, weights = self.patterns.sizes, self.patterns.weights
        counts = np.bincount(sizes, weights=weights).astype(np.int64)
        return {
            "mean": float(self.item.size / weights.sum()) if weights.size else None,
            "max": int(sizes.max(initial=0)),
            "distribution": [{"annotations": int(size), "items": int(counts[size])} for size in np.flatnonzero(counts)],
        }

    def agreement(self, pairwise: bool) -> dict:
        labels = self.batch.labels
        result = chance_corrected(self.patterns, labels.size)
        result["krippendorff_alpha"] = krippendorff_alpha(self.patterns, labels, self.rng(0))
        for name in ("cohen_kappa", *(f"weighted_kappa_{kind}" for kind in WEIGHTINGS)):
            kappas = self.kappas.get(name)
            result[name] = (
                batch_kappa(self.pairs, kappas, self.annotators)
                if kappas is not None
                else undefined(0, labels.describe_scores() or "the label scores do not vary")
            )
        ordered = {key: result[key] for key in _AGREEMENT_ORDER}
        if pairwise:
            ordered["pairwise"] = self.pairwise()
        return ordered

    def pairwise(self) -> list[dict]:
        plain = self.kappas["cohen_kappa"]
        listed = np.arange(self.pairs.n_pairs) if self.annotators == 2 else np.flatnonzero(plain.n >= MIN_SHARED_ITEMS)
        names = self.batch.annotator_names
        return [
            {
                "annotators": [names[self.pairs.first[index]], names[self.pairs.second[index]]],
                **{name: pair_measure(kappas, index) for name, kappas in self.kappas.items()},
            }
            for index in listed.tolist()
        ]

    def accuracy(self) -> dict:
        if not self.batch.has_gold:
            return {
                "accuracy": None,
                "macro_f1": None,
                "kappa_vs_gold": None,
                "gold_items": None,
                "gold_items_effective": None,
            }
        groups = gold.gold_groups(self.patterns, self.batch.item_gold, self.batch.q)
        distinct, effective = self.gold_support(np.zeros(self.item.size, dtype=np.int64), 1)
        return {
            "accuracy": gold.accuracy(self.table),
            "macro_f1": gold.macro_f1(self.table, groups, self.rng(1)),
            "kappa_vs_gold": gold.kappa_vs_gold(self.table),
            "gold_items": int(distinct[0]),
            "gold_items_effective": _effective(effective[0]),
        }

    def gold_support(self, group: np.ndarray, n_groups: int):
        return gold.gold_support(self.item, self.gold_of_row, group, n_groups)

    def by_label(self) -> list[dict]:
        """Per label precision, recall and F1, with the gold items each side rests on.

        Recall rests on the gold items of that gold label, precision on the gold items
        annotated with it; ``gold_items_effective`` is the smaller of the two.
        """
        q = self.batch.q
        rows = gold.per_label(self.table, self.batch.labels.names)
        distinct, by_gold = self.gold_support(self.gold_of_row, q)
        _, by_given = self.gold_support(np.where(self.gold_of_row >= 0, self.label, -1), q)
        for index, row in enumerate(rows):
            row["gold_items"] = int(distinct[index])
            row["gold_items_effective"] = _effective(min(by_gold[index], by_given[index]))
        return rows

    def reading_aids(self) -> dict:
        shares = aids.prevalence(self.label, self.batch.labels.names)
        gold_items = int(((self.batch.item_gold >= 0) & (self.per_item > 0)).sum()) if self.batch.has_gold else None
        singles = int(self.patterns.weights[self.patterns.sizes == 1].sum())
        return {
            "prevalence": shares,
            "warnings": aids.data_warnings(shares, self.multi_items(), singles, gold_items, self.pairs.duplicates),
        }

    def by_annotator(self) -> list[dict]:
        multi = self.per_item[self.item] >= 2
        clear = np.zeros(self.item.size, dtype=bool)
        agrees = np.zeros(self.item.size, dtype=bool)
        clear[multi], agrees[multi] = leave_one_out(self.patterns, self.item[multi], self.label[multi], self.batch.q)
        entries = by_annotator(
            self.batch.annotator_names,
            self.batch.labels.names,
            self.annotator,
            self.label,
            self.gold_of_row,
            (clear, agrees),
            self.batch.q,
            self.batch.has_gold,
        )
        if self.batch.has_gold:
            distinct, effective = self.gold_support(self.annotator, len(entries))
            for index, entry in enumerate(entries):
                entry["gold_items"] = int(distinct[index])
                entry["gold_items_effective"] = _effective(effective[index])
        return entries


_AGREEMENT_ORDER = (
    "percent_agreement",
    "cohen_kappa",
    "fleiss_kappa",
    "krippendorff_alpha",
    "gwet_ac1",
    "scott_pi",
    "weighted_kappa_linear",
    "weighted_kappa_quadratic",
)


def build_document(stats: BatchStatistics, *, claimed_accuracy: float | None, seed: int) -> dict:
    """The metrics document; ``claimed_accuracy`` is the vendor's claim in [0, 1]."""
    _check(claimed_accuracy, seed)
    batch = _Batch(stats)
    # The queues first, each scope let go before the next: one scope's arrays are held at a time.
    by_queue = {
        name: _queue_section(batch, code, seed, claimed_accuracy) for code, name in enumerate(stats.queues, start=1)
    }
    whole = _Scope(batch, slice(None), 0, seed)
    accuracy = whole.accuracy()
    document = {
        "rows": stats.rows,
        "rows_without_rating": stats.rows - int(batch.item.size),
        **whole.summary(),
        "level": batch.labels.level,
        "labels": list(batch.labels.names),
        "agreement": whole.agreement(pairwise=True),
        **accuracy,
        "claimed_accuracy": claimed_accuracy,
        "claimed_accuracy_gap": _gap(claimed_accuracy, accuracy["accuracy"]),
        "by_queue": by_queue,
        "by_annotator": whole.by_annotator(),
        "by_label": whole.by_label() if batch.has_gold else [],
        "confusion_matrix": _confusion(whole, batch),
        "anchoring": _anchoring(whole, batch),
        "error_concentration": _concentration(whole, batch),
        **whole.reading_aids(),
    }
    document["notes"] = _notes(batch, whole, seed)
    return document


def _queue_section(batch: _Batch, code: int, seed: int, claimed: float | None) -> dict:
    scope = _Scope(batch, slice(*batch.queue_bounds[code : code + 2]), code, seed)
    accuracy = scope.accuracy()
    section = {
        **scope.summary(),
        "agreement": scope.agreement(pairwise=False),
        **accuracy,
        "claimed_accuracy_gap": _gap(claimed, accuracy["accuracy"]),
        **scope.reading_aids(),
    }
    if not scope.item.size:
        section["note"] = "no rated row is in this queue"
    return section


def _effective(value: float) -> float:
    """An effective item count, rounded so chunked and whole batches store the same number."""
    return round(float(value), 6)


def _gap(claimed: float | None, measured: dict | None) -> float | None:
    if claimed is None or measured is None or measured["value"] is None:
        return None
    return float(claimed - measured["value"])


def _confusion(whole: _Scope, batch: _Batch) -> dict | None:
    if not batch.has_gold:
        return None
    return {"labels": list(batch.labels.names), "rows": "gold", "columns": "annotated", "counts": whole.table.tolist()}


def _anchoring(whole: _Scope, batch: _Batch) -> dict | None:
    if not (batch.has_gold and batch.has_prelabel):
        return None
    return anchoring(whole.label, whole.prelabel, whole.gold_of_row)


def _concentration(whole: _Scope, batch: _Batch) -> dict | None:
    if not batch.has_gold or whole.table.sum() == 0:
        return None
    return error_concentration(whole.table, batch.labels.names)


def _check(claimed_accuracy: float | None, seed: int) -> None:
    if claimed_accuracy is not None and not 0.0 <= claimed_accuracy <= 1.0:
        raise ValueError("claimed_accuracy is a proportion between 0 and 1")
    if not isinstance(seed, int) or seed < 0:
        raise ValueError("seed must be a non-negative integer")


def _notes(batch: _Batch, whole: _Scope, seed: int) -> list[str]:
    labels = batch.labels
    notes = [
        "Coefficients are pooled over the batch: one value from all its items, not a mean of "
        "per-item or per-annotator values.",
        "percent_agreement, fleiss_kappa, scott_pi and gwet_ac1 follow Gwet (2014) with missing "
        "ratings, as irrCAC: observed agreement over items with two or more ratings, chance "
        "agreement from every rated item; scott_pi is the many-rater Scott's pi that Fleiss (1971) "
        "generalised, so it equals fleiss_kappa.",
        f"krippendorff_alpha at the {labels.level} level (Krippendorff 2011): items with a single "
        f"rating are unpairable; its interval is a percentile bootstrap over items, {REPLICATES} "
        f"replicates, seed {seed}.",
        _cohen_note(whole),
        "Intervals: Wilson for proportions; Fleiss-Cohen-Everitt (1969) for Cohen's kappa; Gwet "
        "(2014) t-interval for Fleiss' kappa, Scott's pi and AC1; bootstrap otherwise. Upper bounds "
        "of coefficients are capped at 1; nothing else is clipped.",
        "Per-annotator agreement is leave-one-out: each rating against the majority label of the "
        "other annotators of the item; ratings whose other annotators tie are not counted.",
        "Label set: "
        + (
            "the task type's ordered labels."
            if labels.given
            else "the distinct labels of the annotations and gold, sorted (numerically when all are numbers)."
        ),
    ]
    if batch.has_gold:
        notes.append(
            "accuracy, macro_f1 and kappa_vs_gold count annotations of gold items (n); macro_f1's "
            "interval is a bootstrap over gold items."
        )
    if labels.level == "ordinal" and not labels.given and labels.values is None:
        notes.append("The ordinal order was taken from the sorted label names; pass the task type's labels.")
    return notes


def _cohen_note(whole: _Scope) -> str:
    if whole.annotators == 2:
        return "cohen_kappa is Cohen's kappa between the batch's two annotators."
    plain = whole.kappas["cohen_kappa"]
    used = included_pairs(plain).size
    return (
        f"cohen_kappa is Light's mean of Cohen's kappa over {used} annotator pairs that share at least "
        f"{MIN_SHARED_ITEMS} items; {whole.pairs.n_pairs - used} other pairs share fewer items or have an "
        "undefined kappa and are left out. Its interval uses the delta-method variance clustered by item."
    )
