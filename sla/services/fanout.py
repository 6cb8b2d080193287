"""Big deliveries on many workers: split into chunks, parsed anywhere, merged exactly, stored all or nothing.

A delivery of at least ``INGEST_FANOUT_BYTES``, whatever its duplicates policy, is split
into chunks of about ``INGEST_FANOUT_CHUNK_BYTES`` (``sla.ingest.split``) when it is:

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
file would, validates every cell, applies the duplicates policy to its own rows
(``latest`` reads its part twice: a byte range from a local copy), and builds the metrics
engine's mergeable statistics of the rows it keeps. Those rows go into a staging table of
their own (``sla.storage.chunk_stage``), numbered from the chunk's first data row by their
position among them, so a chunk that dropped nothing holds exactly the batch's final row
numbers. The staging table is committed with the chunk's outcome: statistics (Arrow IPC)
and the first text of each item (with ``first`` or ``latest``, every distinct text of an
item with the rows that gave it, since the merge may still drop some). An invalid chunk
(or one only validated, after another turned out invalid) stages nothing and keeps no
statistics; it keeps instead each row it kept whose (item, annotator) pair is complete,
with the pair (``BatchChunk.keys``, Arrow IPC): the rows one pass keys, since a bad
item_id or annotator_id is no answer of a pair while a bad label is. No reader of the
annotation table sees a staging table.

The chunk that finishes last (counted under the batch's row lock, ``chunks_done`` of
``chunks_total``, which the batch page shows) merges, in one transaction: any invalid
chunk makes the batch invalid with every chunk's errors in row order, the staging tables
dropped (every cell is checked, also in an answer the policy drops, as one pass does).
Its pairs given in two chunks are found as one pass finds them, from the invalid chunks'
keys and the staged chunks' statistics, hashed as ``sla.ingest.keys`` hashes them (16
bytes a row, one chunk read at a time): with ``reject`` each answer to a pair given
before is an error at its row naming the pair's first row in the batch (a chunk named the
first in the chunk: its listed errors are named again), with ``first`` or ``latest`` the
answers dropped across chunks leave the batch's row count. In a batch whose chunks are
all valid, an (item, annotator) pair given in two chunks is found in the merged
statistics, whose ratings are the rows in order: with ``reject`` it makes the batch
invalid, reported at its row as one pass does; with
``first`` the later answers lose, with ``latest`` all but the one with the latest
``annotated_at`` (read from the staged rows; the last in the file among equals). The
losers leave the statistics, the staged rows and the item texts, and ``skipped`` and the
batch's notes count every answer dropped, the chunks' own and the merge's, in the one-pass
sentence. Then the staging tables become the batch's rows at once
(``sla.storage.chunks_attach``: on PostgreSQL each becomes a range partition of the
batch's partition, nothing copied twice; only the tables from the first dropped row on
are changed first, their losers deleted and their rows moved down by one set-based update,
so the rows run from 1 without gaps as one pass numbers them), the statistics merge into
exactly the one-pass metrics document, and the batch is evaluated and checked as
``batch_ingest`` does. So storage is all or nothing, as for a single pass.

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
import shutil
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from sla import ingest
from sla.constants import BatchStatus, DuplicatePolicy
from sla.exceptions import InvalidDelivery
from sla.ingest.errors import FileProblem
from sla.ingest.keys import hash_keys
from sla.ingest.native import jsonl_flavour
from sla.ingest.sources import GZIP_MAGIC, open_decompressed, open_source
from sla.ingest.split import Layout, split_records, split_row_groups
from sla.ingest.tabular import sniffed_delimiter
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
from sla.storage import StagedChunk, chunk_stage, chunk_values, chunks_attach, chunks_drop
from vendorscore.files import stored_file_open, stored_file_random_access, stored_folder_delete

ANNOTATIONS = Annotation._meta.db_table
PRIMARY_KEY = ("batch_id", "row")
SPLITTABLE = ("delimited", "jsonl")
# A gzipped delivery's content, stored while its batch is processed: a folder per batch, apart from
# what users send, so every copy of it (a killed attempt's too) is found and deleted by listing it.
DECOMPRESSED_FOLDER = "uploads/decompressed"
GZIP_TRAILER_BYTES = 18  # the smallest gzip: a 10-byte header, and a trailer whose last 4 bytes are ISIZE
PAIR = ingest.DELIVERY.unique  # (item_id, annotator_id): an annotator answers an item once
KEYS_SCHEMA = pa.schema([("row", pa.int64()), *((name, pa.string()) for name in PAIR)])

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
    if not _may_be_big(batch):
        return None
    try:
        with (
            stored_file_open(file=batch.file) as source,
            open_source(source, max_bytes=settings.MAX_UPLOAD_BYTES, limits=ingest_limits()) as opened,
        ):
            kind = jsonl_flavour(opened.head) if opened.kind == "jsonl" else opened.kind
            gzipped = opened.gzipped
            delimiter = sniffed_delimiter(opened.head, ingest.DELIVERY) if kind == "delimited" else None
    except FileProblem:
        return None  # the one-pass reader reports it
    if kind == "parquet" and not gzipped:
        layout = _row_groups_layout(batch.file)
    elif kind not in SPLITTABLE:
        return None
    elif gzipped:
        return _decompressed_split(batch, delimiter)
    else:
        layout = _records_layout(batch.file, delimiter)
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


def _records_layout(file: FieldFile, delimiter: str | None) -> Layout | None:
    """Byte ranges of whole records of a stored text file (delimited by ``delimiter``, or JSON Lines: None);
    None when it is one."""
    with stored_file_random_access(file=file) as source:
        layout = split_records(source, delimiter=delimiter, target_bytes=settings.INGEST_FANOUT_CHUNK_BYTES)
    return layout if layout is not None and len(layout.spans) > 1 else None


def _row_groups_layout(file: FieldFile) -> Layout | None:
    """Runs of row groups of a stored Parquet file, from its footer (a few ranged reads); None when it is one."""
    with stored_file_random_access(file=file) as handle:
        try:
            metadata = pq.ParquetFile(handle).metadata
        except pa.ArrowException:
            return None  # the one-pass reader reports it
    return split_row_groups(metadata, target_bytes=settings.INGEST_FANOUT_CHUNK_BYTES)


def _decompressed_split(batch: Batch, delimiter: str | None) -> Split | None:
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
            layout = _records_layout(stored, delimiter)
    except FileProblem:
        return None  # refused on the way (a bomb): the one pass refuses it with the same error
    finally:
        if layout is None:
            _decompressed_delete(batch.pk)
    return None if layout is None else Split(layout, decompressed=name)


def _decompressed_delete(batch_id: int) -> None:
    """Delete every stored copy of a batch's decompressed content: its folder holds nothing else."""
    stored_folder_delete(storage=Batch._meta.get_field("file").storage, folder=f"{DECOMPRESSED_FOLDER}/{batch_id}")


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
    """What one chunk hands to the merge, and how many rows it staged so far; the pairs of its rows in case it
    turns out invalid (it then has no statistics)."""

    statistics: ChunkStatistics
    contents: ItemContents
    rows: int = 0
    keys: list[pa.Table] = field(default_factory=list)


