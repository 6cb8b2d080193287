"""Deliveries in: receive an uploaded file, then parse, validate and store its rows.

Receiving is quick and happens in the request: the file is kept immutable with its
sha256 and a Celery task is queued. Ingesting runs in the worker: the file is read in
chunks (bounded memory), each chunk validated and, while the file is still clean,
streamed into the database; the rows of an invalid file are rolled back with the
transaction, so nothing is half-stored. The task may run twice (a worker killed
mid-way is retried): a batch already finished is left alone, and one left in
``processing`` is ingested again from scratch in a new transaction.

No work is lost or stuck. Each start is counted in the database before the file is
opened, so a file that killed its worker ``INGEST_MAX_ATTEMPTS`` times is marked
``failed`` instead of killing a third (a poison message). Any exception that is not the
file's fault ends the upload ``failed`` with the reason, for a lead to retry
(``sla.services.recovery``); a storage error is first retried by the task. A task the
broker never accepted (it was down) leaves ``queued_at`` empty, and the sweep queues it.
"""

import hashlib
import logging
import tempfile
from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from sla import ingest
from sla.constants import BatchStatus, BatchVerdict, DuplicatePolicy, Scale, UploadStatus
from sla.exceptions import InvalidDelivery, UploadTooLarge
from sla.metrics import merge_statistics
from sla.models import (
    Annotation,
    Batch,
    Contract,
    GoldLabel,
    GoldSet,
    ItemContent,
    QAReview,
    QAReviewSet,
    QASample,
    TaskType,
)
from sla.services.breaches import remediation_received, remediation_resolve
from sla.services.checking import batch_check
from sla.services.evaluation import batch_evaluate, chunk_statistics, gold_frame
from sla.services.notifications import batch_probe_notify
from sla.services.sampling import qa_sample_outsiders
from sla.storage import rows_replace, rows_store, rows_store_new
from vendorscore.broker import enqueue_on_commit
from vendorscore.exceptions import DomainError
from vendorscore.files import stored_file_open

# The annotation table's columns: the canonical columns of a delivery, after its batch and row. The
# item's content (``text``) is not one: it is stored once per item (``ItemContent``).
ANNOTATION_COLUMNS = ["batch_id", "row", *(column.name for column in ingest.DELIVERY.columns if column.name != "text")]
TEXT_COLUMNS = ("task_type", "queue", "prelabel")
# Built by the intake on each batch's rows once they are loaded (``sla.storage``): the model's.
ANNOTATION_INDEXES = tuple(tuple(index.fields) for index in Annotation._meta.indexes)
REQUIRED_COLUMNS = frozenset(ingest.DELIVERY.required)
# The upload statuses in which processing has not finished (BatchStatus uses the same values).
UNFINISHED = (UploadStatus.RECEIVED, UploadStatus.PROCESSING)
REVIEW_LOOKUP_IDS = 5_000  # item ids asked about per query when a review file is checked against its batch

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Receipt:
    """What an upload produced: the stored object, and whether the same file was already there."""

    upload: Batch | GoldSet | QAReviewSet
    duplicate: bool = False


def ingest_limits() -> ingest.Limits:
    """The parser limits of the settings (``sla.ingest.limits`` says why each exists)."""
    return ingest.Limits(
        json_depth=settings.INGEST_MAX_JSON_DEPTH,
        line_bytes=settings.INGEST_MAX_LINE_BYTES,
        compression_ratio=settings.INGEST_MAX_COMPRESSION_RATIO,
    )


def file_sha256(upload: File) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _upload_fields(upload: File, user) -> dict:
    """What every upload keeps about its file; a file over the size limit is refused before it is stored."""
    if problem := ingest.upload_too_large(upload.size, settings.MAX_UPLOAD_BYTES):
        raise UploadTooLarge(problem, field="file")
    return {
        "original_name": (getattr(upload, "name", "") or "delivery").rsplit("/", 1)[-1][:255],
        "sha256": file_sha256(upload),
        "size": upload.size,
        "uploaded_by": user,
    }


