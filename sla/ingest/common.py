"""The pieces every reader shares: chunks, column mapping, and rows built in Python.

A reader turns one file format into ``RawChunk``s: an Arrow table with canonical column
names plus the 1-based data row of each of its rows. Columnar formats produce them with
Arrow; the native exports of annotation tools (nested) and JSON Lines blocks whose lines
disagree on a field's type are built one record at a time with ``RowBuilder``. A cell
that is wrong in a way only the reader can see (a list of two labels, an unknown Prodigy
answer) travels as an ``Invalid`` value, so the validator reports it once, at its row and
column, and does not also call the cell missing.
"""

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from sla.ingest.aliases import COLUMN_ALIASES, normalize
from sla.ingest.errors import ErrorLog
from sla.ingest.limits import DEFAULT, Limits
from sla.ingest.schema import Kind, Schema


@dataclass
class RawChunk:
    table: pa.Table  # canonical column names, any types
    rows: np.ndarray  # 1-based data row of each table row, non-decreasing
    problems: dict[str, dict[int, str]] = field(default_factory=dict)  # column -> {position: message}


@dataclass
class ReadContext:
    """What a reader needs, and what it reports besides rows and errors."""

    schema: Schema
    log: ErrorLog
    chunk_rows: int
    format: str | None = None
    skipped: int = 0  # answers deliberately not turned into rows (ignored, cancelled)
    annotator: str | None = None  # the annotator given on upload, for exports that do not name one
    notes: dict[str, int] = field(default_factory=dict)  # what was skipped or read specially, counted
    limits: Limits = DEFAULT
    max_bytes: int | None = None  # the file's size limit, which also bounds what it may declare
    row_groups: list[int] | None = None  # the Parquet row groups to read (one part of a split file); None: all
    row_offset: int = 0  # rows before the part read (a split file's), for a message that names a row in its text

    def note(self, what: str, *, skipped: bool = True) -> None:
        """Count one answer of kind ``what`` (a sentence for the batch's notes), skipped or not."""
        self.notes[what] = self.notes.get(what, 0) + 1
        self.skipped += skipped


@dataclass(frozen=True)
class Invalid:
    """A cell the reader already knows to be wrong, with the reason."""

    message: str


def map_columns(names: Iterable[str], schema: Schema) -> tuple[dict[int, str], list[tuple[str, str]]]:
    """Which positions hold which canonical column, and the (column, message) problems.

    A name spelled like the canonical column itself wins over aliases ("item_id" beats
    "id"); two aliases of one column are ambiguous: the first is mapped and it is reported.
    """
    known = schema.known_names
    candidates: dict[str, list[tuple[int, str]]] = {}
    refused: list[tuple[str, str]] = []
    for position, name in enumerate(map(str, names)):
        if reason := schema.refusal(name):
            refused.append((name, reason))
        elif canonical := known.get(normalize(name)):
            candidates.setdefault(canonical, []).append((position, name))
    mapping, problems = {}, []
    for canonical, found in candidates.items():
        exact = [(position, name) for position, name in found if normalize(name) == normalize(canonical)]
        chosen = exact or found
        mapping[chosen[0][0]] = canonical
        if len(chosen) > 1:
            problems.append((canonical, f"{chosen[0][1]!r} and {chosen[1][1]!r} both mean {canonical}; keep one"))
    return mapping, problems + refused


def missing_required(mapping: dict[int, str], schema: Schema) -> list[tuple[str, str]]:
    """(column, message) for each required column no name was mapped to."""
    present = set(mapping.values())
    return [
        (name, f"required column {name} is missing (accepted names: {', '.join(COLUMN_ALIASES[name])})")
        for name in schema.required
        if name not in present
    ]


def _joined(chunks: list[RawChunk]) -> RawChunk:
    problems: dict[str, dict[int, str]] = {}
    offset = 0
    for chunk in chunks:
        for column, found in chunk.problems.items():
            problems.setdefault(column, {}).update({offset + i: message for i, message in found.items()})
        offset += len(chunk.rows)
    return RawChunk(pa.concat_tables([c.table for c in chunks]), np.concatenate([c.rows for c in chunks]), problems)


def _split(chunk: RawChunk, rows: int) -> tuple[RawChunk, RawChunk]:
    def part(keep, shift: int) -> dict[str, dict[int, str]]:
        return {
            column: {i - shift: message for i, message in found.items() if keep(i)}
            for column, found in chunk.problems.items()
        }

    return (
        RawChunk(chunk.table.slice(0, rows), chunk.rows[:rows], part(lambda i: i < rows, 0)),
        RawChunk(chunk.table.slice(rows), chunk.rows[rows:], part(lambda i: i >= rows, rows)),
    )


