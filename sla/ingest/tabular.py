"""Readers for the flat formats: delimited text, JSON Lines and Parquet, read in chunks.

All three stream: memory holds one chunk (``chunk_rows`` rows) and the reading buffers,
whatever the file size.

Delimited text is parsed by Arrow's streaming CSV reader, every column as raw bytes, so
that a cell that is not UTF-8 is reported at its row and column instead of failing the
whole file; the header and the delimiter are read here first (see ``sniff``). Data rows
are numbered as records after the header: a blank line is not a row, a quoted value that
spans lines is one row. A line with the wrong number of cells is reported and skipped.

JSON Lines is cut into blocks of whole lines, and each block is parsed by Arrow, which
infers the types. A block Arrow cannot parse (a field that is text on one line and an
object on the next, invalid JSON, invalid UTF-8), or reads otherwise than line by line
(two objects on a line, a line of ``null``), is parsed again line by line in Python, so
each bad line is reported at its row and a block reads the same whatever lines share
it; rows are non-blank lines. A key no delivery may hold (a gold label) or two keys
meaning one column are told once for the file, wherever they are, and reading goes on.
Arrow's parser recurses in C, so no line reaches it before its depth and length are
checked (``limits.JsonScan``, applied by ``sources.open_source``).

Parquet is read in row batches, only the columns that map to canonical ones (and only
some row groups, for a part of a split file), after what the whole file declares (rows,
uncompressed sizes) is checked against the limits. Text columns
are read dictionary-encoded and each distinct value's length is checked before the
column is expanded: a value repeated on every row is stored once in the file but would
be materialised on every row.
"""

import csv
import io
import re
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.json as pjson
import pyarrow.parquet as pq

from sla.ingest.common import (
    RawChunk,
    ReadContext,
    RowBuilder,
    json_lines,
    map_columns,
    mapped,
    missing_required,
    rechunk,
)
from sla.ingest.errors import FileProblem
from sla.ingest.limits import check_parquet
from sla.ingest.schema import MAX_CELL_CHARS, Schema
from sla.ingest.sniff import sniff_delimiter
from sla.ingest.sources import HEAD_BYTES, Opened

CSV_BLOCK_BYTES = 4 * 1024 * 1024  # a line longer than about two blocks cannot be read
JSON_BLOCK_BYTES = 16 * 1024 * 1024
MAX_CELL_BYTES = 4 * MAX_CELL_CHARS  # a UTF-8 character takes at most four bytes


def _stop_on_problems(problems: list[tuple[str, str]], context: ReadContext) -> bool:
    for column, message in problems:
        context.log.add(None, column, message)
    return bool(problems)


# Delimited text ------------------------------------------------------------------------


def _header(head: bytes, context: ReadContext) -> tuple[str, list[str]]:
    """The delimiter and the header's column names."""
    end = head.find(b"\n")
    try:
        header = (head if end < 0 else head[:end]).decode("utf-8").rstrip("\r")
    except UnicodeDecodeError as error:
        raise FileProblem(
            f"the header is not UTF-8: byte 0x{error.object[error.start]:02X} at byte {error.start + 1}; "
            "save the file as UTF-8"
        ) from error
    delimiter = sniffed_delimiter(head, context.schema)
    return delimiter, next(csv.reader([header], delimiter=delimiter), [])


def sniffed_delimiter(head: bytes, schema: Schema) -> str:
    """The delimiter of delimited text that starts with ``head`` (its first ``HEAD_BYTES``, after any BOM)."""
    lines = head.decode("utf-8", errors="replace").splitlines()
    if len(head) == HEAD_BYTES and len(lines) > 1:
        lines.pop()  # possibly cut short
    return sniff_delimiter(lines, schema.known_names)


def read_delimited(opened: Opened, context: ReadContext) -> Iterator[RawChunk]:
    delimiter, names = _header(opened.head, context)
    context.format = "tsv" if delimiter == "\t" else "csv"
    mapping, problems = map_columns(names, context.schema)
    if _stop_on_problems(problems + missing_required(mapping, context.schema), context):
        return
    skipped: list[int] = []

    def wrong_width(row: pcsv.InvalidRow) -> str:
        data_row = None if row.number is None else row.number - 1
        context.log.add(data_row, None, f"has {row.actual_columns} cells; the header has {row.expected_columns}")
        if data_row is not None:
            skipped.append(data_row)
        return "skip"

    columns = [f"c{position}" for position in range(len(names))]
    try:
        reader = _open_csv(opened, context, delimiter, columns, mapping, wrong_width)
    except pa.ArrowInvalid as error:  # the first block is read at once
        context.log.add(*_parse_failure(error, 1))
        return
    renamed = [mapping[int(name[1:])] for name in reader.schema.names]
    yield from rechunk(_numbered(reader, renamed, skipped, context), context.chunk_rows)