def _check_remediation(*, contract: Contract, task_type: TaskType, remediates: Batch | None) -> None:
    if remediates is None:
        return
    if remediates.contract_id != contract.pk or remediates.task_type_id != task_type.pk:
        raise DomainError("A remediation must name a batch of the same contract and task type.", field="remediates")
    if remediates.verdict != BatchVerdict.REJECTED:
        raise DomainError(
            f"Batch {remediates.pk} was not rejected, so there is nothing to remediate.", field="remediates"
        )


@transaction.atomic
def batch_receive(
    *,
    contract: Contract,
    task_type: TaskType,
    upload: File,
    user,
    reference: str = "",
    claimed_accuracy: float | None = None,
    remediates: Batch | None = None,
    due_at=None,
    annotator: str = "",
    duplicates: str = DuplicatePolicy.REJECT,
    queue_processing: bool = True,
) -> Receipt:
    """Keep a delivered file and queue its processing; the same file twice is recognised.

    ``annotator`` names the annotator of an export that names none (doccano's per-user
    export, else the file name's stem); ``duplicates`` is the policy for an annotator's
    second answer to an item (``DuplicatePolicy``). ``queue_processing=False`` leaves the
    processing to the caller (the import command runs it in-process to show progress).

    One transaction: the batch and the move of the breach it remediates are stored
    together, and its processing is queued once both are committed.
    """
    if not contract.terms.filter(task_type=task_type).exists():
        raise DomainError(
            f"Contract “{contract.title}” has no SLA terms for task type “{task_type.name}”.", field="task_type"
        )
    _check_remediation(contract=contract, task_type=task_type, remediates=remediates)
    fields = _upload_fields(upload, user)
    existing = Batch.objects.filter(contract=contract, sha256=fields["sha256"]).first()
    if existing is not None:
        return Receipt(existing, duplicate=True)
    batch = Batch(
        contract=contract,
        task_type=task_type,
        reference=reference,
        claimed_accuracy=claimed_accuracy,
        remediates=remediates,
        delivered_at=timezone.now(),
        due_at=due_at,
        annotator=annotator.strip(),
        duplicates=duplicates,
        **fields,
    )
    batch.file.save(fields["original_name"], upload, save=False)
    batch.full_clean()
    batch.save()
    remediation_received(batch=batch)
    if queue_processing:
        upload_enqueue(batch)
    return Receipt(batch)


def upload_enqueue(upload: Batch | GoldSet) -> None:
    """Queue an upload's processing once it is committed; ``queued_at`` records that the broker took it.

    A broker that is down does not lose the upload, nor fail the request: the upload stays
    ``received`` with no ``queued_at``, and the sweep queues it once the broker is back.
    """
    task = "sla.tasks.batch_process" if isinstance(upload, Batch) else "sla.tasks.gold_set_process"
    model = type(upload)
    enqueue_on_commit(
        task, upload.pk, on_queued=lambda: model.objects.filter(pk=upload.pk).update(queued_at=timezone.now())
    )


def _ingest_start(model, pk: int):
    """Count a start of processing, committed before the file is opened; None when nothing is to run.

    A start that finds the upload still ``processing`` follows one that never finished: its
    worker was killed or crashed. After ``INGEST_MAX_ATTEMPTS`` of those the upload is
    failed instead, so a file that kills workers is not handed to a third.
    """
    with transaction.atomic():
        upload = model.objects.select_for_update(of=("self",)).get(pk=pk)
        if upload.status not in UNFINISHED:
            return None
        if getattr(upload, "chunks_total", 0) and upload.status == UploadStatus.PROCESSING:
            return None  # fanned out: its chunks own the work now (sla.services.fanout)
        interrupted = upload.attempts if upload.status == UploadStatus.PROCESSING else 0
        if interrupted >= settings.INGEST_MAX_ATTEMPTS:
            upload_fail(
                upload,
                f"Processing was interrupted {interrupted} times without finishing (the worker was killed or "
                "crashed while reading this file), so it is not tried again automatically.",
            )
            return None
        upload.status = UploadStatus.PROCESSING
        upload.attempts = interrupted + 1
        upload.started_at = timezone.now()
        upload.failure = ""
        upload.save(update_fields=["status", "attempts", "started_at", "failure"])
        return upload


