"""Cut a delivery into parts a worker parses alone: byte ranges of whole records, or Parquet row groups.

A big delivery fans out over several workers (``sla.services.fanout``): each parses one
range of the stored file. For that a range must start and end between records, and each
worker must know the data row its range starts at, so that rows and errors are numbered
as one pass over the file numbers them (``sla.ingest.reader``: blank lines are not rows).

One streaming pass finds them with numpy, a few megabytes at a time: a record ends at a
line feed; in delimited text only at a line feed outside quotes (RFC 4180 doubles a
quote inside a quoted value, so a line feed is inside quotes exactly when an odd number
of quotes precedes it in the file). A line is blank when it holds nothing but a carriage
return (delimited text, as Arrow's parser skips it) or nothing but white space (JSON
Lines, as ``json_lines`` skips it). Delimited text is not split (it is read in one pass)
where Arrow reads it otherwise than this scan: Arrow ends a line at a carriage return
not followed by a line feed, and honours a quote only at the start of a field (one inside
an unquoted value, ``5" screen``, is a character, and so is one after a quoted value's
closing quote, ``"ab"c"d``). The parity of quotes agrees with Arrow as long as each
quote that opens (an even number before it) follows the delimiter, a line end, the
file's start or another quote (a doubled pair), and each quote that closes is
followed by the delimiter, a line end, a quote (a doubled pair) or the file's end.
Delimited ranges are parsed with the header line put in front of them; a JSON Lines
range starts with a line that is a JSON object, as a reader recognises JSON Lines by
its first line. (A gzipped delivery is split as the plain file its content is, once the
fan-out has stored that content.)

Parquet needs no scan: its footer says how many rows each row group holds and how big it
is, so consecutive row groups of about the target size together are a part
(``split_row_groups``); a file of one row group is not split.
"""

import json
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from sla.ingest.native import jsonl_flavour
from sla.ingest.sources import UTF8_BOM

BLOCK_BYTES = 4 * 1024**2
_LF, _CR, _QUOTE = 10, 13, 34
_JSON_SPACE = np.array([9, 10, 11, 12, 13, 32], np.uint8)


@dataclass(frozen=True)
class Span:
    """Bytes ``start`` to ``end`` of the file hold data rows ``first_row`` to ``first_row + rows - 1``.

    In a Parquet file, the rows are those of ``row_groups``, whose column chunks lie in those bytes.
    """

    start: int
    end: int
    first_row: int
    rows: int
    row_groups: range | None = None


@dataclass(frozen=True)
class Layout:
    """What a worker needs to parse any span alone: the header to put first (b"" for JSON Lines)."""

    header: bytes
    spans: list[Span]


def split_records(stream: BinaryIO, *, delimiter: str | None, target_bytes: int) -> Layout | None:
    """Spans of about ``target_bytes`` (whole records, at least one row each, of equal size rather than a
    short last one) of delimited text with that ``delimiter`` (as the reader sniffs it), or of JSON Lines
    (None); None when delimited text has no header line, or where Arrow would read it otherwise than this
    scan (a carriage return not followed by a line feed, a quote inside a value): read in one pass."""
    delimited = delimiter is not None
    scanner = _Scanner(delimiter=delimiter)
    position = _content_start(stream)
    while not scanner.unsplittable and (block := stream.read(BLOCK_BYTES)):
        scanner.feed(np.frombuffer(block, np.uint8), position)
        position += len(block)
    ends, blank = scanner.finish(position)
    header_end = 0
    if delimited:
        if not len(ends) or blank[0] or scanner.unsplittable:
            return None
        header_end, ends, blank = int(ends[0]), ends[1:], blank[1:]
        stream.seek(0)
        header = stream.read(header_end)
    else:
        header = b""
    data_bytes = max(position - header_end, 1)
    even = data_bytes / max(1, round(data_bytes / target_bytes))  # equal spans: none left over with a few rows
    spans = _spans(header_end, ends, blank, int(even))
    return Layout(header=header, spans=spans if delimited else _json_starts(stream, spans))


def _content_start(stream: BinaryIO) -> int:
    """The offset past a UTF-8 byte order mark (the reader drops it: a quote right after it starts a field)."""
    return len(UTF8_BOM) if stream.read(len(UTF8_BOM)) == UTF8_BOM else stream.seek(0)


