"""Big deliveries on many workers: split into chunks, parsed anywhere, merged exactly, stored all or nothing.

A delivery of at least ``INGEST_FANOUT_BYTES`` with ``duplicates=reject`` (the only
policy that needs no second look at another chunk's rows) is split into chunks of about
``INGEST_FANOUT_CHUNK_BYTES`` (``sla.ingest.split``) when it is:

- line-oriented text (CSV, TSV and other delimited text, canonical JSON Lines): byte
  ranges of whole records;
- Parquet: runs of row groups, sized by what the footer declares uncompressed; a file of
  one row group is read in one pass;
- gzipped line-oriented text: decompressed once, by the ``batch_process`` task, through
  the limits the one pass applies (size, compression ratio: a bomb is refused as ever,
  by the one pass it is then left to), streamed into a stored object of its own
  (``DECOMPRESSED_FOLDER``), and split as that plain file. What decides is the size of
  the content, which is what costs work: a gzip is decompressed to measure it when the
  file, or the ISIZE of its trailer, is at least ``INGEST_FANOUT_BYTES`` (ISIZE is only a
  hint: modulo 2**32, and only the last member's), and fans out when what was
  decompressed is. The object is deleted when the batch finishes (merged, invalid or
  failed) and before another attempt decompresses it again.

Other formats (Label Studio, Prodigy, doccano, a gzipped Parquet file) are read in one
pass. The ``batch_process`` task that started it records one ``BatchChunk`` per chunk and
queues one ``batch_chunk_process`` task each, as a Celery group on the queue it came
from, so whichever workers are free take them; with an eager broker (the embedded demo,
tests) they simply run one after the other.

Each chunk task reads its part alone through the storage (so the file may live in object
storage): its byte range (``vendorscore.files.stored_file_open``), or the Parquet
file's footer and its own row groups through a seekable handle of ranged reads
(``stored_file_random_access``). It numbers rows and errors as one pass over the whole
file would, validates every cell, and builds the metrics engine's mergeable statistics
of its rows. Its rows go into a staging table of their own
(``sla.storage.chunk_stage``), committed with the chunk's outcome: statistics (Arrow IPC)
and the first text of each item. No reader
of the annotation table sees a staging table.

The chunk that finishes last (counted under the batch's row lock, ``chunks_done`` of
``chunks_total``, which the batch page shows) merges, in one transaction: any invalid
chunk makes the batch invalid with every chunk's errors in row order, the staging tables
dropped; so does an (item, annotator) pair repeated across chunks (found in the merged
statistics, whose ratings are the rows in order), reported at its row as one pass does.
Otherwise the staging tables become the batch's rows at once
(``sla.storage.chunks_attach``: on PostgreSQL each becomes a range partition of the
batch's partition, nothing copied twice), the statistics merge into exactly the one-pass
metrics document, and the batch is evaluated and checked as ``batch_ingest`` does. So
storage is all or nothing, as for a single pass.

Lost work follows the intake's rules (``sla.services.intake``, ``sla.services.recovery``):
each chunk counts its starts, and a chunk that was interrupted ``INGEST_MAX_ATTEMPTS``
times (its worker killed) fails the batch instead of killing another worker; a storage
error is retried by its task and fails the batch on the last try; any other exception
fails the batch with the reason. Every chunk start refreshes the batch's ``started_at``,
so the sweep fails a fanned-out batch only when no chunk started for its whole window. A
task delivered twice is harmless: a chunk already staged or invalid is not read again,
and a redelivered chunk finds the merge its worker may not have finished.
"""

import io
import logging
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from sla import ingest
from sla.constants import BatchStatus
from sla.exceptions import InvalidDelivery
from sla.ingest.errors import FileProblem
from sla.ingest.native import jsonl_flavour
from sla.ingest.sources import GZIP_MAGIC, open_decompressed, open_source
from sla.ingest.split import Layout, split_records, split_row_groups
from sla.metrics import BatchStatistics, merge_statistics
from sla.models import Annotation, Batch, BatchChunk
from sla.services.breaches import remediation_resolve
from sla.services.checking import batch_check
from sla.services.evaluation import batch_evaluate
from sla.services.intake import (
    ANNOTATION_INDEXES,
    ChunkStatistics,
    ItemContents,
    annotation_table,
    delivery_reader,
    ingest_limits,
    upload_fail,
)
from sla.services.notifications import batch_probe_notify
from sla.storage import chunk_stage, chunks_attach, chunks_drop
from vendorscore.files import stored_file_open, stored_file_random_access