def rechunk(pieces: Iterable[RawChunk], chunk_rows: int) -> Iterator[RawChunk]:
    """Regroup pieces into chunks of ``chunk_rows`` rows; a change of schema ends a chunk."""
    pending: list[RawChunk] = []
    for piece in pieces:
        if pending and piece.table.schema != pending[0].table.schema:
            yield _joined(pending)
            pending = []
        pending.append(piece)
        while sum(len(chunk.rows) for chunk in pending) >= chunk_rows:
            chunk, rest = _split(_joined(pending), chunk_rows)
            yield chunk
            pending = [rest]
    if sum(len(chunk.rows) for chunk in pending):
        yield _joined(pending)


def not_utf8(error: UnicodeDecodeError, where: str) -> str:
    return (
        f"is not UTF-8: byte 0x{error.object[error.start]:02X} at byte {error.start + 1} of the {where}; "
        "save the file as UTF-8"
    )


def json_lines(lines: Iterable[bytes], first_row: int, log: ErrorLog) -> Iterator[tuple[int, dict | None]]:
    """(row, record) for each non-blank line; record is None (and reported) when unusable."""
    row = first_row - 1
    for line in lines:
        if not line.strip():
            continue
        row += 1
        try:
            record = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError as error:
            log.add(row, None, not_utf8(error, "line"))
            record = None
        except ValueError as error:
            log.add(row, None, f"is not valid JSON: {error}")
            record = None
        else:
            if not isinstance(record, dict):  # ``null`` too: reported, not passed over in silence
                log.add(row, None, f"is not a JSON object but {type_of(record)}")
                record = None
        yield row, record


def type_of(value) -> str:
    """How a JSON value's type is named in messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return "a number"
    return "text"


def _encodable(text: str) -> bool:
    """False for text JSON can carry but UTF-8 cannot: a lone surrogate from an escape like ``\\ud800``."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def format_number(value: int | float) -> str:
    """A JSON number as text, as Arrow writes it: 3 and 3.0 both become "3"."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def cell_text(value, kind: Kind) -> tuple[str | None, str | None]:
    """A JSON value as cell text, or the problem that stops it being one."""
    if isinstance(value, str) and not _encodable(value):
        return None, (
            "holds half of a UTF-16 surrogate pair (an escape such as \\ud800 with no partner), "
            "which is not a character; export the file again as UTF-8"
        )
    if value is None or isinstance(value, str):
        return value, None
    if isinstance(value, Invalid):
        return None, value.message
    if isinstance(value, bool):
        if kind == Kind.FLAG:
            return str(value).lower(), None
    elif isinstance(value, int | float):
        return format_number(value), None
    expected = "a number" if kind == Kind.PROBABILITY else "text"
    return None, f"expected {expected}, got {type_of(value)}"


def mapped(record: dict, schema: Schema) -> tuple[dict, list[tuple[str, str]]]:
    """The canonical cells of a flat JSON record, found under any accepted key, and the
    (column, message) problems of its keys (``map_columns``)."""
    keys = list(record)
    mapping, problems = map_columns(keys, schema)
    return {canonical: record[keys[position]] for position, canonical in mapping.items()}, problems


def aliased(record: dict, schema: Schema) -> dict:
    """The canonical cells of a flat JSON record, found under any accepted key."""
    cells, problems = mapped(record, schema)
    # A refused key (a gold label in a delivery) is named by itself, not by a canonical
    # column; it is reported on the label cell, which is what it used to be read as.
    cells.update({column if column in schema.names else "label": Invalid(message) for column, message in problems})
    return cells


class RowBuilder:
    """Collects rows of cells one record at a time and hands them over as a RawChunk."""

    def __init__(self, schema: Schema):
        self._schema = schema
        self._reset()

    def _reset(self) -> None:
        self._values: dict[str, list] = {name: [] for name in self._schema.names}
        self._problems: dict[str, dict[int, str]] = {}
        self._rows: list[int] = []
        self._present: set[str] = set()

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, row: int, cells: dict) -> None:
        position = len(self._rows)
        self._present.update(cells)
        for column in self._schema.columns:
            text, problem = cell_text(cells.get(column.name), column.kind)
            self._values[column.name].append(text)
            if problem:
                self._problems.setdefault(column.name, {})[position] = problem
        self._rows.append(row)

    def take(self) -> RawChunk:
        """The rows so far. A column no row had at all is left out, so it reads as absent."""
        present = {
            name: pa.array(values, pa.string()) for name, values in self._values.items() if name in self._present
        }
        chunk = RawChunk(pa.table(present), np.array(self._rows, np.int64), self._problems)
        self._reset()
        return chunk
