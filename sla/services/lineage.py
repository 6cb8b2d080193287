"""Item lineage under a contract: what of a batch is new work, and what of a failed batch a remediation answers.

The rules are in ``sla.lineage_rules`` (pure); this module counts with set-based queries over
the stored rows (``item_id IN (SELECT item_id ...)``, ``COUNT(DISTINCT ...)``), so the
database does the work in one pass per question, never a Python loop over items. On
PostgreSQL each batch's rows are a partition of their own, so a question about two
batches reads those two partitions. The earlier deliveries of a contract and task type are
read in full once per check: the cost grows with the contract's history, not the batch.
"""

import pandas as pd
from django.db.models import Q, QuerySet

from sla import checks, lineage_rules
from sla.constants import BatchStatus
from sla.metrics import merge_statistics
from sla.models import Annotation, Batch, Finding
from sla.services.evaluation import METRIC_COLUMNS, chunk_statistics, gold_frame

READ_CHUNK_ROWS = 500_000
EXAMPLES = 5


def earlier_batches(*, batch: Batch) -> QuerySet[Batch]:
    """The evaluated batches of the same contract and task type delivered before ``batch``."""
    before = Q(delivered_at__lt=batch.delivered_at) | Q(delivered_at=batch.delivered_at, pk__lt=batch.pk)
    return Batch.objects.filter(
        before, contract_id=batch.contract_id, task_type_id=batch.task_type_id, status=BatchStatus.EVALUATED
    ).exclude(pk=batch.pk)


def earlier_batch_ids(*, batch: Batch) -> list[int]:
    """The ids of ``earlier_batches``, as a list for the rows' queries rather than a subquery.

    With a list PostgreSQL plans and locks only those batches' partitions of the rows and their
    indexes; with a subquery it planned every batch's, which at 5,000 batches took 19 s of
    planning and, once each partition had its item index too, more locks than PostgreSQL's
    default lock table holds ("out of shared memory", issue 20).
    """
    return list(earlier_batches(batch=batch).values_list("pk", flat=True))


def _item_ids(batches) -> QuerySet:
    """The item ids of some batches, as a subquery (``batches`` a queryset or a list of ids)."""
    return Annotation.objects.filter(batch_id__in=batches).values("item_id")


def _distinct_items(rows: QuerySet) -> int:
    return rows.values("item_id").distinct().count()


def redelivered_rows(*, batch: Batch, outside_remediation: bool = False) -> QuerySet[Annotation]:
    """Rows of ``batch`` whose item was delivered in an earlier batch (outside its remediation, if asked)."""
    rows = Annotation.objects.filter(batch=batch, item_id__in=_item_ids(earlier_batch_ids(batch=batch)))
    if outside_remediation and batch.remediates_id is not None:
        rows = rows.exclude(item_id__in=_item_ids([batch.remediates_id]))
    return rows


def batch_lineage(*, batch: Batch) -> tuple[lineage_rules.Lineage, int | None]:
    """How many of the batch's items are redelivered, how many outside a remediation, and a remediation's cover.

    Two counts at most: the failed batch is one of the earlier batches, so the items redelivered
    outside the remediation are the redelivered ones less those of the failed batch.
    """
    redelivered = _distinct_items(redelivered_rows(batch=batch))
    covered = None
    unexpected = redelivered
    if batch.remediates_id is not None:
        covered = _distinct_items(Annotation.objects.filter(batch=batch, item_id__in=_item_ids([batch.remediates_id])))
        if earlier_batches(batch=batch).filter(pk=batch.remediates_id).exists():
            unexpected = redelivered - covered
        else:
            unexpected = _distinct_items(redelivered_rows(batch=batch, outside_remediation=True))
    first_in, examples = (), ()
    if unexpected:
        unexpected_rows = redelivered_rows(batch=batch, outside_remediation=True)
        first_in = tuple(
            Annotation.objects.filter(
                batch_id__in=earlier_batch_ids(batch=batch),
                item_id__in=unexpected_rows.values("item_id"),
            )
            .values_list("batch_id", flat=True)
            .distinct()
            .order_by("batch_id")
        )
        examples = tuple(unexpected_rows.values_list("item_id", flat=True).distinct().order_by("item_id")[:EXAMPLES])
    return lineage_rules.Lineage(batch.items, redelivered, unexpected, first_in, examples), covered


def batch_lineage_record(*, batch: Batch) -> lineage_rules.Lineage:
    """Count the batch's lineage and keep it on the batch: redelivered, invoiced, and a remediation's coverage."""
    lineage, covered = batch_lineage(batch=batch)
    batch.redelivered_items, batch.invoiced_items = lineage.redelivered, lineage.invoiced
    batch.remediation_coverage = None
    if covered is not None:
        failed_items = Batch.objects.filter(pk=batch.remediates_id).values_list("items", flat=True).first()
        batch.remediation_coverage = covered / failed_items if failed_items else 0.0
    Batch.objects.filter(pk=batch.pk).update(
        redelivered_items=batch.redelivered_items,
        invoiced_items=batch.invoiced_items,
        remediation_coverage=batch.remediation_coverage,
    )
    return lineage


