"""Builders shared by the metrics tests: rating matrices to canonical rows and back.

A rating matrix has one row per item and one column per annotator; ``None`` is a missing
rating. The engine reads canonical rows (``item_id, annotator_id, label``); the reference
libraries read matrices (irrCAC, krippendorff) or count tables (statsmodels).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, settings

# Deterministic, modest property runs: the same examples on every machine and in CI.
PROPERTY = settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

TOLERANCE = 1e-9


def frame_from_matrix(matrix, *, items=None, annotators=None) -> pd.DataFrame:
    """Canonical rows of a rating matrix (labels as strings)."""
    rows = [
        (items[i] if items else f"u{i:03d}", annotators[j] if annotators else f"r{j:02d}", str(value))
        for i, ratings in enumerate(matrix)
        for j, value in enumerate(ratings)
        if value is not None
    ]
    return pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])


def value_counts(matrix, categories) -> np.ndarray:
    """Items x categories counts of a rating matrix."""
    index = {category: k for k, category in enumerate(categories)}
    counts = np.zeros((len(matrix), len(categories)), dtype=int)
    for i, ratings in enumerate(matrix):
        for value in ratings:
            if value is not None:
                counts[i, index[value]] += 1
    return counts


def wide_frame(matrix) -> pd.DataFrame:
    """Items x annotators frame with NaN for missing ratings (irrCAC's input)."""
    return pd.DataFrame([[np.nan if value is None else value for value in row] for row in matrix], dtype=float)


def close(a, b, tolerance: float = TOLERANCE) -> bool:
    return abs(a - b) <= tolerance


def assert_interval(ci, low, high, tolerance: float = TOLERANCE) -> None:
    assert ci is not None
    assert close(ci[0], low, tolerance), (ci, low, high)
    assert close(ci[1], high, tolerance), (ci, low, high)


def random_delivery(seed: int, *, items: int = 60, annotators: int = 6, q: int = 4, max_ratings: int = 4):
    """A small delivery with everything the engine reads: queues, pre-labels and gold.

    Items get 1 to ``max_ratings`` ratings from distinct annotators; about 60% are in the
    pre-labeled queue with a pre-label that is wrong 20% of the time; half the items have
    a gold label. Returns ``(frame, gold, labels)``.
    """
    rng = np.random.default_rng(seed)
    labels = [f"L{k}" for k in range(q)]
    truth = rng.integers(0, q, items)
    prelabeled = rng.random(items) < 0.6
    prelabel = np.where(rng.random(items) < 0.2, (truth + 1) % q, truth)
    rows = []
    for i in range(items):
        count = int(rng.integers(1, min(max_ratings, annotators) + 1))
        for annotator in rng.choice(annotators, size=count, replace=False):
            right = rng.random() < 0.75
            kept = prelabeled[i] and rng.random() < 0.3
            value = prelabel[i] if kept else truth[i] if right else rng.integers(0, q)
            rows.append(
                (
                    f"item-{i:04d}",
                    f"ann-{annotator:02d}",
                    labels[value],
                    "prelabeled" if prelabeled[i] else "full",
                    labels[prelabel[i]] if prelabeled[i] else None,
                )
            )
    frame = pd.DataFrame(rows, columns=["item_id", "annotator_id", "label", "queue", "prelabel"])
    with_gold = np.flatnonzero(rng.random(items) < 0.5)
    gold = pd.DataFrame(
        {"item_id": [f"item-{i:04d}" for i in with_gold], "label": [labels[truth[i]] for i in with_gold]}
    )
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True), gold, labels
