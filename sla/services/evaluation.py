"""Evaluate a stored batch: its metrics document from the engine in ``sla/metrics``.

The engine works on mergeable statistics, so the rows are read back from the database
in chunks (bounded memory) and merged; the result is the same as one pass over the
whole batch. The SLA check that turns metrics into findings and a verdict builds on
this (issue 6).
"""

import pandas as pd
from django.db import transaction
from django.utils import timezone

from sla import selectors
from sla.constants import BatchStatus
from sla.metrics import BatchStatistics, merge_statistics
from sla.models import Annotation, Batch, GoldLabel

READ_CHUNK_ROWS = 500_000
METRIC_COLUMNS = ["item_id", "annotator_id", "label", "queue", "prelabel"]


def gold_frame(*, batch: Batch) -> pd.DataFrame | None:
    """The current gold labels of the batch's task type, or None when it has no gold set."""
    gold_set = selectors.gold_set_current(task_type=batch.task_type)
    if gold_set is None:
        return None
    rows = GoldLabel.objects.filter(gold_set=gold_set).values_list("item_id", "label")
    return pd.DataFrame.from_records(list(rows), columns=["item_id", "label"])


def batch_statistics(*, batch: Batch) -> BatchStatistics:
    """The batch's statistics, read from its stored rows chunk by chunk and merged."""
    gold = gold_frame(batch=batch)
    chunks = [chunk_statistics(batch, frame, gold) for frame in _annotation_frames(batch)]
    if not chunks:
        chunks = [chunk_statistics(batch, pd.DataFrame(columns=METRIC_COLUMNS, dtype=object), gold)]
    return merge_statistics(chunks)


def chunk_statistics(batch: Batch, frame: pd.DataFrame, gold: pd.DataFrame | None) -> BatchStatistics:
    """The engine's statistics of some of the batch's rows (stored rows keep "" for none)."""
    frame = frame[METRIC_COLUMNS].replace({"queue": {"": None}, "prelabel": {"": None}})
    return BatchStatistics.from_frame(frame, labels=batch.task_type.labels, level=batch.task_type.scale, gold=gold)


def _annotation_frames(batch: Batch):
    last_row = 0
    while True:
        rows = list(
            Annotation.objects.filter(batch=batch, row__gt=last_row)
            .order_by("row")
            .values_list("row", *METRIC_COLUMNS)[:READ_CHUNK_ROWS]
        )
        if not rows:
            return
        last_row = rows[-1][0]
        yield pd.DataFrame.from_records(rows, columns=["row", *METRIC_COLUMNS]).drop(columns="row")


@transaction.atomic
def batch_evaluate(*, batch: Batch, statistics: BatchStatistics | None = None) -> Batch:
    """Compute and keep the batch's metrics; the batch is then ``evaluated``."""
    statistics = statistics if statistics is not None else batch_statistics(batch=batch)
    document = statistics.document(claimed_accuracy=batch.claimed_accuracy, seed=batch.pk)
    batch.metrics = document
    batch.items = document["items"]
    batch.annotators = document["annotators"]
    batch.status = BatchStatus.EVALUATED
    batch.processed_at = timezone.now()
    batch.save(update_fields=["metrics", "items", "annotators", "status", "processed_at", "rows", "format"])
    return batch