ANNOTATIONS = Annotation._meta.db_table
PRIMARY_KEY = ("batch_id", "row")
SPLITTABLE = ("delimited", "jsonl")
# A gzipped delivery's content, stored while its batch is processed: a folder per batch, apart from
# what users send, so every copy of it (a killed attempt's too) is found and deleted by listing it.
DECOMPRESSED_FOLDER = "uploads/decompressed"
GZIP_TRAILER_BYTES = 18  # the smallest gzip: a 10-byte header, and a trailer whose last 4 bytes are ISIZE

logger = logging.getLogger(__name__)


class _Abandoned(Exception):
    """The batch stopped (failed or finished) while this chunk was read: its work is rolled back."""


@dataclass(frozen=True)
class Split:
    """How a batch fans out: its chunks, and the stored object their ranges are of when not the upload."""

    layout: Layout
    decompressed: str = ""  # the storage name of a gzipped upload's content


def batch_split(*, batch_id: int, dispatch: Callable[[int, int], None]) -> bool:
    """Fan a started batch out over the workers when it is big and splittable; False: read it in one pass.

    Called outside a transaction: a gzipped delivery is decompressed to storage first.
    """
    split = batch_layout(batch=Batch.objects.get(pk=batch_id))
    if split is None:
        return False
    fanned = False
    try:
        with transaction.atomic():
            batch = Batch.objects.select_for_update(of=("self",)).get(pk=batch_id)
            if batch.status == BatchStatus.PROCESSING:
                batch_fan_out(batch=batch, split=split, dispatch=dispatch)
                fanned = True
    finally:
        if split.decompressed and not fanned:
            _decompressed_delete(batch_id)
    return True


def batch_layout(*, batch: Batch) -> Split | None:
    """The chunks a batch fans out into, or None when it is processed in one pass (small, or not splittable).

    Plain text is split at record ends, Parquet at row groups (from its footer alone). A
    gzipped text delivery is first decompressed into storage, through the limits the one
    pass applies, and split as that plain file; a refusal on the way (a bomb) leaves it to
    the one pass, which refuses it with the same error.
    """
    if batch.duplicates != "reject" or not _may_be_big(batch):
        return None
    try:
        with (
            stored_file_open(file=batch.file) as source,
            open_source(source, max_bytes=settings.MAX_UPLOAD_BYTES, limits=ingest_limits()) as opened,
        ):
            kind = jsonl_flavour(opened.head) if opened.kind == "jsonl" else opened.kind
            gzipped = opened.gzipped
    except FileProblem:
        return None  # the one-pass reader reports it
    if kind == "parquet" and not gzipped:
        layout = _row_groups_layout(batch.file)
    elif kind not in SPLITTABLE:
        return None
    elif gzipped:
        return _decompressed_split(batch, kind)
    else:
        layout = _records_layout(batch.file, kind)
    return None if layout is None else Split(layout)


def _may_be_big(batch: Batch) -> bool:
    """Whether the delivery may hold ``INGEST_FANOUT_BYTES``: the file does, or a gzip's trailer says its content does.

    The trailer's ISIZE is the size of the last member's content modulo 2**32, so it is only
    a hint of whether decompressing is worth it: what decompressing measures decides.
    """
    if batch.size >= settings.INGEST_FANOUT_BYTES:
        return True
    if batch.size < GZIP_TRAILER_BYTES:
        return False
    with stored_file_open(file=batch.file, end=len(GZIP_MAGIC)) as head:
        if head.read() != GZIP_MAGIC:
            return False
    with stored_file_open(file=batch.file, start=batch.size - 4) as trailer:
        return int.from_bytes(trailer.read(), "little") >= settings.INGEST_FANOUT_BYTES


def _records_layout(file: FieldFile, kind: str) -> Layout | None:
    """Byte ranges of whole records of a stored text file; None when it is one."""
    with stored_file_random_access(file=file) as source:
        layout = split_records(source, delimited=kind == "delimited", target_bytes=settings.INGEST_FANOUT_CHUNK_BYTES)
    return layout if layout is not None and len(layout.spans) > 1 else None