@contextmanager
def _chunk_input(chunk: BatchChunk):
    """The chunk's source as its reader needs it: ``duplicates=latest`` reads it twice, so a byte range from a
    local copy (a Parquet chunk's handle seeks: its row groups are simply fetched again)."""
    with _chunk_source(chunk) as source:
        if chunk.batch.duplicates != DuplicatePolicy.LATEST or chunk.row_groups is not None:
            yield source
            return
        with tempfile.TemporaryFile() as copy:
            shutil.copyfileobj(source, copy)
            yield copy


def _chunk_stage(chunk: BatchChunk) -> None:
    batch = chunk.batch
    # With reject a row the chunk keeps is never dropped, so its texts need not say which rows gave them.
    staged = _Staged(ChunkStatistics(batch), ItemContents(with_rows=batch.duplicates != DuplicatePolicy.REJECT))
    store = not batch.chunks.filter(status=BatchChunk.Status.INVALID).exists()  # a lost cause: validate only
    try:
        with transaction.atomic(), _chunk_input(chunk) as source:
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
                    staged.keys.append(_keys(part))
                    if reader.error_count == 0 and store:
                        _stage_part(batch, part, stream, staged, first_row=chunk.first_row)
            if reader.error_count or not store:
                raise InvalidDelivery(reader)
            _chunk_finish(chunk, reader, staged, stored=True)
    except InvalidDelivery as invalid:
        with transaction.atomic():
            _chunk_finish(chunk, invalid.reader, staged, stored=False)