def upload_fail(upload, reason: str) -> None:
    """End an upload's processing as ``failed`` with the reason; a lead may retry it."""
    upload.status = UploadStatus.FAILED
    upload.failure = reason
    upload.processed_at = timezone.now()
    upload.save(update_fields=["status", "failure", "processed_at"])


def _stopped(model, pk: int, error: Exception, *, retry: bool) -> None:
    """Record an exception that is not the file's fault: failed, or (storage errors) waiting for a retry."""
    with transaction.atomic():
        upload = model.objects.select_for_update(of=("self",)).get(pk=pk)
        if upload.status != UploadStatus.PROCESSING:
            return
        detail = type(error).__name__  # the message may hold paths or values: it goes to the log, not the page
        if retry:
            upload.status = UploadStatus.RECEIVED
            upload.failure = f"Reading the stored file failed ({detail}); a retry is scheduled."
            upload.save(update_fields=["status", "failure"])
            return
        if isinstance(error, SoftTimeLimitExceeded):
            reason = f"Processing took longer than the limit of {settings.CELERY_TASK_SOFT_TIME_LIMIT} seconds."
        else:
            reason = f"Processing stopped on an internal error ({detail})."
        upload_fail(upload, reason)
    if model is Batch:
        remediation_resolve(batch=upload)


def batch_ingest(*, batch_id: int, on_progress=None, retry_storage_errors: bool = False, dispatch_chunks=None) -> Batch:
    """Parse, validate and store a received batch, then evaluate and check it. Safe to run twice.

    The metrics engine's statistics are built chunk by chunk while the rows stream into
    the database, so a big delivery is read once, not stored and then read back. Every
    way out leaves the batch final (evaluated, invalid or failed) or, for a storage error
    the task will retry (``retry_storage_errors``), received again.

    With ``dispatch_chunks(batch_id, chunks)`` (the task's way to queue chunk tasks), a big
    delivery fans out over the workers instead (``sla.services.fanout``) and the batch
    stays ``processing`` until its last chunk merges it.
    """
    if _ingest_start(Batch, batch_id) is None:
        return Batch.objects.get(pk=batch_id)
    work = lambda: _batch_fan_out_or_store(batch_id, on_progress, dispatch_chunks)  # noqa: E731
    return _guarded(Batch, batch_id, work, retry=retry_storage_errors)


def _batch_fan_out_or_store(batch_id: int, on_progress, dispatch_chunks) -> Batch:
    from sla.services import fanout

    if dispatch_chunks is not None and fanout.batch_split(batch_id=batch_id, dispatch=dispatch_chunks):
        return Batch.objects.get(pk=batch_id)
    return _batch_store(batch_id, on_progress)


def _batch_store(batch_id: int, on_progress) -> Batch:
    try:
        with transaction.atomic():
            batch = (
                Batch.objects.select_for_update(of=("self",)).select_related("task_type", "contract").get(pk=batch_id)
            )
            if batch.is_final:
                return batch
            statistics = ChunkStatistics(batch)
            reader = annotations_store(batch, on_chunk=statistics.add, on_progress=on_progress)
            batch.rows, batch.format = reader.rows, reader.format
            batch.skipped, batch.intake_notes = reader.skipped, reader.notes
            batch.save(update_fields=["skipped", "intake_notes"])
            merged = statistics.merged()
            batch = batch_evaluate(batch=batch, statistics=merged.with_item_codes() if merged is not None else None)
            batch_check(batch=batch)
            batch_probe_notify(batch_id=batch.pk)
            batch.refresh_from_db()
            return batch
    except InvalidDelivery as invalid:
        batch = _mark_invalid(Batch.objects.get(pk=batch_id), invalid.reader)
        remediation_resolve(batch=batch)
        return batch


