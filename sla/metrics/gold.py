"""Accuracy against a gold set: accuracy, per-label precision/recall/F1, macro-F1, kappa vs gold.

Every annotation of an item that has a gold label is one observation (gold, annotated);
they form the confusion matrix ``C`` (rows gold, columns annotated), so ``n`` counts
annotations, not items.

- accuracy ``trace(C) / n`` with its Wilson interval;
- per label: precision ``tp / (tp + fp)`` and recall ``tp / (tp + fn)``, null when their
  denominator is 0, F1 ``2tp / (2tp + fp + fn)``, support ``tp + fn`` (scikit-learn's
  ``precision_recall_fscore_support``);
- macro-F1: mean F1 over the labels present in the gold or the annotations (scikit-learn's
  ``f1_score(average="macro")``), interval from a seeded bootstrap over gold items (1,000
  replicates, multinomial over (item pattern, gold label) groups, hence chunk-invariant);
- kappa against gold: Cohen's kappa of ``C`` with the Fleiss-Cohen-Everitt interval
  (``cohen.py``), scikit-learn's ``cohen_kappa_score(gold, annotated)``;
- gold support of a figure: how many distinct gold items it rests on, and their effective
  number ``(sum c)^2 / sum c^2`` (Kish) over the annotations ``c`` each item contributes.
  The effective number equals the distinct count when every item weighs the same, and
  falls towards 1 when one item dominates (one gold item rated a thousand times), which is
  what the vendor-visibility rule (``sla/visibility.py``) must see.
"""

from __future__ import annotations

import numpy as np

from .cohen import table_kappa
from .grouping import group
from .measures import measure, percentile_interval, proportion, undefined
from .patterns import Patterns

REPLICATES = 1000
NO_GOLD_ITEMS = "no annotated item has a gold label"


def confusion(gold_of_row: np.ndarray, label: np.ndarray, q: int) -> np.ndarray:
    """Gold-by-annotated counts over rows whose item has a gold label (gold >= 0)."""
    scored = gold_of_row >= 0
    cells = gold_of_row[scored] * q + label[scored]
    return np.bincount(cells, minlength=q * q).reshape(q, q)


def gold_support(item: np.ndarray, gold_of_row: np.ndarray, group: np.ndarray, n_groups: int):
    """Per group (annotator, label, or 0 for a whole scope): distinct gold items its rows rate, and their
    effective number; rows with ``gold_of_row < 0`` (no gold) or ``group < 0`` do not count."""
    kept = (gold_of_row >= 0) & (group >= 0)
    n_items = int(item.max(initial=0)) + 1
    cells, counts = np.unique(group[kept].astype(np.int64) * n_items + item[kept], return_counts=True)
    owner = cells // n_items
    distinct = np.bincount(owner, minlength=n_groups)
    total = np.bincount(owner, weights=counts, minlength=n_groups)
    squares = np.bincount(owner, weights=counts.astype(float) ** 2, minlength=n_groups)
    effective = np.divide(total**2, squares, out=np.zeros(n_groups), where=squares > 0)
    return distinct, effective


def accuracy(table: np.ndarray) -> dict:
    """Share of annotations equal to the gold label, with its Wilson interval."""
    return proportion(float(np.trace(table)), int(table.sum()), NO_GOLD_ITEMS)


def kappa_vs_gold(table: np.ndarray) -> dict:
    """Cohen's kappa of the confusion matrix, as one annotator pair against gold."""
    if table.sum() == 0:
        return undefined(0, NO_GOLD_ITEMS)
    return table_kappa(table)


def per_label(table: np.ndarray, names: tuple[str, ...]) -> list[dict]:
    """Precision, recall, F1 and support of every label of the label set."""
    tp = np.diag(table).astype(float)
    predicted = table.sum(axis=0).astype(float)
    support = table.sum(axis=1)
    rows = []
    for index, name in enumerate(names):
        denominator = support[index] + predicted[index]
        rows.append(
            {
                "label": name,
                "precision": _ratio(tp[index], predicted[index]),
                "recall": _ratio(tp[index], support[index]),
                "f1": _ratio(2 * tp[index], denominator),
                "support": int(support[index]),
            }
        )
    return rows


def _ratio(numerator: float, denominator: float) -> float | None:
    return float(numerator / denominator) if denominator else None


def macro_f1(table: np.ndarray, gold_patterns: tuple[np.ndarray, np.ndarray, np.ndarray], rng) -> dict:
    """Macro-F1 with its item bootstrap interval; ``gold_patterns`` from ``gold_groups``."""
    n = int(table.sum())
    if n == 0:
        return undefined(0, NO_GOLD_ITEMS)
    value = _macro(np.diag(table)[None, :], table.sum(axis=1)[None, :], table.sum(axis=0)[None, :])[0]
    counts, gold, weights = gold_patterns
    draws = rng.multinomial(int(weights.sum()), weights / weights.sum(), size=REPLICATES)
    onehot = np.eye(table.shape[0])[gold]
    tp = draws @ (counts * onehot)
    support = draws @ (counts.sum(axis=1)[:, None] * onehot)
    predicted = draws @ counts
    return measure(value, percentile_interval(_macro(tp, support, predicted)), n)


def _macro(tp: np.ndarray, support: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Macro-F1 of each row; labels absent from both gold and annotations are left out."""
    denominator = (support + predicted).astype(float)
    present = denominator > 0
    f1 = np.divide(2.0 * tp, denominator, out=np.zeros_like(denominator), where=present)
    return f1.sum(axis=1) / present.sum(axis=1)


def gold_groups(patterns: Patterns, item_gold: np.ndarray, q: int):
    """Gold items grouped by (count pattern, gold label): counts, gold label, weights."""
    scored = (item_gold >= 0) & (patterns.of_item >= 0)
    keys = patterns.of_item[scored] * q + item_gold[scored]
    unique, _, weights = group(keys, patterns.counts.shape[0] * q)
    return patterns.counts[unique // q], unique % q, weights