def _keys(part) -> pa.Table:
    """A part's rows whose (item, annotator) pair is complete, with the pair: the rows one pass keys (a bad or
    missing item_id or annotator_id is null, and its row no answer of a pair), after the policy dropped its own."""
    table = part.table.select(list(PAIR)).add_column(0, "row", pa.array(part.rows, pa.int64()))
    complete = pc.and_(*(pc.is_valid(table.column(name)) for name in PAIR))
    return table if pc.all(complete).as_py() else table.filter(complete)


def _keys_bytes(tables: list[pa.Table]) -> bytes:
    """A chunk's keyed rows as Arrow IPC, compressed."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, KEYS_SCHEMA, options=pa.ipc.IpcWriteOptions(compression="zstd")) as writer:
        for table in tables:
            writer.write_table(table.cast(KEYS_SCHEMA))
    return sink.getvalue().to_pybytes()


def _stage_part(batch: Batch, part, stream, staged: _Staged, *, first_row: int) -> None:
    """Stage a part's rows numbered on from the chunk's first data row by their position among its rows kept.

    So the rows of a chunk that dropped none are numbered as the batch's rows will be, and
    a chunk that did leaves the numbers at its end unused; the merge renumbers only then.
    """
    first = first_row + staged.rows
    numbers = pa.array(np.arange(first, first + part.table.num_rows, dtype=np.int64))
    stream.write(annotation_table(batch, part, first=first))
    staged.contents.add(part.table.append_column("row", numbers))
    staged.statistics.add(replace(part, table=part.table.drop_columns(["text"])).frame)
    staged.rows += part.table.num_rows


def _chunk_finish(chunk: BatchChunk, reader, staged: _Staged, *, stored: bool) -> None:
    """Record the chunk's outcome and count it done, under the batch's lock; a stopped batch rolls it back.

    A chunk ``stored`` keeps its statistics and texts, an invalid one (or one only validated) the pairs of its rows.
    """
    batch = Batch.objects.select_for_update(of=("self",)).get(pk=chunk.batch_id)
    if batch.status != BatchStatus.PROCESSING:
        raise _Abandoned
    chunk.rows, chunk.format = reader.rows, _format(chunk, reader)
    chunk.errors, chunk.error_count = [error.as_dict() for error in reader.errors], reader.error_count
    if stored:
        chunk.status = BatchChunk.Status.STAGED
        merged = staged.statistics.merged()
        chunk.statistics = merged.to_bytes() if merged is not None else None
        chunk.texts = staged.contents.to_bytes()
    else:
        chunk.status = BatchChunk.Status.INVALID
        chunk.keys = _keys_bytes(staged.keys)
    chunk.save(update_fields=["rows", "format", "errors", "error_count", "status", "statistics", "texts", "keys"])
    Batch.objects.filter(pk=batch.pk).update(chunks_done=F("chunks_done") + 1)


def _format(chunk: BatchChunk, reader) -> str:
    """What the file turned out to be, as one pass names it: "csv+gzip" for a chunk of a gzip's content."""
    return ingest.format_name(reader.format, gzipped=bool(chunk.decompressed)) or ""


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
        chunks = list(batch.chunks.order_by("index").defer("statistics", "texts", "keys"))  # read one at a time
        batch.rows, batch.format = sum(chunk.rows for chunk in chunks), chunks[0].format
        errors, error_count = _chunk_errors(chunks)
        if error_count:
            return _invalid(batch, *_as_one_pass(batch, chunks, errors, error_count))
        statistics = _merged_statistics(batch, chunks)
        if batch.duplicates == DuplicatePolicy.REJECT:
            errors, error_count = _duplicates_across(batch, chunks, statistics)
            if error_count:
                return _invalid(batch, errors, error_count)
            losers = np.zeros(0, np.int64)
        else:
            losers = _losers_across(batch, chunks, statistics)
            statistics = statistics.without_ratings(losers) if len(losers) else statistics
        statistics = statistics.with_item_codes()
        _store(batch, chunks, losers)
        BatchChunk.objects.filter(batch=batch).delete()
        _decompressed_delete_on_commit(batch.pk)
        batch = batch_evaluate(batch=batch, statistics=statistics)
        batch_check(batch=batch)
        batch_probe_notify(batch_id=batch.pk)
        batch.refresh_from_db()
        return batch