def split_row_groups(metadata, *, target_bytes: int) -> Layout | None:
    """Spans of consecutive row groups of a Parquet file (its ``FileMetaData``) of about ``target_bytes``
    uncompressed, at least one row each; None when there is only one span (one row group, or a small file)."""
    groups = [metadata.row_group(index) for index in range(metadata.num_row_groups)]
    sizes = np.array([group.total_byte_size for group in groups], np.int64)
    rows = np.array([group.num_rows for group in groups], np.int64)
    if not rows.sum() or not metadata.num_columns or (sizes < 0).any() or (rows < 0).any():
        return None  # nothing to split, or a footer no writer leaves: the one pass reads (or refuses) it
    cumulative = np.cumsum(sizes, dtype=np.float64)  # a footer may declare any size: no overflow, no huge array
    parts = int(min(max(1, round(cumulative[-1] / target_bytes)), len(groups)))  # never more spans than groups
    boundaries = cumulative[-1] * np.arange(1, parts + 1) / parts  # equal spans, as for text
    lasts = np.unique(_nearest(cumulative, boundaries))  # the group ending nearest each boundary
    chosen, first = [], 0
    for last in lasts:
        if rows[first : last + 1].sum():  # no span without rows: groups without any join the next span
            chosen.append(range(first, int(last) + 1))
            first = int(last) + 1
    if rows[first:].sum():
        chosen.append(range(first, len(groups)))
    elif first < len(groups):  # groups without rows at the end belong to the last span
        chosen[-1] = range(chosen[-1].start, len(groups))
    spans = [_row_group_span(groups, span, first_row=int(rows[: span.start].sum()) + 1) for span in chosen]
    if any(span.start < 0 or span.end < span.start for span in spans):
        return None  # offsets no writer leaves: the one pass reads (or refuses) the file
    return Layout(header=b"", spans=spans) if len(spans) > 1 else None


