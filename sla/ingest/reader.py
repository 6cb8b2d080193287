"""Read and validate a delivery, gold set or QA review file, streaming or whole.

This is the entry point the intake service drives. ``iter_delivery`` streams validated
chunks so a file of any size is stored with bounded memory; ``read_delivery``,
``read_gold`` and ``read_qa_reviews`` return the whole file at once, for small files,
commands and notebooks.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa

from sla.ingest.common import ReadContext
from sla.ingest.errors import ErrorLog, FileProblem, RowError, ShiftedLog
from sla.ingest.limits import DEFAULT, Limits
from sla.ingest.native import jsonl_flavour, read_doccano, read_json, read_prodigy
from sla.ingest.schema import DELIVERY, GOLD, QA_REVIEWS, Kind, Schema
from sla.ingest.sources import open_source
from sla.ingest.tabular import read_delimited, read_json_lines, read_parquet
from sla.ingest.validate import DUPLICATE_POLICIES, TIMESTAMP_TYPE, ChunkValidator

READERS = {
    "delimited": read_delimited,
    "jsonl": read_json_lines,
    "parquet": read_parquet,
    "json": read_json,
    "prodigy": read_prodigy,
    "doccano": read_doccano,
}
# Rows validated at a time. Reading memory grows with it: about 300 MB above the imports
# at 200,000 rows of ten columns (650 MB at 500,000), plus 16 bytes a row kept for the
# duplicate check. Per-chunk overheads are already negligible here: larger chunks are not
# faster.
CHUNK_ROWS = 200_000
ARROW_TYPES = {
    Kind.PROBABILITY: pa.float64(),
    Kind.TIMESTAMP: TIMESTAMP_TYPE,
    Kind.FLAG: pa.bool_(),
}


def _frame(table: pa.Table, rows: np.ndarray) -> pd.DataFrame:
    frame = table.to_pandas()
    contiguous = len(rows) and rows[-1] - rows[0] == len(rows) - 1
    frame.index = pd.RangeIndex(rows[0], rows[-1] + 1, name="row") if contiguous else pd.Index(rows, name="row")
    return frame


def empty_frame(schema: Schema) -> pd.DataFrame:
    """A frame with the schema's columns and types and no rows."""
    table = pa.table({c.name: pa.array([], ARROW_TYPES.get(c.kind, pa.string())) for c in schema.columns})
    return _frame(table, np.array([], np.int64))


@dataclass
class DeliveryChunk:
    """Validated canonical rows of one chunk.

    ``table`` has every column of the schema, typed: text as strings, ``confidence``
    float64, timestamps ``timestamp[us, UTC]``, ``escalated`` bool (missing: false);
    Arrow writes it out fast (``pyarrow.csv.write_csv`` for a ``COPY``). ``rows`` holds
    each row's 1-based data row in the file, ``first_row`` the first of them.
    """

    table: pa.Table
    rows: np.ndarray
    first_row: int

    @cached_property
    def frame(self) -> pd.DataFrame:
        """The chunk as pandas, built on first use: text columns as pandas strings
        (missing: NaN), ``confidence`` float (NaN), timestamps tz-aware UTC (NaT),
        ``escalated`` bool. Its index, named ``row``, holds the data rows."""
        return _frame(self.table, self.rows)


def format_name(kind: str | None, *, gzipped: bool) -> str | None:
    """A delivery's format as pages and the API show it: the kind read, with "+gzip" when it came compressed;
    also said of a file read in chunks from its decompressed content."""
    if kind is None:
        return None
    return kind + ("+gzip" if gzipped else "")


def duplicates_note(dropped: int, policy: str) -> str:
    """The note of answers the duplicates policy ``policy`` dropped; also said of a file read in chunks."""
    kept = "the latest" if policy == "latest" else "the first"
    return f"{dropped:,} repeated answers of an annotator to an item dropped (duplicates={policy}: {kept} answer kept)"


