"""Per-annotator accuracy, agreement with peers, and which wrong labels each one produced.

- accuracy: the annotator's correct share of their annotations on gold items (Wilson);
- agreement: leave-one-out. For each rating on an item with two or more ratings, the
  other annotators' labels are counted without it; the rating agrees when it equals their
  most frequent label. Where the others tie (for example the two others of a
  triple-annotated item disagree) there is no majority to compare with, and the rating is
  left out, so ``n`` counts only ratings that had a clear majority of others. An
  annotator's own vote never enters the majority they are compared with.
- wrong labels: (gold, annotated) counts of their errors, most frequent first, to trace
  who produced which wrong label.

The leave-one-out outcome depends only on (item count pattern, own label), so it is
computed once per distinct combination and looked up per rating.
"""

from __future__ import annotations

import numpy as np

from .grouping import group
from .measures import proportion
from .patterns import Patterns

NO_GOLD = "no annotation on a gold item"
NO_MAJORITY = "no rating on an item where the other annotators have a clear majority label"


def leave_one_out(patterns: Patterns, item: np.ndarray, label: np.ndarray, q: int):
    """Per rating: (has a clear majority of others, agrees with it)."""
    keys = patterns.of_item[item] * q + label
    combos, combo_of_rating, _ = group(keys, patterns.counts.shape[0] * q)
    own = combos % q
    others = patterns.counts[combos // q].copy()
    others[np.arange(combos.size), own] -= 1
    top = others.max(axis=1, initial=0)
    clear = (top > 0) & ((others == top[:, None]).sum(axis=1) == 1)
    agrees = clear & (others[np.arange(combos.size), own] == top)
    return clear[combo_of_rating], agrees[combo_of_rating]


def by_annotator(
    names: list[str],
    label_names: tuple[str, ...],
    annotator: np.ndarray,
    label: np.ndarray,
    gold_of_row: np.ndarray,
    loo: tuple[np.ndarray, np.ndarray],
    q: int,
    report_gold: bool,
) -> list[dict]:
    """One entry per annotator, in annotator id order."""
    k = len(names)
    rows = np.bincount(annotator, minlength=k)
    scored = gold_of_row >= 0
    correct = scored & (gold_of_row == label)
    scored_n = np.bincount(annotator[scored], minlength=k)
    correct_n = np.bincount(annotator[correct], minlength=k)
    clear, agrees = loo
    clear_n = np.bincount(annotator[clear], minlength=k)
    agree_n = np.bincount(annotator[agrees], minlength=k)
    wrong = _wrong_labels(annotator, label, gold_of_row, scored & ~correct, label_names)
    entries = []
    for index, name in enumerate(names):
        entry = {
            "annotator": name,
            "rows": int(rows[index]),
            "accuracy": proportion(float(correct_n[index]), int(scored_n[index]), NO_GOLD) if report_gold else None,
            "agreement": proportion(float(agree_n[index]), int(clear_n[index]), NO_MAJORITY),
        }
        if report_gold:
            entry["wrong_labels"] = wrong.get(index, [])
        entries.append(entry)
    return entries


def _wrong_labels(annotator, label, gold_of_row, wrong, label_names) -> dict[int, list[dict]]:
    q = len(label_names)
    keys = (annotator[wrong].astype(np.int64) * q + gold_of_row[wrong]) * q + label[wrong]
    cells, _, counts = group(keys, (int(annotator.max(initial=0)) + 1) * q * q)
    order = np.lexsort((cells, -counts, cells // (q * q)))
    grouped: dict[int, list] = {}
    for cell, count in zip(cells[order].tolist(), counts[order].tolist(), strict=True):
        grouped.setdefault(cell // (q * q), []).append(
            {"gold": label_names[(cell // q) % q], "label": label_names[cell % q], "count": count}
        )
    return grouped