def _guarded(model, pk: int, work, *, retry: bool):
    """Run the processing of a started upload; no exception leaves it ``processing``.

    A storage error (``OSError``) is re-raised for the task to retry when ``retry``;
    anything else, and a storage error on the last try, ends the upload ``failed``.
    """
    try:
        return work()
    except OSError as error:
        logger.warning("Reading %s %s failed", model.__name__, pk, exc_info=True)
        _stopped(model, pk, error, retry=retry)
        if retry:
            raise
    except Exception as error:
        logger.exception("Processing %s %s stopped", model.__name__, pk)
        _stopped(model, pk, error, retry=False)
    return model.objects.get(pk=pk)


class ChunkStatistics:
    """The metrics engine's statistics of a batch's chunks, merged as they stream in.

    Every ``MERGE_FANOUT`` statistics of one tier merge into one of the next (a tiered
    merge), so the ids of items and annotators are held about once, not once per chunk,
    and each rating is copied O(log n) times. ``with_gold=False`` for statistics that
    already carry the gold labels (the chunks of a fanned-out batch).
    """

    MERGE_FANOUT = 8

    def __init__(self, batch: Batch, *, with_gold: bool = True):
        self.batch = batch
        self.gold = gold_frame(batch=batch) if with_gold else None
        self.tiers: list[list] = []

    def add(self, frame) -> None:
        self.add_statistics(chunk_statistics(self.batch, frame, self.gold))

    def add_statistics(self, statistics, tier: int = 0) -> None:
        if tier == len(self.tiers):
            self.tiers.append([])
        self.tiers[tier].append(statistics)
        if len(self.tiers[tier]) == self.MERGE_FANOUT:
            merged, self.tiers[tier] = merge_statistics(self.tiers[tier]), []
            self.add_statistics(merged, tier + 1)

    def merged(self):
        """Every statistics added, as one; the parts are let go, so they are not held beside the whole."""
        pending = [statistics for tier in reversed(self.tiers) for statistics in tier]
        self.tiers = []
        return merge_statistics(pending) if pending else None


def annotations_store(batch: Batch, *, on_chunk=None, on_progress=None):
    """Stream the batch's file into annotation rows inside the caller's transaction.

    Raises ``InvalidDelivery`` after reading the whole file (so every error is counted)
    when anything was wrong; the caller's rollback then removes what was streamed.
    """
    with stored_file_open(file=batch.file) as source:
        reader = delivery_reader(batch, source)
        contents = ItemContents()
        stored = 0
        with rows_replace(
            table=Annotation._meta.db_table,
            key_column="batch_id",
            key=batch.pk,
            primary_key=("batch_id", "row"),
            indexes=ANNOTATION_INDEXES,
        ) as stream:
            for chunk in reader:
                if reader.error_count == 0:
                    stream.write(annotation_table(batch, chunk, first=stored + 1))
                    stored += chunk.table.num_rows
                    contents.add(chunk.table)
                    if on_chunk is not None:  # the metrics never read the item texts: not converted to pandas
                        on_chunk(replace(chunk, table=chunk.table.drop_columns(["text"])).frame)
                if on_progress is not None:
                    on_progress(int(chunk.rows[-1]))
    if reader.error_count:
        raise InvalidDelivery(reader)
    contents.store(batch)
    return reader


def delivery_reader(
    batch: Batch, source, *, first_row: int = 1, row_groups: list[int] | None = None
) -> ingest.DeliveryReader:
    """The reader of a batch's file (or, from ``first_row``, of one range or some Parquet row groups of it)
    with the batch's options."""
    return ingest.iter_delivery(
        source,
        filename=batch.original_name,
        labels=batch.task_type.labels,
        max_bytes=settings.MAX_UPLOAD_BYTES,
        max_errors=settings.MAX_LISTED_ERRORS,
        chunk_rows=settings.INGEST_CHUNK_ROWS,
        annotator=batch.annotator or None,
        duplicates=batch.duplicates,
        numeric_labels=batch.task_type.scale != Scale.NOMINAL,
        limits=ingest_limits(),
        first_row=first_row,
        row_groups=row_groups,
    )