def _row_groups_layout(file: FieldFile) -> Layout | None:
    """Runs of row groups of a stored Parquet file, from its footer (a few ranged reads); None when it is one."""
    with stored_file_random_access(file=file) as handle:
        try:
            metadata = pq.ParquetFile(handle).metadata
        except pa.ArrowException:
            return None  # the one-pass reader reports it
    return split_row_groups(metadata, target_bytes=settings.INGEST_FANOUT_CHUNK_BYTES)


def _decompressed_split(batch: Batch, kind: str) -> Split | None:
    """A gzipped delivery's content stored beside it and split as a plain file; None (and nothing kept)
    when it is refused while decompressing, is below ``INGEST_FANOUT_BYTES`` or is one chunk."""
    _decompressed_delete(batch.pk)  # what a killed attempt left
    layout = None
    try:
        with (
            stored_file_open(file=batch.file) as source,
            open_decompressed(source, max_bytes=settings.MAX_UPLOAD_BYTES, limits=ingest_limits()) as content,
        ):
            name = batch.file.storage.save(f"{DECOMPRESSED_FOLDER}/{batch.pk}/content", File(content))
        stored = FieldFile(batch, batch.file.field, name)
        if stored.size >= settings.INGEST_FANOUT_BYTES:
            layout = _records_layout(stored, kind)
    except FileProblem:
        return None  # refused on the way (a bomb): the one pass refuses it with the same error
    finally:
        if layout is None:
            _decompressed_delete(batch.pk)
    return None if layout is None else Split(layout, decompressed=name)


def _decompressed_delete(batch_id: int) -> None:
    """Delete every stored copy of a batch's decompressed content: its folder holds nothing else."""
    storage = Batch._meta.get_field("file").storage
    for name, _ in list(storage.modified_times(f"{DECOMPRESSED_FOLDER}/{batch_id}")):
        storage.delete(name)


def batch_fan_out(*, batch: Batch, split: Split, dispatch: Callable[[int, int], None]) -> None:
    """Record the batch's chunks and queue them (``dispatch(batch_id, chunks)``) once this commits.

    Runs inside the started batch's transaction: the batch stays ``processing`` and the chunks own it now.
    """
    spans = split.layout.spans
    BatchChunk.objects.bulk_create(
        BatchChunk(
            batch=batch,
            index=index,
            start=span.start,
            end=span.end,
            first_row=span.first_row,
            planned_rows=span.rows,
            first_row_group=None if span.row_groups is None else span.row_groups[0],
            last_row_group=None if span.row_groups is None else span.row_groups[-1],
            decompressed=split.decompressed,
        )
        for index, span in enumerate(spans)
    )
    Batch.objects.filter(pk=batch.pk).update(chunks_total=len(spans), chunks_done=0)
    transaction.on_commit(lambda: dispatch(batch.pk, len(spans)))


def batch_chunks_discard(*, batch: Batch) -> None:
    """Forget a batch's chunks, their records, staging tables and decompressed content: it failed or is
    invalid, or a retry starts from scratch."""
    indexes = list(BatchChunk.objects.filter(batch=batch).values_list("index", flat=True))
    chunks_drop(table=ANNOTATIONS, key=batch.pk, indexes=indexes)
    BatchChunk.objects.filter(batch=batch).delete()
    _decompressed_delete_on_commit(batch.pk)


def _decompressed_delete_on_commit(batch_id: int) -> None:
    """Delete the batch's decompressed content once the chunks that read it are gone for good.

    The outcome is committed by then: a storage that fails to delete leaves the copy to the
    batch's next attempt or discard, which delete it again, rather than failing the batch.
    """

    def delete() -> None:
        try:
            _decompressed_delete(batch_id)
        except Exception:
            logger.warning("Deleting the decompressed content of batch %s failed", batch_id, exc_info=True)

    transaction.on_commit(delete)


