"""The metrics engine: agreement, accuracy and their confidence intervals, exact and fast.

Pure numpy/scipy/pandas, no Django: it is imported by the batch services, the Celery
tasks and the ``batch_metrics`` command, and tested without a database.

Public interface (API.md, "The metrics document"):

- ``compute_metrics(frame, *, level, labels, gold, claimed_accuracy, seed) -> dict``: the
  metrics document of one batch of canonical rows ``item_id, annotator_id, label`` (and
  optional ``queue``, ``prelabel``).
- ``BatchStatistics.from_frame(frame, *, labels, level, gold)``, ``a.merge(b)``,
  ``merge_statistics([...])`` and ``stats.document(claimed_accuracy=..., seed=...)``: the
  same document from chunks encoded separately (on several workers) and merged; the
  result equals ``compute_metrics`` on the whole batch exactly.

Formulas and their sources are in each module: ``gwet`` (percent agreement, Fleiss,
Scott, AC1), ``alpha`` (Krippendorff), ``cohen`` (Cohen, weighted, Light), ``gold``
(accuracy, F1, kappa vs gold), ``annotators``, ``anchoring``, ``aids`` (prevalence,
warnings), ``measures`` (intervals).
"""

from __future__ import annotations

import pandas as pd

from .labels import LEVELS
from .statistics import BatchStatistics, merge_statistics

__all__ = ["LEVELS", "BatchStatistics", "compute_metrics", "merge_statistics"]


def compute_metrics(
    frame: pd.DataFrame,
    *,
    level: str = "nominal",
    labels: list[str] | None = None,
    gold: pd.DataFrame | None = None,
    claimed_accuracy: float | None = None,
    seed: int = 0,
) -> dict:
    """The metrics document of one batch (see the module docstring and API.md)."""
    stats = BatchStatistics.from_frame(frame, labels=labels, level=level, gold=gold)
    return stats.document(claimed_accuracy=claimed_accuracy, seed=seed)