class DeliveryReader:
    """Iterates the validated chunks of a file; its outcome is known once iteration ends.

    Every chunk is yielded, also after errors, so that the whole file is read, every
    problem counted and progress can be shown. The file is valid only if ``error_count``
    is still 0 when iteration ends: store chunks in one transaction, stop storing (but go
    on iterating) once ``error_count`` is above 0, and roll back if it is at the end. In
    a chunk read after an error, bad cells are null. The counters (``rows``,
    ``error_count``, ``bytes_read``) can be read during iteration and are reset when
    iteration starts again.
    """

    def __init__(
        self,
        source,
        *,
        filename: str,
        schema: Schema = DELIVERY,
        labels: Iterable[str] | None = None,
        max_bytes: int | None = None,
        chunk_rows: int = CHUNK_ROWS,
        max_errors: int = 100,
        annotator: str | None = None,
        duplicates: str = "reject",
        numeric_labels: bool = False,
        limits: Limits = DEFAULT,
        first_row: int = 1,
        row_groups: list[int] | None = None,
    ):
        if chunk_rows < 1:
            raise ValueError("chunk_rows must be at least 1")
        if duplicates not in DUPLICATE_POLICIES:
            raise ValueError(f"duplicates must be one of {', '.join(DUPLICATE_POLICIES)}")
        self._annotator = annotator or None
        self._duplicates = duplicates
        self._numeric_labels = numeric_labels
        self._dropped = 0
        self._source = source
        self._schema = schema
        self._labels = None if labels is None else list(labels)
        self._max_bytes = max_bytes
        self._chunk_rows = chunk_rows
        self._limits = limits
        self._row_offset = first_row - 1  # a part of a split file: its first data row is this many rows on
        self._row_groups = row_groups  # a part of a split Parquet file: its row groups (None: all)
        self._log = ErrorLog(filename, max_errors)
        self._context = self._new_context()
        self._gzipped = False
        self._opened = None
        self.filename = filename
        self.rows = 0  # data rows read, valid or not

    @property
    def errors(self) -> list[RowError]:
        """The first ``max_errors`` problems, in row order (whole-file problems first)."""
        return self._log.errors

    @property
    def error_count(self) -> int:
        return self._log.count

    @property
    def format(self) -> str | None:
        """What the file turned out to be: "csv", "tsv", "jsonl", "parquet", "label_studio",
        "label_studio_0x", "label_studio_min", "json" (a list of records), "prodigy" or
        "doccano", with "+gzip" when compressed; None if not recognised."""
        return format_name(self._context.format, gzipped=self._gzipped)

    @property
    def bytes_read(self) -> int:
        """Bytes of the file read so far, for a progress bar against the file's size."""
        return 0 if self._opened is None else self._opened.bytes_read

    @property
    def skipped(self) -> int:
        """Answers a native export marks as ignored, rejected or cancelled, and answers
        dropped by the duplicates policy: not rows."""
        return self._context.skipped + self._dropped

    @property
    def notes(self) -> list[str]:
        """What was skipped or read specially, one counted sentence each, for the batch's page."""
        notes = [f"{count:,} {what}" for what, count in self._context.notes.items()]
        if self._dropped:
            notes.append(duplicates_note(self._dropped, self._duplicates))
        return notes

    def _new_context(self) -> ReadContext:
        return ReadContext(
            self._schema,
            ShiftedLog(self._log, self._row_offset) if self._row_offset else self._log,
            self._chunk_rows,
            annotator=self._annotator,
            limits=self._limits,
            max_bytes=self._max_bytes,
            row_groups=self._row_groups,
            row_offset=self._row_offset,
        )

    def _chunks(self, validator: ChunkValidator) -> Iterator[tuple[pa.Table, np.ndarray]]:
        with open_source(self._source, max_bytes=self._max_bytes, limits=self._limits) as opened:
            self._opened, self._gzipped = opened, opened.gzipped
            kind = jsonl_flavour(opened.head) if opened.kind == "jsonl" else opened.kind
            for raw in READERS[kind](opened, self._context):
                raw.rows = raw.rows + self._row_offset
                yield validator.validate(raw)

    def _latest_rows(self) -> np.ndarray | None:
        """A first, silent pass for ``duplicates="latest"``: which rows hold each key's latest answer."""
        log, self._log = self._log, ErrorLog(self.filename, 0)
        self._context = self._new_context()
        collector = ChunkValidator(
            self._schema, labels=self._labels, log=self._log, duplicates="collect", numeric=self._numeric_labels
        )
        try:
            total = sum(len(rows) for _, rows in self._chunks(collector))
        except FileProblem:
            return None
        finally:
            self._log = log
        return collector.latest_rows(total)

    def __iter__(self) -> Iterator[DeliveryChunk]:
        self._log = ErrorLog(self.filename, self._log.limit)
        keep = self._latest_rows() if self._duplicates == "latest" else None
        self._context = self._new_context()
        self._opened, self._gzipped, self.rows = None, False, 0
        policy = "reject" if self._duplicates == "latest" else self._duplicates
        validator = ChunkValidator(
            self._schema,
            labels=self._labels,
            log=self._log,
            duplicates=policy,
            keep=keep,
            numeric=self._numeric_labels,
        )
        try:
            for table, rows in self._chunks(validator):
                self.rows += table.num_rows
                self._dropped = validator.dropped
                if table.num_rows:
                    yield DeliveryChunk(table, rows, int(rows[0]))
        except FileProblem as problem:
            self._log.add(None, problem.column, problem.message)
        self._dropped = validator.dropped
        if not self.rows and not self._log.count:
            self._log.add(None, None, "the file has no data rows")


