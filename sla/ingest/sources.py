"""Open an upload: enforce the size limit, undo gzip, and tell which format it holds.

The format is recognised from the content, never from the file name: vendors rename
files, browsers and API clients send whatever name they like, and a ``.csv`` that is
really gzip or Parquet must still be read (or rejected for what it really is). Gzip
starts with the bytes 1F 8B and Parquet with ``PAR1``; JSON starts with ``[`` (a
Label Studio export, one list of tasks) or ``{`` (JSON Lines); anything else is read as
delimited text. A ZIP archive (an Excel workbook) and UTF-16 text are recognised only to
reject them with a message that says what to do instead.

The size limit applies to the file and, for gzip, to its decompressed content too, so a
small compressed file cannot expand into an unbounded amount of work; the decompressed
content is also held to a compression ratio (``limits.check_ratio``), so a bomb is
refused after a few megabytes instead of after gigabytes. All are enforced while
streaming, so they hold for sources whose size is not known in advance, and the same
way for ``open_decompressed``, which hands the fan-out a gzip's content to store and split. JSON and JSON
Lines pass through ``limits.JsonScan`` on their way to any parser, the first bytes
(which format detection parses) included.
"""

import gzip
import io
import os
import shutil
import tempfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from sla.ingest.errors import FileProblem
from sla.ingest.limits import DEFAULT, JsonGuard, JsonScan, Limits, check_ratio

HEAD_BYTES = 64 * 1024
BUFFER_BYTES = 1024 * 1024
# Reads of the file itself: small, so the compression ratio is judged on what was really
# decompressed rather than on a megabyte read ahead (large reads still go straight through).
RAW_BUFFER_BYTES = 64 * 1024
UTF8_BOM = b"\xef\xbb\xbf"
GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
ZIP_MAGIC = b"PK\x03\x04"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
TOO_BIG = "the file is over the limit of {limit:,} bytes"


class _Limited(io.RawIOBase):
    """A readable stream that fails with a FileProblem once it has given ``limit`` bytes."""

    def __init__(
        self,
        read: Callable[[int], bytes],
        limit: int | None,
        too_big: str,
        watch: Callable[[int], None] | None = None,
    ):
        self._read = read
        self._limit = limit
        self._too_big = too_big
        self._watch = watch  # called with the bytes given so far, after each read
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._read(len(buffer))
        self.consumed += len(data)
        if self._limit is not None and self.consumed > self._limit:
            raise FileProblem(self._too_big.format(limit=self._limit))
        if self._watch is not None:
            self._watch(self.consumed)
        buffer[: len(data)] = data
        return len(data)


def _gunzip_read(compressed: BinaryIO) -> Callable[[int], bytes]:
    """A read function over the decompressed data that reports damage as a FileProblem."""
    unzipped = gzip.GzipFile(fileobj=compressed, mode="rb")

    def read(size: int) -> bytes:
        try:
            return unzipped.read(size)
        except (OSError, EOFError, zlib.error) as error:
            raise FileProblem(f"the gzip data is damaged or cut short ({error})") from error

    return read


@dataclass
class Opened:
    """An upload ready to read: its content from the start (after any BOM), and its kind."""

    stream: io.BufferedReader
    head: bytes  # the first bytes of ``stream`` (up to HEAD_BYTES), not consumed
    kind: str  # "parquet", "json" (one JSON document), "jsonl" or "delimited"
    gzipped: bool
    raw: BinaryIO  # the file itself, for random access when not gzipped
    counter: _Limited  # counts the bytes read from the file itself

    @property
    def bytes_read(self) -> int:
        """Bytes of the file read so far (ahead of parsing by a buffer): for progress."""
        return self.counter.consumed

    @contextmanager
    def random_access(self) -> Iterator[BinaryIO]:
        """A seekable handle on the content (Parquet keeps its index at the end)."""
        if not self.gzipped and self.raw.seekable():
            self.raw.seek(0)
            yield self.raw
            return
        with tempfile.TemporaryFile() as copy:
            shutil.copyfileobj(self.stream, copy, BUFFER_BYTES)
            copy.seek(0)
            yield copy


@contextmanager
def _raw(source) -> Iterator[BinaryIO]:
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as file:
            yield file
        return
    if source.seekable():
        source.seek(0)
    yield source


def _check_size(raw: BinaryIO, max_bytes: int | None) -> None:
    if max_bytes is None or not raw.seekable():
        return
    size = raw.seek(0, os.SEEK_END)
    raw.seek(0)
    if size > max_bytes:
        raise FileProblem(f"the file is {size:,} bytes; the limit is {max_bytes:,} bytes")


def detect(head: bytes) -> str:
    """The kind of content that starts with ``head`` (BOM already removed)."""
    if head.startswith(PARQUET_MAGIC):
        return "parquet"
    if head.startswith(ZIP_MAGIC):
        raise FileProblem("this is a ZIP archive or an Excel workbook; export the sheet as CSV (UTF-8)")
    if head.startswith(UTF16_BOMS):
        raise FileProblem("the file is UTF-16 text; save it as UTF-8")
    start = head.lstrip()[:1]
    if not start:
        raise FileProblem("the file is empty")
    return {b"[": "json", b"{": "jsonl"}.get(start, "delimited")


def _gunzipped(stream: io.BufferedReader, counter: _Limited, max_bytes: int | None, limits: Limits):
    """The decompressed content, held to the size limit and to the compression ratio as it streams."""

    def ratio(decompressed: int) -> None:
        check_ratio(decompressed=decompressed, compressed=counter.consumed, limits=limits)

    too_big = "the decompressed content is over the limit of {limit:,} bytes"
    return io.BufferedReader(_Limited(_gunzip_read(stream), max_bytes, too_big, ratio), BUFFER_BYTES)


@contextmanager
def open_decompressed(source, *, max_bytes: int | None, limits: Limits = DEFAULT) -> Iterator[io.BufferedReader]:
    """The content of a gzipped ``source`` as its bytes, under the limits ``open_source`` applies (the same
    refusals, raised as it is read): the fan-out copies it to storage to split it (``sla.services.fanout``)."""
    with _raw(source) as raw:
        _check_size(raw, max_bytes)
        counter = _Limited(raw.read, max_bytes, TOO_BIG)
        yield _gunzipped(io.BufferedReader(counter, RAW_BUFFER_BYTES), counter, max_bytes, limits)


@contextmanager
def open_source(source, *, max_bytes: int | None, limits: Limits = DEFAULT) -> Iterator[Opened]:
    """Open ``source`` (a path or a binary file object, read from its start)."""
    with ExitStack() as stack:
        raw = stack.enter_context(_raw(source))
        _check_size(raw, max_bytes)
        counter = _Limited(raw.read, max_bytes, TOO_BIG)
        stream = io.BufferedReader(counter, RAW_BUFFER_BYTES)
        gzipped = stream.peek(2)[:2] == GZIP_MAGIC
        if gzipped:
            stream = _gunzipped(stream, counter, max_bytes, limits)
        head = stream.peek(HEAD_BYTES)[:HEAD_BYTES]
        if head.startswith(UTF8_BOM):
            stream.read(len(UTF8_BOM))
            head = head[len(UTF8_BOM) :]
        kind = detect(head)
        if kind in ("json", "jsonl"):
            JsonScan(limits, lines=kind == "jsonl").feed(head)  # format detection parses the first record
            stream = io.BufferedReader(JsonGuard(stream.read, JsonScan(limits, lines=kind == "jsonl")), BUFFER_BYTES)
        yield Opened(stream=stream, head=head, kind=kind, gzipped=gzipped, raw=raw, counter=counter)