def _store(batch: Batch, chunks: list[BatchChunk], losers: np.ndarray) -> None:
    """The staged rows, but for the losers across chunks, become the batch's, with their items' texts; the answers
    dropped are counted and noted as one pass counts them (a valid chunk read a row for each of its planned rows)."""
    attached = _attached(chunks, losers)
    chunks_attach(
        table=ANNOTATIONS,
        key_column="batch_id",
        key=batch.pk,
        chunks=attached,
        primary_key=PRIMARY_KEY,
        indexes=ANNOTATION_INDEXES,
    )
    contents = ItemContents()
    for chunk, staged in zip(chunks, attached, strict=True):
        contents.add(_texts_kept(ItemContents.table_from_bytes(_chunk_field(chunk, "texts")), staged.dropped))
    contents.store(batch)
    batch.rows -= len(losers)
    batch.skipped = sum(chunk.planned_rows - chunk.rows for chunk in chunks) + len(losers)
    batch.intake_notes = [ingest.duplicates_note(batch.skipped, batch.duplicates)] if batch.skipped else []
    batch.save(update_fields=["skipped", "intake_notes"])


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


def _pair_codes(statistics: BatchStatistics) -> np.ndarray:
    """Each rating's (item, annotator) pair as one number.

    Each chunk applied the duplicates policy to its own rows; the merged statistics hold every
    rating in row order with its item and annotator codes, so a repeat across chunks is a
    repeated pair of codes.
    """
    return statistics.item.astype(np.int64) * max(len(statistics.annotator_ids), 1) + statistics.annotator