def batch_chunk_ingest(*, batch_id: int, index: int, retry_storage_errors: bool = False) -> None:
    """Parse, validate and stage one chunk; the last chunk done merges the batch. Safe to run twice."""
    chunk = _chunk_start(batch_id, index)
    if chunk is not None:
        try:
            _chunk_stage(chunk)
        except _Abandoned:
            return
        except OSError as error:
            logger.warning("Reading chunk %s of batch %s failed", index, batch_id, exc_info=True)
            if retry_storage_errors:
                BatchChunk.objects.filter(pk=chunk.pk).update(status=BatchChunk.Status.QUEUED)
                raise
            _batch_stop(batch_id, f"Reading the stored file failed ({type(error).__name__}) in {chunk.describe}.")
            return
        except Exception as error:
            logger.exception("Processing chunk %s of batch %s stopped", index, batch_id)
            reason = f"Processing stopped on an internal error ({type(error).__name__}) in {chunk.describe}."
            _batch_stop(batch_id, reason)
            return
    _merge_when_done(batch_id)


def _chunk_start(batch_id: int, index: int) -> BatchChunk | None:
    """Count a start of the chunk, committed before its range is read; None when there is nothing to do."""
    with transaction.atomic():
        # Locks in one order everywhere (the batch, then its chunks), so no two tasks deadlock.
        batch = Batch.objects.select_for_update(of=("self",)).select_related("task_type").get(pk=batch_id)
        chunk = BatchChunk.objects.select_for_update().filter(batch=batch, index=index).first()
        if chunk is None or batch.status != BatchStatus.PROCESSING:
            return None
        chunk.batch = batch
        if chunk.status in (BatchChunk.Status.STAGED, BatchChunk.Status.INVALID):
            return None
        interrupted = chunk.attempts if chunk.status == BatchChunk.Status.PROCESSING else 0
        if interrupted >= settings.INGEST_MAX_ATTEMPTS:
            reason = (
                f"Processing of {chunk.describe} was interrupted {interrupted} times without finishing (the worker "
                "was killed or crashed while reading it), so it is not tried again automatically."
            )
            transaction.on_commit(lambda: _batch_stop(batch_id, reason))
            return None
        chunk.status, chunk.attempts = BatchChunk.Status.PROCESSING, interrupted + 1
        chunk.save(update_fields=["status", "attempts"])
        Batch.objects.filter(pk=batch_id).update(started_at=timezone.now())
        return chunk


class _Prefixed(io.RawIOBase):
    """A header line, then a byte range of a stored file, read as a file of its own."""

    def __init__(self, body, *, header: bytes):
        self._body, self._pending = body, header

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._pending:
            data, self._pending = self._pending[: len(buffer)], self._pending[len(buffer) :]
        else:
            data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


@contextmanager
def _chunk_source(chunk: BatchChunk):
    """The chunk's byte range (with the file's header line for delimited text), fetched alone from the storage;
    for Parquet, the file, of which only the footer and the chunk's row groups are fetched."""
    if chunk.row_groups is not None:
        with stored_file_random_access(file=chunk.batch.file) as handle:
            yield handle
        return
    file = _chunk_file(chunk)
    header = b""
    if chunk.start and not _is_json_lines(file):
        with stored_file_open(file=file, end=chunk.batch.chunks.get(index=0).start) as head:
            header = head.read()
    with stored_file_open(file=file, start=chunk.start, end=chunk.end) as body:
        yield io.BufferedReader(_Prefixed(body, header=header))


def _chunk_file(chunk: BatchChunk) -> FieldFile:
    """The stored file the chunk's range is of: the upload, or a gzipped upload's decompressed content."""
    file = chunk.batch.file
    return FieldFile(chunk.batch, file.field, chunk.decompressed) if chunk.decompressed else file


def _is_json_lines(file) -> bool:
    """Whether the stored file is JSON Lines (no header line) rather than delimited text."""
    with stored_file_open(file=file, end=64) as head:
        return head.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


@dataclass
class _Staged:
    """What one chunk hands to the merge."""

    statistics: ChunkStatistics
    contents: ItemContents


def _chunk_stage(chunk: BatchChunk) -> None:
    batch = chunk.batch
    staged = _Staged(ChunkStatistics(batch), ItemContents())
    store = not batch.chunks.filter(status=BatchChunk.Status.INVALID).exists()  # a lost cause: validate only
    try:
        with transaction.atomic(), _chunk_source(chunk) as source:
            reader = delivery_reader(batch, source, first_row=chunk.first_row, row_groups=chunk.row_groups)
            target = chunk_stage(
                table=ANNOTATIONS,
                key_column="batch_id",
                key=batch.pk,
                index=chunk.index,
                rows=(chunk.first_row, chunk.last_row),
                primary_key=PRIMARY_KEY,
                indexes=ANNOTATION_INDEXES,
            )
            with target as stream:
                for part in reader:
                    if reader.error_count == 0 and store:
                        _stage_part(batch, part, stream, staged)
            if reader.error_count or not store:
                raise InvalidDelivery(reader)
            _chunk_finish(chunk, reader, staged)
    except InvalidDelivery as invalid:
        with transaction.atomic():
            _chunk_finish(chunk, invalid.reader, None)