class ItemContents:
    """The item texts of a delivery, kept once per item (the first text given), stored after the rows.

    They wait until the annotation rows are copied in, because the copy holds the
    connection, and they wait in a temporary file (an Arrow stream), not in memory: a
    delivery's texts can be nearly as large as the file. Each part keeps the first text of
    each of its items; a later part's text for an item already stored is left out by the
    table's own key (``rows_store_new``), so no part remembers the item ids of the others.

    ``with_rows`` keeps instead every distinct text of an item with the rows that gave it (a
    ``row`` column of the tables added, a ``rows`` list kept): a chunk of a fanned-out
    delivery, some of whose rows the merge may still drop (``sla.services.fanout``). Each
    text is then also kept once, not once per row, so the usual delivery, which gives an item
    the same text in every row, keeps as many texts as without.
    """

    SCHEMA = pa.schema([("item_id", pa.string()), ("text", pa.string())])
    ROWS = pa.field("rows", pa.list_(pa.int64()))

    def __init__(self, *, with_rows: bool = False):
        self._with_rows = with_rows
        self._schema = self.SCHEMA.append(self.ROWS) if with_rows else self.SCHEMA
        self._spool = None
        self._writer = None

    def add(self, table: pa.Table | None) -> None:
        if table is None:
            return
        given = table.filter(pc.is_valid(table.column("text")))
        if not given.num_rows:
            return
        if self._with_rows:
            kept = given.group_by(["item_id", "text"], use_threads=False).aggregate([("row", "list"), ("row", "min")])
            kept = kept.sort_by("row_min").drop_columns(["row_min"])  # groups come in an order of Arrow's own
        else:
            kept = _first_text_of_each_item(given.select(self.SCHEMA.names))
        self._stream().write_table(kept.rename_columns(self._schema.names).cast(self._schema))

    def _stream(self):
        if self._writer is None:
            self._spool = tempfile.TemporaryFile()  # noqa: SIM115 (open across add calls; gone with the object)
            self._writer = pa.ipc.new_stream(self._spool, self._schema)
        return self._writer

    def _finished(self):
        """The spooled stream, read from its start (nothing is added after this)."""
        if self._writer is None:
            return None
        self._writer.close()
        self._spool.seek(0)
        return self._spool

    def to_bytes(self) -> bytes | None:
        """The texts kept (Arrow IPC), for a chunk parsed on one worker and stored by another."""
        spool = self._finished()
        return None if spool is None else spool.read()

    @staticmethod
    def table_from_bytes(data: bytes | None) -> pa.Table | None:
        return None if data is None else pa.ipc.open_stream(pa.py_buffer(bytes(data))).read_all()

    def store(self, batch: Batch) -> None:
        ItemContent.objects.filter(batch=batch).delete()
        spool = self._finished()
        if spool is None:
            return
        for part in pa.ipc.open_stream(spool):
            rows_store_new(
                table=ItemContent._meta.db_table,
                data=pa.table(
                    {
                        "batch_id": pa.array(np.full(part.num_rows, batch.pk, dtype=np.int64)),
                        "item_id": part.column("item_id"),
                        "text": part.column("text"),
                    }
                ),
                unique=("batch_id", "item_id"),
            )
        spool.close()


def _first_text_of_each_item(given: pa.Table) -> pa.Table:
    first = {}
    for position, item in enumerate(given.column("item_id").to_pylist()):
        first.setdefault(item, position)
    return given.take(pa.array(list(first.values()), pa.int64()))