def remediation_coverage(*, batch: Batch, counted: list[int]) -> lineage_rules.Coverage:
    """The failed batch's items that ``batch`` delivers again, and with the ``counted`` earlier remediations.

    The failed batch's distinct items are its stored ``items``; this batch's share of them is the
    ``remediation_coverage`` its check stored, so only the union with earlier remediations is counted here.
    """
    failed_items = Batch.objects.filter(pk=batch.remediates_id).values_list("items", flat=True).first() or 0
    if batch.remediation_coverage is None:
        batch_lineage_record(batch=batch)
    covered = round(batch.remediation_coverage * failed_items)
    so_far = covered
    if counted:
        so_far = covered_items(failed_batch_id=batch.remediates_id, batches=[*counted, batch.pk])
    return lineage_rules.Coverage(failed_items, covered, so_far, batch.items - covered)


def covered_items(*, failed_batch_id: int, batches: list[int]) -> int:
    """How many of the failed batch's items ``batches`` delivered again between them."""
    if not batches:
        return 0
    return _distinct_items(Annotation.objects.filter(batch_id__in=batches, item_id__in=_item_ids([failed_batch_id])))


def missing_items(*, failed_batch_id: int, remediation_batches: list[int]) -> QuerySet:
    """Item ids of the failed batch that none of ``remediation_batches`` delivered again, sorted."""
    return (
        Annotation.objects.filter(batch_id=failed_batch_id)
        .exclude(item_id__in=_item_ids(remediation_batches))
        .values_list("item_id", flat=True)
        .distinct()
        .order_by("item_id")
    )


def extra_items(*, batch: Batch) -> QuerySet:
    """Item ids of a remediation batch that were not in the batch it remediates, sorted."""
    return (
        Annotation.objects.filter(batch=batch)
        .exclude(item_id__in=_item_ids([batch.remediates_id]))
        .values_list("item_id", flat=True)
        .distinct()
        .order_by("item_id")
    )


def metrics_on_failed_items(*, batch: Batch, extra: int) -> dict:
    """The metrics document of a remediation batch measured only on the items of the batch it remediates.

    When every item of the remediation was in the failed batch (``extra`` is 0) this is the
    batch's own document, and nothing is read again.
    """
    if extra == 0:
        return batch.metrics
    gold = gold_frame(batch=batch)
    rows = Annotation.objects.filter(batch=batch, item_id__in=_item_ids([batch.remediates_id]))
    chunks, last_row = [], 0
    while True:
        chunk = list(
            rows.filter(row__gt=last_row).order_by("row").values_list("row", *METRIC_COLUMNS)[:READ_CHUNK_ROWS]
        )
        if not chunk:
            break
        last_row = chunk[-1][0]
        frame = pd.DataFrame.from_records(chunk, columns=["row", *METRIC_COLUMNS]).drop(columns="row")
        chunks.append(chunk_statistics(batch, frame, gold))
    if not chunks:
        chunks = [chunk_statistics(batch, pd.DataFrame(columns=METRIC_COLUMNS, dtype=object), gold)]
    return merge_statistics(chunks).document(seed=batch.pk)


# Terms measured from the metrics document, and so measurable on a subset of the batch's items.
RE_MEASURED_TERMS = frozenset({"accuracy", "iaa", "overlap"})


def term_on_failed_items(*, batch: Batch, term: str, terms: checks.Terms, extra: int) -> tuple[str | None, list]:
    """The verdict of ``term`` for a remediation, on the items it shares with the failed batch, and its measures.

    Accuracy, IAA and overlap are measured again on those items. The other terms are facts
    of the delivery as a whole (its QA review sample, timeliness, escalations, routing), so
    the remediation's own current finding is taken. Several findings of one term (accuracy
    per queue) fail if one fails, are inconclusive if one is, and pass otherwise; a term not
    measured yet (a QA sample still being reviewed) gives None, and the breach waits.
    """
    if term in RE_MEASURED_TERMS:
        metrics = metrics_on_failed_items(batch=batch, extra=extra)
        found = [(f.verdict, f.measured) for f in checks.check_batch(terms, metrics, checks.Facts()) if f.term == term]
    else:
        found = list(
            Finding.objects.filter(check_run__batch=batch, check_run__is_current=True, term=term).values_list(
                "verdict", "measured"
            )
        )
    verdicts = {verdict for verdict, _ in found}
    measured = [value for _, value in found]
    if not verdicts:
        return None, measured
    for verdict in (checks.FAIL, checks.INCONCLUSIVE):
        if verdict in verdicts:
            return verdict, measured
    return checks.PASS, measured