@dataclass(frozen=True)
class Delivery:
    """A whole file read at once. ``frame`` is empty unless the file is valid."""

    frame: pd.DataFrame
    errors: list[RowError]
    error_count: int
    format: str | None
    rows: int
    skipped: int = 0
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error_count == 0


def iter_delivery(
    source,
    *,
    filename: str,
    labels: Iterable[str] | None = None,
    max_bytes: int | None = None,
    chunk_rows: int = CHUNK_ROWS,
    max_errors: int = 100,
    annotator: str | None = None,
    duplicates: str = "reject",
    numeric_labels: bool = False,
    limits: Limits = DEFAULT,
    first_row: int = 1,
    row_groups: list[int] | None = None,
) -> DeliveryReader:
    """Stream a delivery file as validated canonical chunks (see ``DeliveryReader``).

    ``source``: a path, or a binary file object (a Django ``File``/``UploadedFile``),
    read from its start. ``filename``: the name errors are reported under. ``labels``:
    the task type's label set; a label or prelabel outside it is an error (None: any).
    ``max_bytes``: the largest file accepted, and the largest decompressed content of a
    gzip (None: no limit). ``chunk_rows``: rows validated and yielded at a time.
    ``max_errors``: how many errors are listed, first by row; all are counted.
    ``annotator``: the annotator of an export that names none (doccano's per-user export,
    which otherwise takes the file name's stem; Prodigy without ``_annotator_id`` and
    ``_session_id``; Label Studio without ``completed_by``). ``duplicates``: what an
    annotator's second answer to an item is: ``reject`` (an error, the default), ``first``
    (the first in the file is kept) or ``latest`` (the one with the latest
    ``annotated_at`` is kept, the last in the file among equals; this reads the file twice).
    ``numeric_labels``: the task type's level is ordered (ordinal, interval, ratio), so a
    label that spells one of the label set's numbers differently ("00", "2.0") is that label,
    stored as the set spells it.
    ``limits``: JSON depth, line length and compression ratio (see ``limits``).
    ``first_row``: the data row the source starts at, when it is one range of a split file
    (``sla.ingest.split``): rows and errors are numbered as in the whole file.
    ``row_groups``: the row groups of a Parquet file to read, when the part is some of them
    (None: all); ``first_row`` is then the first row of the first of them.

    Data rows are numbered from 1: for delimited text, the records after the header
    (blank lines are not rows); for JSON Lines, Prodigy and doccano, the non-blank lines;
    for Label Studio, the position of the task in the exported list, shared by all its
    annotations. Each cell is checked for its type, UTF-8, length (at most
    ``MAX_CELL_CHARS`` = 1000 characters), control characters, spreadsheet formulas,
    and its kind (label set, queue and escalated spellings, confidence within [0, 1],
    ISO 8601 timestamps); required values must be present and (item, annotator) pairs
    unique across the file.
    """
    return DeliveryReader(
        source,
        filename=filename,
        labels=labels,
        max_bytes=max_bytes,
        chunk_rows=chunk_rows,
        max_errors=max_errors,
        annotator=annotator,
        duplicates=duplicates,
        numeric_labels=numeric_labels,
        limits=limits,
        first_row=first_row,
        row_groups=row_groups,
    )