def annotation_table(batch: Batch, chunk, *, first: int) -> pa.Table:
    """The chunk as rows of the annotation table: batch and row number added, text nulls as "".

    Rows are numbered by their position among the stored rows, from ``first``, not by the
    data row of the file: a Label Studio task or a nested doccano line gives one row per
    annotation, all from one data row, and the key (batch, row) must hold each of them.

    An optional column that is empty throughout the chunk (no confidence, no escalations) is
    left out: the database fills in its default, and the server parses less text.
    """
    data = chunk.table
    columns = {
        "batch_id": pa.array(np.full(data.num_rows, batch.pk, dtype=np.int64)),
        "row": pa.array(np.arange(first, first + data.num_rows, dtype=np.int64)),
    }
    for name in ANNOTATION_COLUMNS[2:]:
        column = data.column(name)
        if name in TEXT_COLUMNS:
            column = pc.fill_null(column.cast(pa.string()), "")
        elif name == "escalated":
            column = pc.fill_null(column, False)
        if name in REQUIRED_COLUMNS or not _all_default(column):
            columns[name] = column
    return pa.table(columns)


def _all_default(column: pa.ChunkedArray) -> bool:
    """Null, "" or false everywhere: what the annotation table's database defaults hold."""
    if column.null_count == len(column):
        return True
    if pa.types.is_boolean(column.type):
        return not pc.any(column).as_py()
    if pa.types.is_string(column.type):
        return pc.max(pc.utf8_length(column)).as_py() == 0
    return False


def _mark_invalid(upload, reader):
    upload.status = BatchStatus.INVALID
    upload.errors = [error.as_dict() for error in reader.errors]
    upload.error_count = reader.error_count
    upload.rows = reader.rows
    upload.format = reader.format or ""
    upload.processed_at = timezone.now()
    upload.save(update_fields=["status", "errors", "error_count", "rows", "format", "processed_at"])
    return upload


@transaction.atomic
def gold_set_receive(*, task_type: TaskType, upload: File, user) -> Receipt:
    """Keep a gold file as the next version of the task type's gold set and queue its parsing.

    One transaction, the task type's versions locked: two uploads at once get two numbers.
    """
    fields = _upload_fields(upload, user)
    existing = GoldSet.objects.filter(task_type=task_type, sha256=fields["sha256"]).first()
    if existing is not None:
        return Receipt(existing, duplicate=True)
    latest = GoldSet.objects.select_for_update().filter(task_type=task_type).aggregate(v=Max("version"))["v"]
    gold_set = GoldSet(task_type=task_type, version=(latest or 0) + 1, **fields)
    gold_set.file.save(fields["original_name"], upload, save=False)
    gold_set.full_clean()
    gold_set.save()
    upload_enqueue(gold_set)
    return Receipt(gold_set)


def gold_set_ingest(*, gold_set_id: int, retry_storage_errors: bool = False) -> GoldSet:
    """Parse, validate and store a received gold set; like ``batch_ingest``, it never stays processing."""
    if _ingest_start(GoldSet, gold_set_id) is None:
        return GoldSet.objects.get(pk=gold_set_id)
    return _guarded(GoldSet, gold_set_id, lambda: _gold_set_store(gold_set_id), retry=retry_storage_errors)


def _gold_set_store(gold_set_id: int) -> GoldSet:
    gold_set = GoldSet.objects.select_related("task_type").get(pk=gold_set_id)
    with stored_file_open(file=gold_set.file) as source:
        result = ingest.read_gold(
            source,
            filename=gold_set.original_name,
            labels=gold_set.task_type.labels,
            max_bytes=settings.MAX_UPLOAD_BYTES,
            max_errors=settings.MAX_LISTED_ERRORS,
            numeric_labels=gold_set.task_type.scale != Scale.NOMINAL,
            limits=ingest_limits(),
        )
    if not result.ok:
        return _mark_invalid(gold_set, result)
    with transaction.atomic():
        GoldLabel.objects.filter(gold_set=gold_set).delete()
        rows = _text_table(result.frame, ["item_id", "label"], gold_set_id=gold_set.pk)
        rows_store(table=GoldLabel._meta.db_table, data=rows)
        _mark_stored(gold_set, result, items=rows.num_rows)
    return gold_set