def _stage_part(batch: Batch, part, stream, staged: _Staged) -> None:
    stream.write(annotation_table(batch, part, first=part.first_row))
    staged.contents.add(part.table)
    staged.statistics.add(replace(part, table=part.table.drop_columns(["text"])).frame)


def _chunk_finish(chunk: BatchChunk, reader, staged: _Staged | None) -> None:
    """Record the chunk's outcome and count it done, under the batch's lock; a stopped batch rolls it back."""
    batch = Batch.objects.select_for_update(of=("self",)).get(pk=chunk.batch_id)
    if batch.status != BatchStatus.PROCESSING:
        raise _Abandoned
    chunk.rows, chunk.format = reader.rows, _format(chunk, reader)
    chunk.errors, chunk.error_count = [error.as_dict() for error in reader.errors], reader.error_count
    chunk.status = BatchChunk.Status.INVALID
    if staged is not None and reader.error_count == 0:
        chunk.status = BatchChunk.Status.STAGED
        merged = staged.statistics.merged()
        chunk.statistics = merged.to_bytes() if merged is not None else None
        chunk.texts = staged.contents.to_bytes()
    chunk.save(update_fields=["rows", "format", "errors", "error_count", "status", "statistics", "texts"])
    Batch.objects.filter(pk=batch.pk).update(chunks_done=F("chunks_done") + 1)


def _format(chunk: BatchChunk, reader) -> str:
    """What the file turned out to be, as one pass names it: "csv+gzip" for a chunk of a gzip's content."""
    if not reader.format:
        return ""
    return reader.format + ("+gzip" if chunk.decompressed else "")


def _batch_stop(batch_id: int, reason: str) -> None:
    """Fail a fanned-out batch with the reason, its staged chunks dropped; a lead may retry it."""
    with transaction.atomic():
        batch = Batch.objects.select_for_update(of=("self",)).get(pk=batch_id)
        if batch.status != BatchStatus.PROCESSING:
            return
        upload_fail(batch, reason)
        batch_chunks_discard(batch=batch)
    remediation_resolve(batch=batch)


def _merge_when_done(batch_id: int) -> None:
    try:
        batch = _merge(batch_id)
    except Exception as error:
        logger.exception("Merging the chunks of batch %s stopped", batch_id)
        _batch_stop(batch_id, f"Merging the chunks stopped on an internal error ({type(error).__name__}).")
        return
    if batch is not None and batch.status == BatchStatus.INVALID:
        remediation_resolve(batch=batch)


def _merge(batch_id: int) -> Batch | None:
    """Once every chunk is done: the batch invalid, or its rows attached and the batch evaluated (one transaction)."""
    with transaction.atomic():
        batch = Batch.objects.select_for_update(of=("self",)).select_related("task_type", "contract").get(pk=batch_id)
        if batch.status != BatchStatus.PROCESSING or not batch.chunks_total or batch.chunks_done < batch.chunks_total:
            return None
        chunks = list(batch.chunks.order_by("index").defer("statistics", "texts"))  # read one at a time below
        batch.rows, batch.format = sum(chunk.rows for chunk in chunks), chunks[0].format
        errors, error_count = _chunk_errors(chunks)
        if error_count:
            return _invalid(batch, errors, error_count)
        statistics = _merged_statistics(batch, chunks)
        errors, error_count = _duplicates_across(batch, chunks, statistics)
        if error_count:
            return _invalid(batch, errors, error_count)
        statistics = statistics.with_item_codes()
        chunks_attach(
            table=ANNOTATIONS,
            key_column="batch_id",
            key=batch.pk,
            chunks=[(chunk.index, chunk.first_row, chunk.last_row) for chunk in chunks],
            primary_key=PRIMARY_KEY,
            indexes=ANNOTATION_INDEXES,
        )
        contents = ItemContents()
        for chunk in chunks:
            contents.add(ItemContents.table_from_bytes(_chunk_field(chunk, "texts")))
        contents.store(batch)
        batch.skipped, batch.intake_notes = 0, []
        batch.save(update_fields=["skipped", "intake_notes"])
        BatchChunk.objects.filter(batch=batch).delete()
        _decompressed_delete_on_commit(batch.pk)
        batch = batch_evaluate(batch=batch, statistics=statistics)
        batch_check(batch=batch)
        batch_probe_notify(batch_id=batch.pk)
        batch.refresh_from_db()
        return batch