def _open_csv(opened: Opened, context: ReadContext, delimiter: str, columns: list[str], mapping, wrong_width):
    return pcsv.open_csv(
        opened.stream,
        read_options=pcsv.ReadOptions(column_names=columns, skip_rows=1, block_size=CSV_BLOCK_BYTES, use_threads=False),
        parse_options=pcsv.ParseOptions(
            delimiter=delimiter,
            newlines_in_values=context.schema.multiline,
            invalid_row_handler=wrong_width,
        ),
        convert_options=pcsv.ConvertOptions(
            include_columns=[columns[position] for position in mapping],
            column_types={columns[position]: pa.binary() for position in mapping},
        ),
    )


def _numbered(reader, names: list[str], skipped: list[int], context: ReadContext) -> Iterator[RawChunk]:
    """Each batch with its data rows, which skip the rows of malformed lines."""
    next_row = 1
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except pa.ArrowInvalid as error:
            context.log.add(*_parse_failure(error, next_row))
            return
        skipped[:] = [row for row in skipped if row >= next_row]
        candidates = np.arange(next_row, next_row + batch.num_rows + len(skipped))
        rows = candidates[~np.isin(candidates, skipped)][: batch.num_rows]
        next_row = int(rows[-1]) + 1 if len(rows) else next_row
        yield RawChunk(pa.Table.from_batches([batch]).rename_columns(names), rows)


def _parse_failure(error: pa.ArrowInvalid, next_row: int) -> tuple[int, None, str]:
    """The row, column and message of an error Arrow's parser stopped on; reading stops there.

    A line of the wrong width normally reaches ``wrong_width`` and is skipped; Arrow raises
    instead when it cannot hand the line over (bytes that are not UTF-8), naming its line.
    """
    if "straddl" in str(error):
        limit = CSV_BLOCK_BYTES // 2**20
        message = f"a line at or after this row is too long to read (over {limit} MiB); reading stopped here"
        return next_row, None, message
    width = _WRONG_WIDTH.search(str(error))
    if width:
        line, expected, actual = (int(value) for value in width.groups())
        message = f"has {actual} cells; the header has {expected} (and bytes that are not UTF-8); reading stopped here"
        return line - 1, None, message
    return next_row, None, f"cannot be read as delimited text: {error}"


_WRONG_WIDTH = re.compile(r"Row #(\d+): Expected (\d+) columns, got (\d+)")


# JSON Lines ----------------------------------------------------------------------------


def _line_blocks(stream: io.BufferedReader) -> Iterator[bytes]:
    """The content in blocks of whole lines (the stream refuses a line over the length limit)."""
    carry = b""
    while chunk := stream.read(JSON_BLOCK_BYTES):
        data = carry + chunk
        cut = data.rfind(b"\n") + 1
        if cut:
            yield data[:cut]
        carry = data[cut:]
    if carry.strip():
        yield carry


def read_json_lines(opened: Opened, context: ReadContext) -> Iterator[RawChunk]:
    context.format = "jsonl"
    yield from rechunk(_json_pieces(opened.stream, context), context.chunk_rows)


def _json_pieces(stream: io.BufferedReader, context: ReadContext) -> Iterator[RawChunk]:
    next_row, reported = 1, set()
    for block in _line_blocks(stream):
        table = _arrow_json(block)
        if table is None:
            chunk, next_row = _json_block_by_line(block, next_row, context, reported)
            yield chunk
            continue
        mapping, problems = map_columns(table.column_names, context.schema)
        _report_once(problems, reported, context)
        rows = np.arange(next_row, next_row + table.num_rows)
        next_row += table.num_rows
        yield RawChunk(table.select(list(mapping)).rename_columns(list(mapping.values())), rows)


def _arrow_json(block: bytes) -> pa.Table | None:
    """The block as Arrow parses it, or None when only the line-by-line reading is right.

    Arrow also reads what is not one JSON object a line: two objects on one line (two
    rows), a line of ``null`` (a row of nulls; a crash when it comes first). So Arrow sees
    a block only when each non-blank line starts an object, and its table is used only
    with one row a line: a block reads the same whatever lines share it (in one pass, or
    in a chunk of ``sla.ingest.split``).
    """
    lines = _object_lines(block)
    if lines is None:
        return None
    try:
        block.decode("utf-8")  # Arrow's JSON parser does not check it
        table = pjson.read_json(io.BytesIO(block), read_options=pjson.ReadOptions(block_size=len(block) + 1))
    except (UnicodeDecodeError, pa.ArrowInvalid):
        return None
    return table if table.num_rows == lines else None