def _text_table(frame, columns: list[str], **constants) -> pa.Table:
    """Text columns of a parsed frame (missing values as "") plus constant columns, for ``rows_store``."""
    data = {name: pa.array(np.full(len(frame), value)) for name, value in constants.items()}
    data.update({name: pa.array(frame[name].fillna("").astype(str).to_numpy(), pa.string()) for name in columns})
    return pa.table(data)


def _mark_stored(upload, result, *, items: int | None = None) -> None:
    upload.status = UploadStatus.STORED
    upload.rows = result.rows
    upload.format = result.format or ""
    upload.processed_at = timezone.now()
    fields = ["status", "rows", "format", "processed_at"]
    if items is not None:
        upload.items = items
        fields.append("items")
    upload.save(update_fields=fields)


@transaction.atomic
def qa_reviews_receive(*, batch: Batch, upload: File, user) -> Receipt:
    """Keep a file of QA review verdicts on a batch, store them, and check the batch again.

    The check again is what turns a completed review sample into the defect-rate decision.
    One transaction: a check that fails leaves no review set stuck as received, nor verdicts
    without their check.
    """
    fields = _upload_fields(upload, user)
    existing = batch.review_sets.filter(sha256=fields["sha256"]).first()
    if existing is not None:
        return Receipt(existing, duplicate=True)
    review_set = QAReviewSet(batch=batch, **fields)
    review_set.file.save(fields["original_name"], upload, save=False)
    review_set.save()
    with stored_file_open(file=review_set.file) as source:
        result = ingest.read_qa_reviews(
            source,
            filename=review_set.original_name,
            max_bytes=settings.MAX_UPLOAD_BYTES,
            max_errors=settings.MAX_LISTED_ERRORS,
            limits=ingest_limits(),
        )
    if result.ok:
        result = _reviews_of_batch_items(batch, result, review_set.original_name)
    if not result.ok:
        return Receipt(_mark_invalid(review_set, result))
    columns = ["item_id", "reviewer", "verdict", "defect_type", "note"]
    rows_store(table=QAReview._meta.db_table, data=_text_table(result.frame, columns, review_set_id=review_set.pk))
    _mark_stored(review_set, result)
    batch_check(batch=batch, reason="QA review verdicts received")
    return Receipt(review_set)


def _batch_items_among(batch: Batch, item_ids) -> set[str]:
    """Which of these item ids the batch holds, asked about them alone (a big batch has millions of items)."""
    known, ids = set(), list(item_ids)
    for start in range(0, len(ids), REVIEW_LOOKUP_IDS):
        wanted = ids[start : start + REVIEW_LOOKUP_IDS]
        known.update(batch.annotations.filter(item_id__in=wanted).values_list("item_id", flat=True).distinct())
    return known


def _reviews_of_batch_items(batch: Batch, result, filename: str):
    """A verdict on an item the batch does not hold, or outside its drawn review sample, is an error naming its row.

    The sample is the reviewer page's rule (``qa_sample_outsiders``): a file is the same
    review work in bulk, so it may not name what the page refuses.
    """
    items = result.frame["item_id"]
    known = _batch_items_among(batch, items.unique())
    not_in_batch = ~items.isin(known)
    outside = qa_sample_outsiders(sample=QASample.objects.filter(batch=batch).first(), item_ids=items.unique())
    not_in_sample = ~not_in_batch & items.isin(outside)
    if not (not_in_batch.any() or not_in_sample.any()):
        return result
    errors = sorted(
        [
            *(
                ingest.RowError(filename, int(row), "item_id", f"item {item!r} is not in batch {batch.pk}")
                for row, item in items[not_in_batch].items()
            ),
            *(
                ingest.RowError(
                    filename, int(row), "item_id", f"item {item!r} is not in batch {batch.pk}'s QA review sample"
                )
                for row, item in items[not_in_sample].items()
            ),
        ],
        key=ingest.RowError.sort_key,
    )
    return replace(
        result, frame=result.frame.iloc[0:0], errors=errors[: settings.MAX_LISTED_ERRORS], error_count=len(errors)
    )