def _chunk_errors(chunks: list[BatchChunk]) -> tuple[list[dict], int]:
    """Every chunk's errors in row order, the first ``MAX_LISTED_ERRORS``; a whole-file problem once."""
    errors, count, seen_file_problems = [], 0, set()
    for chunk in chunks:
        count += chunk.error_count
        for error in chunk.errors:
            if error["row"] is None:
                key = (error["column"], error["message"])
                if key in seen_file_problems:
                    count -= 1
                    continue
                seen_file_problems.add(key)
            errors.append(error)
    errors.sort(key=lambda e: ingest.RowError(**e).sort_key())
    return errors[: settings.MAX_LISTED_ERRORS], count


def _merged_statistics(batch: Batch, chunks: list[BatchChunk]) -> BatchStatistics:
    """The chunks' statistics as one batch's, their ratings in row order (every row of a valid chunk is one).

    Merged in one go rather than in tiers: every item id is then hashed and encoded once, and
    the peak is the same, since the last tier of a tiered merge holds every id and rating too.
    """
    merged = merge_statistics([BatchStatistics.from_bytes(_chunk_field(chunk, "statistics")) for chunk in chunks])
    if len(merged.item) != batch.rows:
        raise ValueError(f"the chunks hold {len(merged.item)} ratings for {batch.rows} rows")
    return merged


def _chunk_field(chunk: BatchChunk, field: str) -> bytes | None:
    """One chunk's statistics or texts, read from the database alone: the chunks' are never all held at once."""
    value = BatchChunk.objects.filter(pk=chunk.pk).values_list(field, flat=True).get()
    return None if value is None else bytes(value)


def _duplicates_across(batch: Batch, chunks: list[BatchChunk], statistics: BatchStatistics) -> tuple[list[dict], int]:
    """An (item, annotator) pair given in two chunks, reported at its later row as one pass reports it.

    Each chunk found its own repeats; the merged statistics hold every rating in row order
    with its item and annotator codes, so a repeat across chunks is a repeated pair of codes.
    """
    keys = statistics.item.astype(np.int64) * max(len(statistics.annotator_ids), 1) + statistics.annotator
    ordered = np.sort(keys)  # a sort of the keys alone, for the usual answer "none" in little memory
    repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    del ordered
    if not len(repeated):
        return [], 0
    positions = np.flatnonzero(np.isin(keys, repeated))
    order = positions[np.argsort(keys[positions], kind="stable")]
    repeat = np.r_[False, keys[order][1:] == keys[order][:-1]]
    first = order[np.maximum.accumulate(np.where(repeat, 0, np.arange(len(order))))]
    later, earlier = order[repeat], first[repeat]
    shown = np.argsort(later, kind="stable")[: settings.MAX_LISTED_ERRORS]
    starts = np.cumsum([0] + [chunk.rows for chunk in chunks])

    def row_of(position: int) -> int:
        index = int(np.searchsorted(starts, position, side="right")) - 1
        return int(chunks[index].first_row + position - starts[index])

    errors = []
    for position, before in zip(later[shown], earlier[shown], strict=True):
        values = {
            "item_id": str(statistics.item_ids[statistics.item[position]]),
            "annotator_id": str(statistics.annotator_ids[statistics.annotator[position]]),
        }
        message = ingest.DELIVERY.duplicate_message.format(first=row_of(before), **values)
        errors.append(ingest.RowError(batch.original_name, row_of(position), "annotator_id", message).as_dict())
    return errors, int(repeat.sum())


def _invalid(batch: Batch, errors: list[dict], error_count: int) -> Batch:
    batch.status = BatchStatus.INVALID
    batch.errors, batch.error_count = errors, error_count
    batch.processed_at = timezone.now()
    batch.save(update_fields=["status", "errors", "error_count", "rows", "format", "processed_at"])
    batch_chunks_discard(batch=batch)
    return batch
