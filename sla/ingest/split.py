"""Cut a line-oriented delivery (CSV, TSV, JSON Lines) into byte ranges of whole records.

A big delivery fans out over several workers (``sla.services.fanout``): each parses one
range of the stored file. For that a range must start and end between records, and each
worker must know the data row its range starts at, so that rows and errors are numbered
as one pass over the file numbers them (``sla.ingest.reader``: blank lines are not rows).

One streaming pass finds them with numpy, a few megabytes at a time: a record ends at a
line feed; in delimited text only at a line feed outside quotes (RFC 4180 doubles a
quote inside a quoted value, so a line feed is inside quotes exactly when an odd number
of quotes precedes it in the file). A line is blank when it holds nothing but a carriage
return (delimited text, as Arrow's parser skips it) or nothing but white space (JSON
Lines, as ``json_lines`` skips it). Delimited ranges are parsed with the header line
put in front of them.
"""

from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

BLOCK_BYTES = 4 * 1024**2
_LF, _CR, _QUOTE = 10, 13, 34
_JSON_SPACE = np.array([9, 10, 11, 12, 13, 32], np.uint8)


@dataclass(frozen=True)
class Span:
    """Bytes ``start`` to ``end`` of the file hold data rows ``first_row`` to ``first_row + rows - 1``."""

    start: int
    end: int
    first_row: int
    rows: int


@dataclass(frozen=True)
class Layout:
    """What a worker needs to parse any span alone: the header to put first (b"" for JSON Lines)."""

    header: bytes
    spans: list[Span]


def split_records(stream: BinaryIO, *, delimited: bool, target_bytes: int) -> Layout | None:
    """Spans of about ``target_bytes`` (whole records, at least one row each); None when the file has no header line."""
    scanner = _Scanner(delimited=delimited)
    position = 0
    while block := stream.read(BLOCK_BYTES):
        scanner.feed(np.frombuffer(block, np.uint8), position)
        position += len(block)
    ends, blank = scanner.finish(position)
    header_end = 0
    if delimited:
        if not len(ends) or blank[0]:
            return None
        header_end, ends, blank = int(ends[0]), ends[1:], blank[1:]
        stream.seek(0)
        header = stream.read(header_end)
    else:
        header = b""
    return Layout(header=header, spans=_spans(header_end, ends, blank, target_bytes))


class _Scanner:
    """Record ends (the offset just past each record) and whether each record is blank."""

    def __init__(self, *, delimited: bool):
        self.delimited = delimited
        self.quotes = 0  # quotes seen so far, for the parity of the next line feed
        self.content_before = 0  # non-blank bytes seen since the last record end
        self.ends: list[np.ndarray] = []
        self.blank: list[np.ndarray] = []

    def feed(self, data: np.ndarray, position: int) -> None:
        feeds = np.flatnonzero(data == _LF)
        if self.delimited:
            quotes = np.cumsum(data == _QUOTE)
            outside = (self.quotes + quotes[feeds]) % 2 == 0
            self.quotes += int(quotes[-1])
            feeds = feeds[outside]
            content = (data != _CR) & (data != _LF)
        else:
            content = ~np.isin(data, _JSON_SPACE)
        counts = np.cumsum(content, dtype=np.int64)
        at_feeds = counts[feeds]
        between = np.diff(at_feeds, prepend=0)
        if len(between):
            between[0] += self.content_before
        after_last_feed = int(counts[-1]) - (int(at_feeds[-1]) if len(feeds) else 0)
        self.content_before = after_last_feed + (0 if len(feeds) else self.content_before)
        self.ends.append(feeds.astype(np.int64) + position + 1)
        self.blank.append(between == 0)

    def finish(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        ends = np.concatenate([*self.ends, np.zeros(0, np.int64)])
        blank = np.concatenate([*self.blank, np.zeros(0, bool)])
        if (not len(ends) or ends[-1] < size) and size:
            ends, blank = np.append(ends, size), np.append(blank, self.content_before == 0)
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
