"""Limits that keep a hostile upload from driving a parser past what it can take.

A small file can demand unbounded work: JSON nested 100,000 deep makes Arrow's C JSON
parser overflow its stack and kill the worker (a segfault is not an exception anyone can
catch); Python's own parser raises ``RecursionError`` at 1,000; a 6 MB gzip can expand to
gigabytes; a 12 KB Parquet file can declare a gigabyte of values. So every limit here is
checked on the bytes *before* a parser sees them, or on what a file declares before it
is materialised, and a file over a limit is refused with a message that says which.

Pure Python (numpy), no Django: ``Limits`` takes its values from the settings in the
intake service (``sla.services.intake.ingest_limits``); the defaults below are the
settings' defaults.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sla.ingest.errors import FileProblem

# Label Studio's export, the deepest format accepted, nests about 8 deep.
MAX_JSON_DEPTH = 64
# One JSON Lines record; Prodigy image tasks may carry the image inline, so megabytes.
MAX_LINE_BYTES = 16 * 1024 * 1024
# Decompressed bytes per compressed byte. Delivery CSVs compress 5-20x; a run of zeros
# compresses about 1,000x.
MAX_COMPRESSION_RATIO = 200
# The ratio is judged once this much is decompressed: the first kilobytes of any file
# (a header, repeated ids) may compress far better than the whole.
RATIO_GRACE_BYTES = 16 * 1024 * 1024
# Fewest bytes a row takes in a delimited file ("a,b,c\n"): no file within the size
# limit can hold more rows than the limit divided by this.
MIN_ROW_BYTES = 6
SCAN_BYTES = 1024 * 1024  # bytes scanned at a time: bounds the scanner's own memory

QUOTE, NEWLINE = ord('"'), ord("\n")
OPENERS, CLOSERS = (ord("["), ord("{")), (ord("]"), ord("}"))
NOT_STRUCTURE = bytes(sorted(set(range(256)) - set(b'[]{}"\n')))  # bytes the depth does not depend on


@dataclass(frozen=True)
class Limits:
    """The limits a read is held to, besides the file size (``max_bytes``)."""

    json_depth: int = MAX_JSON_DEPTH
    line_bytes: int = MAX_LINE_BYTES
    compression_ratio: float = MAX_COMPRESSION_RATIO
    ratio_grace_bytes: int = RATIO_GRACE_BYTES


DEFAULT = Limits()


class JsonScan:
    """How deep JSON text nests and how long its lines are, fed in pieces of any size.

    Brackets inside strings do not count. Escapes are removed first with C-speed byte
    replacements (a pair of backslashes, then a backslash and a quote), everything but
    brackets, quotes and newlines is dropped, then every pair of adjacent quotes, and what
    is left is scanned with numpy: about 10 ms a megabyte of JSON Lines. A raw newline
    cannot be inside a valid JSON string, so the string state ends at each newline:
    whatever a parser does after an invalid line, the depth it can reach on the valid text
    is counted.

    A JSON document (``lines=False``) is limited in the depth carried across its lines:
    what a parser of the whole document reaches. JSON Lines (``lines=True``) is limited
    in the depth within each line (what a line-by-line parser such as Arrow's reaches),
    in the depth carried across lines (what a streaming parser of several documents
    reaches when a line leaves brackets open) and in the length of each line. ``feed``
    raises ``FileProblem`` naming the first line over a limit.
    """

    def __init__(self, limits: Limits = DEFAULT, *, lines: bool):
        self.limits = limits
        self.lines = lines
        self.depth = 0  # depth so far, across lines
        self.line_start_depth = 0  # ``depth`` when the current line began
        self.in_string = False
        self.escaping = False  # the text fed so far ends with an unpaired backslash
        self.line = 1  # 1-based number of the current line
        self.line_bytes = 0  # bytes of the current line so far

    def feed(self, data: bytes) -> None:
        for start in range(0, len(data), SCAN_BYTES):
            self._scan(data[start : start + SCAN_BYTES])

    def _scan(self, piece: bytes) -> None:
        size = len(piece)
        ends = np.flatnonzero(np.frombuffer(piece, np.uint8) == NEWLINE)
        if self.lines:
            self._check_lines(ends, size)
        if self.escaping and piece[:1] != b"\n":
            piece = piece[1:]  # escaped by the backslash that ended the previous piece
        piece = piece.replace(b"\\\\", b"")
        self.escaping = piece.endswith(b"\\")
        structure = piece.replace(b'\\"', b"").translate(None, NOT_STRUCTURE)
        # Two adjacent quotes enclose no bracket and toggle the string state twice: dropping
        # them changes nothing, and leaves little but brackets and newlines to scan.
        text = np.frombuffer(structure.replace(b'""', b""), np.uint8)
        if len(text):
            self._scan_structure(text)
        self.line += len(ends)
        self.line_bytes = size - 1 - int(ends[-1]) if len(ends) else self.line_bytes + size

    def _scan_structure(self, text: np.ndarray) -> None:
        """Depth over ``text``, which holds only brackets, quotes and newlines."""
        newline = text == NEWLINE
        ends = np.flatnonzero(newline)
        lengths = np.diff(np.concatenate(([0], ends + 1, [len(text)])))  # bytes of each line in the piece

        def at_line_start(values: np.ndarray, first) -> np.ndarray:
            return np.repeat(np.concatenate(([first], values[ends])), lengths)

        quotes = np.cumsum(text == QUOTE, dtype=np.int32)
        outside = ((quotes - at_line_start(quotes, -int(self.in_string))) & 1) == 0
        opens = ((text == OPENERS[0]) | (text == OPENERS[1])) & outside
        closes = ((text == CLOSERS[0]) | (text == CLOSERS[1])) & outside
        depth = np.cumsum(opens.astype(np.int32) - closes, dtype=np.int32) + self.depth
        if self.lines:
            self._check_depth(depth - at_line_start(depth, self.line_start_depth), newline, "")
            self._check_depth(depth, newline, " (counting brackets left open on earlier lines)")
        else:
            self._check_depth(depth, newline, "")
        self.in_string = bool((quotes[-1] - (quotes[ends[-1]] if len(ends) else -int(self.in_string))) & 1)
        self.depth = int(depth[-1])
        if len(ends):
            self.line_start_depth = int(depth[ends[-1]])

    def _check_depth(self, depth: np.ndarray, newline: np.ndarray, why: str) -> None:
        limit = self.limits.json_depth
        over = np.flatnonzero(depth > limit)
        if len(over):
            line = self.line + int(np.count_nonzero(newline[: over[0]]))
            raise FileProblem(
                f"line {line} nests arrays or objects more than {limit} deep{why}; "
                "no delivery needs that, so the file is not read"
            )

    def _check_lines(self, ends: np.ndarray, size: int) -> None:
        lengths = np.diff(np.concatenate(([-1], ends, [size]))) - 1
        lengths[0] += self.line_bytes
        over = np.flatnonzero(lengths > self.limits.line_bytes)
        if len(over):
            raise FileProblem(
                f"line {self.line + int(over[0])} is longer than {self.limits.line_bytes:,} bytes; "
                "a JSON Lines record is one annotation and must be shorter"
            )


class JsonGuard(io.RawIOBase):
    """A readable stream that scans JSON text with ``JsonScan`` before handing it on."""

    def __init__(self, read: Callable[[int], bytes], scan: JsonScan):
        self._read = read
        self.scan = scan

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._read(len(buffer))
        self.scan.feed(data)
        buffer[: len(data)] = data
        return len(data)


def check_ratio(*, decompressed: int, compressed: int, limits: Limits = DEFAULT) -> None:
    """Refuse compressed content that expands beyond the ratio any delivery reaches."""
    if decompressed <= limits.ratio_grace_bytes:
        return
    if decompressed > limits.compression_ratio * max(compressed, 1):
        raise FileProblem(
            f"the compressed content expands more than {limits.compression_ratio:g} times "
            f"({decompressed:,} bytes from the first {compressed:,}); a delivery does not, so it is not read"
        )


def check_parquet(metadata, columns: list[int], *, file_bytes: int, max_bytes: int | None, limits: Limits) -> None:
    """Refuse a Parquet file whose declared content is beyond the limits, before reading any of it.

    ``metadata`` is the file's ``FileMetaData``; ``columns`` the positions of the columns
    that will be read. What a column chunk declares uncompressed is what reading it costs
    at least (a dictionary-encoded column can cost more: see ``tabular.read_parquet``).
    """
    if max_bytes is not None and metadata.num_rows > max_bytes // MIN_ROW_BYTES:
        raise FileProblem(
            f"the Parquet file declares {metadata.num_rows:,} rows, more than any delivery within the size limit "
            f"of {max_bytes:,} bytes holds"
        )
    declared = sum(
        metadata.row_group(group).column(column).total_uncompressed_size
        for group in range(metadata.num_row_groups)
        for column in columns
    )
    if max_bytes is not None and declared > max_bytes:
        raise FileProblem(
            f"the Parquet file's columns declare {declared:,} bytes uncompressed; the limit is {max_bytes:,} bytes"
        )
    if declared > limits.ratio_grace_bytes and declared > limits.compression_ratio * max(file_bytes, 1):
        raise FileProblem(
            f"the Parquet file's columns declare {declared:,} bytes uncompressed, more than "
            f"{limits.compression_ratio:g} times its {file_bytes:,} bytes; a delivery does not, so it is not read"
        )


def upload_too_large(size: int, limit: int, *, what: str = "The file") -> str | None:
    """Why an upload of ``size`` bytes is refused under ``limit``, or None; the one wording of the
    size limit for the web server's 413, the services and the upload page."""
    if size <= limit:
        return None
    return (
        f"{what} is {size:,} bytes ({_readable(size)}); uploads are limited to {limit:,} bytes "
        f"({_readable(limit)}). Split the delivery into smaller files, or gzip it."
    )


def _readable(size: int) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size / 2**10:.0f} KiB"