def _nearest(ascending: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For each value, the position of the nearest element of ``ascending`` (the lower one on a tie)."""
    above = np.clip(np.searchsorted(ascending, values), 0, len(ascending) - 1)
    below = np.clip(above - 1, 0, len(ascending) - 1)
    return np.where(np.abs(ascending[below] - values) <= np.abs(ascending[above] - values), below, above)


def _row_group_span(groups: list, chosen: range, *, first_row: int) -> Span:
    """The span of some row groups: the bytes from their first column chunk to the end of their last."""
    starts, ends = [], []
    for index in chosen:
        for column in (groups[index].column(position) for position in range(groups[index].num_columns)):
            start = column.dictionary_page_offset if column.has_dictionary_page else column.data_page_offset
            starts.append(start)
            ends.append(start + column.total_compressed_size)
    rows = sum(groups[index].num_rows for index in chosen)
    return Span(start=min(starts), end=max(ends), first_row=first_row, rows=rows, row_groups=chosen)


def _json_starts(stream: BinaryIO, spans: list[Span]) -> list[Span]:
    """Spans whose first line is a JSON object: a worker recognises its range as JSON Lines by it.

    A span that starts with a broken line is joined to the one before, so the broken line
    is reported at its row, as one pass reports it, not as a broken file; so is one that
    starts with a byte order mark (a reader drops it from the start of what it reads) or
    with a record the reader would take for another tool's export (``jsonl_flavour``).
    """
    joined = spans[:1]
    for span in spans[1:]:
        stream.seek(span.start)
        line = b""
        while not line.strip() and (line := stream.readline()):
            pass
        try:  # as the reader reads it: UTF-8 without a byte order mark, a canonical record
            starts_well = isinstance(json.loads(line.decode("utf-8")), dict) and jsonl_flavour(line) == "jsonl"
        except ValueError:
            starts_well = False
        if starts_well:
            joined.append(span)
        else:
            before = joined[-1]
            joined[-1] = Span(before.start, span.end, before.first_row, before.rows + span.rows)
    return joined


class _Scanner:
    """Record ends (the offset just past each record) and whether each record is blank.

    Only line feeds and quotes are located (most CSV has no quote at all); a line is read
    byte by byte only when it is short or starts with white space, the only lines that can
    be blank, or when it runs across two blocks.
    """

    def __init__(self, *, delimiter: str | None):
        self.delimited = delimiter is not None
        self.quotes = 0  # quotes seen so far, for the parity of the next line feed
        self.open = b""  # the unterminated line so far, while it may still be blank (else None)
        self.ends: list[np.ndarray] = []
        self.blank: list[np.ndarray] = []
        self.unsplittable = False  # delimited text Arrow reads otherwise than this scan
        self._ends_in_cr = False  # the text fed so far ends with a carriage return
        self._beside_quote = np.isin(np.arange(256), [_LF, _CR, _QUOTE, *(delimiter or "").encode()])
        self._before = _LF  # the byte before the next block: the file starts as a line does
        self._ends_in_closing = False  # the text fed so far ends with a closing quote

    def feed(self, data: np.ndarray, position: int) -> None:
        feeds = np.flatnonzero(data == _LF)
        if self.delimited:
            self._find_lone_cr(data)
            quotes = np.flatnonzero(data == _QUOTE)
            self._find_misread_quotes(data, quotes)
            if len(quotes) or self.quotes % 2:
                feeds = feeds[(self.quotes + np.searchsorted(quotes, feeds)) % 2 == 0]
            self.quotes += len(quotes)
        if not len(feeds):
            self.open = self._still_blank(self.open, data)
            return
        starts = np.r_[0, feeds[:-1] + 1]
        first_bytes = data[np.minimum(starts, len(data) - 1)]
        blank = np.zeros(len(feeds), bool)
        for index in np.flatnonzero((feeds - starts <= 1) | np.isin(first_bytes, _JSON_SPACE)):
            if index:
                blank[index] = self._blank(data[starts[index] : feeds[index]].tobytes())
        first = self._still_blank(self.open, data[: feeds[0]])
        blank[0] = first is not None and self._blank(first)
        self.open = self._still_blank(b"", data[feeds[-1] + 1 :])
        self.ends.append(feeds.astype(np.int64) + position + 1)
        self.blank.append(blank)

    def _find_lone_cr(self, data: np.ndarray) -> None:
        returns = np.flatnonzero(data == _CR)
        inner = returns[returns < len(data) - 1]  # a return at the block's end is judged by the next block
        lone = (self._ends_in_cr and data[0] != _LF) or bool((data[inner + 1] != _LF).any())
        self.unsplittable = self.unsplittable or lone
        self._ends_in_cr = bool(len(returns)) and returns[-1] == len(data) - 1

    def _find_misread_quotes(self, data: np.ndarray, quotes: np.ndarray) -> None:
        """Note a quote that opens (by parity) where no field starts, or closes where no field ends."""
        beside = self._beside_quote
        openings, closings = quotes[self.quotes % 2 :: 2], quotes[1 - self.quotes % 2 :: 2]
        misread = self._ends_in_closing and not beside[data[0]]
        if len(openings) and openings[0] == 0:
            misread, openings = misread or not beside[self._before], openings[1:]
        self._ends_in_closing = bool(len(closings)) and closings[-1] == len(data) - 1
        if self._ends_in_closing:  # judged by the next block's first byte
            closings = closings[:-1]
        misread = misread or not (beside[data[openings - 1]].all() and beside[data[closings + 1]].all())
        self.unsplittable = self.unsplittable or misread
        self._before = data[-1]

    def _blank(self, line: bytes) -> bool:
        return line in (b"", b"\r") if self.delimited else not line.strip()

    def _still_blank(self, so_far: bytes | None, more: np.ndarray) -> bytes | None:
        """The open line with ``more`` bytes, or None once it holds more than a blank line may."""
        if so_far is None or len(so_far) + len(more) > (1 if self.delimited else BLOCK_BYTES):
            return None
        line = so_far + more.tobytes()
        return line if self._blank(line) else None

    def finish(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        ends = np.concatenate([*self.ends, np.zeros(0, np.int64)])
        blank = np.concatenate([*self.blank, np.zeros(0, bool)])
        if (not len(ends) or ends[-1] < size) and size:
            ends, blank = np.append(ends, size), np.append(blank, self.open is not None)
        return ends, blank


def _spans(start: int, ends: np.ndarray, blank: np.ndarray, target_bytes: int) -> list[Span]:
    """Cut after the first record end at least ``target_bytes`` past each span's start; no span without rows."""
    rows_before = np.cumsum(~blank)  # data rows up to and including each record
    spans, first_index = [], 0
    while first_index < len(ends):
        last = int(np.searchsorted(ends, start + target_bytes, side="left"))
        last = min(max(last, first_index), len(ends) - 1)
        rows_so_far = int(rows_before[first_index - 1]) if first_index else 0
        rows = int(rows_before[last]) - rows_so_far
        if rows:
            spans.append(Span(start=start, end=int(ends[last]), first_row=rows_so_far + 1, rows=rows))
        elif spans:  # blank lines only: they belong to the span before
            spans[-1] = Span(spans[-1].start, int(ends[last]), spans[-1].first_row, spans[-1].rows)
        start, first_index = int(ends[last]), last + 1
    return spans