def _object_lines(block: bytes) -> int | None:
    """How many non-blank lines the block has, or None when one of them does not start an object."""
    data = np.frombuffer(block, np.uint8)
    starts = np.r_[0, np.flatnonzero(data == ord("\n")) + 1]
    starts = starts[starts < len(data)]
    if (data[starts] == ord("{")).all():  # the usual block: no blank line, each line an object
        return len(starts)
    lines = [line for line in (line.strip() for line in block.split(b"\n")) if line]
    return len(lines) if all(line[:1] == b"{" for line in lines) else None


def _json_block_by_line(
    block: bytes, first_row: int, context: ReadContext, reported: set[tuple[str, str]]
) -> tuple[RawChunk, int]:
    """The rows of a block Arrow could not parse, and the row after it."""
    builder = RowBuilder(context.schema)
    row = first_row - 1
    for row, record in json_lines(block.split(b"\n"), first_row, context.log):
        if record is not None:
            cells, problems = mapped(record, context.schema)
            _report_once(problems, reported, context)
            builder.add(row, cells)
    return builder.take(), row + 1


def _report_once(problems: list[tuple[str, str]], reported: set[tuple[str, str]], context: ReadContext) -> None:
    """Report each problem of the keys (a gold label, two names of one column) once, for the whole file.

    Whichever line holds such a key, the file is told once and every row is still read, so
    that rows and errors do not depend on which block (or chunk of a fanned-out file) holds it.
    """
    for column, message in problems:
        if (column, message) not in reported:
            reported.add((column, message))
            context.log.add(None, column, message)


# Parquet -------------------------------------------------------------------------------


def read_parquet(opened: Opened, context: ReadContext) -> Iterator[RawChunk]:
    context.format = "parquet"
    with opened.random_access() as handle:
        try:
            parquet = pq.ParquetFile(handle)
        except (pa.ArrowException, OSError) as error:
            raise FileProblem(f"this is not a readable Parquet file ({error})") from error
        names = parquet.schema_arrow.names
        mapping, problems = map_columns(names, context.schema)
        if _stop_on_problems(problems + missing_required(mapping, context.schema), context):
            return
        _check_declared(parquet, handle, [names[p] for p in mapping], context)
        text = [names[p] for p in mapping if _is_text(parquet.schema_arrow.field(p).type)]
        next_row = 1
        try:
            parquet = pq.ParquetFile(handle, read_dictionary=text)
            batches = parquet.iter_batches(
                batch_size=context.chunk_rows, row_groups=context.row_groups, columns=[names[p] for p in mapping]
            )
            for batch in batches:
                arrays = pa.RecordBatch.from_arrays(batch.columns, names=list(mapping.values()))
                table = _expanded(arrays, next_row + context.row_offset)
                yield RawChunk(table, np.arange(next_row, next_row + batch.num_rows))
                next_row += batch.num_rows
        except (pa.ArrowException, OSError) as error:
            row = next_row + context.row_offset
            raise FileProblem(f"the Parquet file is damaged near row {row} ({error})") from error


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_binary(kind)


def _check_declared(parquet: pq.ParquetFile, handle, columns: list[str], context: ReadContext) -> None:
    """What the file says it holds, within the limits, before any of it is read."""
    metadata = parquet.metadata
    positions = [parquet.schema.names.index(name) for name in columns if name in parquet.schema.names]
    size = handle.seek(0, io.SEEK_END)
    handle.seek(0)
    check_parquet(metadata, positions, file_bytes=size, max_bytes=context.max_bytes, limits=context.limits)


def _expanded(batch: pa.RecordBatch, first_row: int) -> pa.Table:
    """The batch with its dictionary-encoded text columns expanded, once no value is too long to expand."""
    columns = []
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        if pa.types.is_dictionary(column.type):
            lengths = pc.binary_length(column.dictionary)
            if len(lengths) and pc.max(lengths).as_py() > MAX_CELL_BYTES:
                too_long = pc.take(pc.greater(lengths, MAX_CELL_BYTES), column.indices)
                row = first_row + int(np.flatnonzero(too_long.fill_null(False).to_numpy(zero_copy_only=False))[0])
                raise FileProblem(
                    f"row {row} has a value of {pc.max(lengths).as_py():,} bytes; a cell holds at most "
                    f"{MAX_CELL_CHARS:,} characters, so the file is not read further",
                    column=name,
                )
            column = column.dictionary_decode()
        columns.append(column)
    return pa.Table.from_arrays(columns, names=batch.schema.names)