def _read_whole(reader: DeliveryReader, schema: Schema) -> Delivery:
    frames = [chunk.frame for chunk in reader if not reader.error_count]
    valid = not reader.error_count and frames
    return Delivery(
        frame=pd.concat(frames) if valid else empty_frame(schema),
        errors=reader.errors,
        error_count=reader.error_count,
        format=reader.format,
        rows=reader.rows,
        skipped=reader.skipped,
        notes=tuple(reader.notes),
    )


def read_delivery(
    source,
    *,
    filename: str,
    labels: Iterable[str] | None = None,
    max_bytes: int | None = None,
    max_errors: int = 100,
    chunk_rows: int = CHUNK_ROWS,
    annotator: str | None = None,
    duplicates: str = "reject",
    numeric_labels: bool = False,
    limits: Limits = DEFAULT,
) -> Delivery:
    """A whole delivery file, validated: columns as in ``DeliveryChunk``; options as ``iter_delivery``."""
    reader = iter_delivery(
        source,
        filename=filename,
        labels=labels,
        max_bytes=max_bytes,
        chunk_rows=chunk_rows,
        max_errors=max_errors,
        annotator=annotator,
        duplicates=duplicates,
        numeric_labels=numeric_labels,
        limits=limits,
    )
    return _read_whole(reader, DELIVERY)


def read_gold(
    source,
    *,
    filename: str,
    labels: Iterable[str] | None = None,
    max_bytes: int | None = None,
    max_errors: int = 100,
    chunk_rows: int = CHUNK_ROWS,
    numeric_labels: bool = False,
    limits: Limits = DEFAULT,
) -> Delivery:
    """A gold set: columns ``item_id, label``; an item may appear only once."""
    reader = DeliveryReader(
        source,
        filename=filename,
        schema=GOLD,
        labels=labels,
        max_bytes=max_bytes,
        chunk_rows=chunk_rows,
        max_errors=max_errors,
        numeric_labels=numeric_labels,
        limits=limits,
    )
    return _read_whole(reader, GOLD)


def read_qa_reviews(
    source,
    *,
    filename: str,
    max_bytes: int | None = None,
    max_errors: int = 100,
    chunk_rows: int = CHUNK_ROWS,
    limits: Limits = DEFAULT,
) -> Delivery:
    """QA review verdicts: ``item_id, reviewer, verdict`` (ok or defect), ``defect_type, note``."""
    reader = DeliveryReader(
        source,
        filename=filename,
        schema=QA_REVIEWS,
        max_bytes=max_bytes,
        chunk_rows=chunk_rows,
        max_errors=max_errors,
        limits=limits,
    )
    return _read_whole(reader, QA_REVIEWS)