def _repeats(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions of the keys given more than once, grouped by key, in order within a key, and which of them
    starts its key's group."""
    ordered = np.sort(keys)  # a sort of the keys alone, for the usual answer "none" in little memory
    repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    del ordered
    if not len(repeated):
        return np.zeros(0, np.int64), np.zeros(0, bool)
    positions = np.flatnonzero(np.isin(keys, repeated))
    order = positions[np.argsort(keys[positions], kind="stable")]
    return order, np.r_[True, keys[order][1:] != keys[order][:-1]]


def _staged_rows(chunks: list[BatchChunk], positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ratings by position in the merged statistics: the position of their chunk in ``chunks``, and their staged
    row (``_stage_part``; the data row when no chunk dropped a row)."""
    starts = np.cumsum([0] + [chunk.rows for chunk in chunks])
    of_chunk = np.searchsorted(starts, positions, side="right") - 1
    first_rows = np.array([chunk.first_row for chunk in chunks], np.int64)
    return of_chunk, first_rows[of_chunk] + positions - starts[of_chunk]


def _duplicates_across(batch: Batch, chunks: list[BatchChunk], statistics: BatchStatistics) -> tuple[list[dict], int]:
    """With ``duplicates=reject``: an (item, annotator) pair given in two chunks, reported at its later row as one
    pass reports it."""
    order, starts = _repeats(_pair_codes(statistics))
    if not len(order):
        return [], 0
    first = order[np.maximum.accumulate(np.where(starts, np.arange(len(order)), 0))]
    later, earlier = order[~starts], first[~starts]
    shown = np.argsort(later, kind="stable")[: settings.MAX_LISTED_ERRORS]
    _, later_rows = _staged_rows(chunks, later[shown])
    _, earlier_rows = _staged_rows(chunks, earlier[shown])
    errors = []
    for position, row, before in zip(later[shown], later_rows, earlier_rows, strict=True):
        values = {
            "item_id": str(statistics.item_ids[statistics.item[position]]),
            "annotator_id": str(statistics.annotator_ids[statistics.annotator[position]]),
        }
        errors.append(_repeat_error(batch, int(row), int(before), values))
    return errors, int((~starts).sum())


def _repeat_error(batch: Batch, row: int, first: int, values: dict[str, str]) -> dict:
    """The error one pass reports at a row whose pair (``values``) was given before, at row ``first``."""
    message = ingest.DELIVERY.duplicate_message.format(first=first, **values)
    return ingest.RowError(batch.original_name, row, PAIR[-1], message).as_dict()


def _losers_across(batch: Batch, chunks: list[BatchChunk], statistics: BatchStatistics) -> np.ndarray:
    """With ``duplicates=first`` or ``latest``: the positions, ascending, of the answers that lose to an answer of
    the same pair in another chunk, as in one pass: with ``first`` all but the earliest; with ``latest`` all but the
    one with the latest ``annotated_at``, the last in the file among equals (a missing time is the earliest)."""
    order, starts = _repeats(_pair_codes(statistics))
    if batch.duplicates == DuplicatePolicy.FIRST or not len(order):
        return np.sort(order[~starts])
    pair = np.cumsum(starts)
    ranked = np.lexsort((order, _annotated_at(batch, chunks, order), pair))
    latest = np.r_[pair[ranked][1:] != pair[ranked][:-1], True]
    return np.sort(order[ranked[~latest]])


def _annotated_at(batch: Batch, chunks: list[BatchChunk], positions: np.ndarray) -> np.ndarray:
    """The ``annotated_at`` of ratings by position, read from their staged rows, as comparable integers."""
    ordered = np.argsort(positions, kind="stable")
    times = np.empty(len(positions), object)
    for chunk, within, rows in _by_chunk(chunks, positions[ordered]):
        if not len(rows):
            continue
        staged = chunk_values(
            table=ANNOTATIONS,
            key=batch.pk,
            index=chunk.index,
            row_column=PRIMARY_KEY[-1],
            rows=rows,
            column="annotated_at",
        )
        times[ordered[within]] = [staged[int(row)] for row in rows]
    return pd.to_datetime(pd.Series(times, dtype=object), utc=True, format="ISO8601").array.asi8  # missing: the least


def _by_chunk(chunks: list[BatchChunk], positions: np.ndarray):
    """For ascending positions of ratings: each chunk, the slice of ``positions`` in it, and their staged rows."""
    of_chunk, rows = _staged_rows(chunks, positions)
    bounds = np.searchsorted(of_chunk, np.arange(len(chunks) + 1))
    for at, chunk in enumerate(chunks):
        mine = slice(bounds[at], bounds[at + 1])
        yield chunk, mine, rows[mine]


def _attached(chunks: list[BatchChunk], losers: np.ndarray) -> list[StagedChunk]:
    """Each staging table with its losers to drop and the rows it takes, numbered on from the chunks before it."""
    attached, kept_before = [], 0
    for chunk, _, dropped in _by_chunk(chunks, losers):
        kept = chunk.rows - len(dropped)
        rows_taken = (kept_before + 1, kept_before + kept)
        attached.append(StagedChunk(chunk.index, chunk.first_row, chunk.last_row, dropped, rows_taken))
        kept_before += kept
    return attached


def _texts_kept(texts: pa.Table | None, dropped: np.ndarray) -> pa.Table | None:
    """A chunk's item texts as if its rows ``dropped`` were never given: each text at the first row left that gave
    it, in row order, so each item's first text is the one a single pass keeps."""
    if texts is None:
        return None
    if len(dropped):
        rows = texts.column("rows").combine_chunks()
        values, parents = pc.list_flatten(rows).to_numpy(), pc.list_parent_indices(rows).to_numpy()
        left = ~np.isin(values, dropped)
        given, at = np.unique(parents[left], return_index=True)
        first_left = np.minimum.reduceat(values[left], at) if len(at) else at
        texts = texts.take(given[np.argsort(first_left, kind="stable")])
    return texts.select(ItemContents.SCHEMA.names)


def _as_one_pass(batch: Batch, chunks: list[BatchChunk], errors: list[dict], error_count: int):
    """An invalid batch's errors (and ``batch.rows``) as one pass gives them, from the chunks' and the pairs of their
    rows: with ``reject`` every answer to a pair given before is an error at its row; with ``first`` or ``latest``
    the answers dropped across chunks are no rows."""
    keyed = _keyed(chunks)
    if batch.duplicates == DuplicatePolicy.REJECT:
        return _with_repeats(batch, chunks, keyed, errors, error_count)
    batch.rows -= len(keyed.hashes) - len(np.unique(keyed.hashes))  # each chunk kept a pair once
    return errors, error_count


@dataclass(frozen=True)
class _Keyed:
    """Every chunk's rows with a complete pair, in row order, the pair hashed as one pass's ``SeenKeys`` hashes it
    (so a repeat is what one pass takes for one, a collision of 64-bit hashes included), and where each chunk's
    start."""

    rows: np.ndarray
    hashes: np.ndarray
    bounds: np.ndarray

    def of_chunk(self, positions: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.bounds, positions, side="right") - 1


def _keyed(chunks: list[BatchChunk]) -> _Keyed:
    """The keyed rows of every chunk, read one chunk at a time: 16 bytes a row are kept."""
    rows, hashes = [], []
    for chunk in chunks:
        keys = _chunk_keys(chunk)
        rows.append(keys.column("row").to_numpy())
        pair = [keys.column(name).combine_chunks() for name in PAIR]
        hashes.append(hash_keys(pair) if keys.num_rows else np.zeros(0, np.uint64))
    return _Keyed(np.concatenate(rows), np.concatenate(hashes), np.cumsum([0] + [len(part) for part in rows]))


def _chunk_keys(chunk: BatchChunk) -> pa.Table:
    """A chunk's rows with a complete pair, and the pair: an invalid chunk kept them; a staged one's are its
    statistics' ratings (its rows numbered as staged, the data rows when it dropped none, as with ``reject``)."""
    if chunk.status == BatchChunk.Status.INVALID:
        return pa.ipc.open_stream(pa.py_buffer(_chunk_field(chunk, "keys"))).read_all()
    statistics = BatchStatistics.from_bytes(_chunk_field(chunk, "statistics"))
    pair = [
        pa.array(pd.Series(statistics.item_ids, copy=False), pa.string()).take(statistics.item),
        pa.array(pd.Series(statistics.annotator_ids, copy=False), pa.string()).take(statistics.annotator),
    ]
    rows = pa.array(np.arange(chunk.first_row, chunk.first_row + len(statistics.item), dtype=np.int64))
    return pa.Table.from_arrays([rows, *pair], schema=KEYS_SCHEMA)


def _with_repeats(batch: Batch, chunks: list[BatchChunk], keyed: _Keyed, errors: list[dict], error_count: int):
    """The chunks' errors with every answer to a pair given before, as one pass reports it: at its row, naming the
    pair's first row in the batch.

    A chunk reported the repeats within it, naming the pair's first row in the chunk: those
    listed are named again (a repeat's pair is complete, so it is the only annotator_id error
    of its row, and the errors keep their order). The others (whose pair's answer before is
    in another chunk) are counted and the first of them listed.
    """
    order, starts = _repeats(keyed.hashes)
    firsts = order[np.maximum.accumulate(np.where(starts, np.arange(len(order)), 0))]
    chunk = keyed.of_chunk(order)
    unreported = chunk != np.r_[-1, chunk[:-1]]
    order, firsts, unreported = order[~starts], firsts[~starts], unreported[~starts]
    by_position = np.argsort(order, kind="stable")
    order, firsts, unreported = order[by_position], firsts[by_position], unreported[by_position]
    listed_again = np.isin(keyed.rows[order], [error["row"] for error in errors if error["column"] == PAIR[-1]])
    described = (unreported & (np.cumsum(unreported) <= settings.MAX_LISTED_ERRORS)) | (~unreported & listed_again)
    values = _pairs(chunks, keyed, order[described])
    repeats = {
        int(keyed.rows[position]): _repeat_error(batch, int(keyed.rows[position]), int(keyed.rows[first]), pair)
        for position, first, pair in zip(order[described], firsts[described], values, strict=True)
    }
    named_again = [repeats.get(error["row"], error) if error["column"] == PAIR[-1] else error for error in errors]
    new = [repeats[int(row)] for row in keyed.rows[order[described & unreported]]]
    listed = sorted(named_again + new, key=lambda e: ingest.RowError(**e).sort_key())
    return listed[: settings.MAX_LISTED_ERRORS], error_count + int(unreported.sum())


def _pairs(chunks: list[BatchChunk], keyed: _Keyed, positions: np.ndarray) -> list[dict[str, str]]:
    """The pairs of the keyed rows at ascending ``positions``, as their rows give them: read from their chunks."""
    pairs = []
    of_chunk = keyed.of_chunk(positions)
    for at in np.unique(of_chunk):
        keys = _chunk_keys(chunks[at]).select(list(PAIR))
        pairs += keys.take(positions[of_chunk == at] - keyed.bounds[at]).to_pylist()
    return pairs


def _invalid(batch: Batch, errors: list[dict], error_count: int) -> Batch:
    batch.status = BatchStatus.INVALID
    batch.errors, batch.error_count = errors, error_count
    batch.processed_at = timezone.now()
    batch.save(update_fields=["status", "errors", "error_count", "rows", "format", "processed_at"])
    batch_chunks_discard(batch=batch)
    return batch
