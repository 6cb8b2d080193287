"""Stored files (uploads, gold sets, QA reviews, evidence, rendered reports): on local disk or in a bucket.

The settings choose where (``VENDORSCORE_STORAGE``): under ``MEDIA_ROOT`` on one machine
(the embedded default), or in an S3-compatible bucket that every web server and worker
shares, so a worker on another machine reads the file the web server stored. Code reaches
the files only through Django's storage API (``storages``, ``FieldFile``) and the three
operations these backends add (``open_stream``, ``mark_used``, ``modified_times``);
nothing builds a path under ``MEDIA_ROOT``.

Two storages, same root, same names: ``default`` for what users send (a name already taken
gets a suffix, so two vendors' ``batch.csv`` never overwrite each other) and ``reports``
for the report cache, whose names are hashes of their content (a name taken holds the
same bytes, so writing it again overwrites, atomically: a reader never sees half a file).

Reads are streamed: ``open_stream`` hands the intake (and downloads) the object as it
arrives, so a 2 GB delivery never sits in memory or waits to be copied whole to disk
first. The parsers that need random access (Parquet) spool what they read to a temporary
file in chunks (``sla.ingest.sources.Opened.random_access``), unless they are handed
``stored_file_random_access``: a seekable handle whose reads fetch only the bytes asked
for, so a fan-out chunk reads a Parquet file's footer and its own row groups, and the
fan-out finds a file's record ends, from a bucket too.
"""

import contextlib
import datetime as dt
import io
import os
import posixpath
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile

STREAM_BUFFER_BYTES = 1024 * 1024
RANGED_BUFFER_BYTES = 64 * 1024


def stored_file_open(*, file: FieldFile, start: int = 0, end: int | None = None) -> BinaryIO:
    """A binary stream of a stored file's bytes ``start`` to ``end`` (excluded; None: to the end); close it when done.

    The bytes are read as they are consumed, never the whole file first: a worker that
    parses one chunk of a delivery (the fan-out) reads that range alone, from a bucket
    too. Raises ``FileNotFoundError`` when the file is gone, and ``OSError`` when the
    storage fails mid-way, which the intake treats as a storage error worth a retry.
    """
    if end is not None and end <= start:
        return io.BytesIO()
    return file.storage.open_stream(file.name, start=start, end=end)


def stored_file_random_access(*, file: FieldFile) -> BinaryIO:
    """A seekable binary handle on a stored file, each read one ranged read of the bytes asked for; close it when done.

    Only a small buffer is fetched ahead: a reader that seeks (Parquet's footer, then a few
    row groups; the fan-out going back to a file's header line) fetches about what it reads.
    """
    return io.BufferedReader(_RangedReads(file), RANGED_BUFFER_BYTES)


def stored_folder_delete(*, storage, folder: str) -> None:
    """Delete the files directly in a storage folder and, on local disk, the folder once it is empty.

    A bucket has no folders (a prefix is gone with its last object); a disk keeps an empty
    directory, which for a folder per batch (a gzip's decompressed content) would pile up.
    """
    for name, _ in list(storage.modified_times(folder)):
        storage.delete(name)
    if isinstance(storage, LocalFiles):
        with contextlib.suppress(OSError):  # gone already, or holds something else: left as it is
            os.rmdir(storage.path(folder))


class LocalFiles(FileSystemStorage):
    """Files under ``MEDIA_ROOT``: one machine, or a folder every machine mounts (``vendorscore.bucket`` for S3)."""

    def open_stream(self, name: str, *, start: int = 0, end: int | None = None) -> BinaryIO:
        handle = self.open(name, "rb")
        handle.seek(start)
        if end is None:
            return handle
        return io.BufferedReader(_Slice(handle, end - start), STREAM_BUFFER_BYTES)

    def mark_used(self, name: str) -> bool:
        """Record that a cached file was used now (its cleanup goes by it); False when there is none."""
        try:
            os.utime(self.path(name))
        except FileNotFoundError:
            return False
        return True

    def modified_times(self, folder: str) -> Iterator[tuple[str, dt.datetime]]:
        """The files directly in ``folder`` (storage names) with their modification times."""
        try:
            entries = list(os.scandir(self.path(folder)))
        except FileNotFoundError:
            return
        for entry in entries:
            try:
                if entry.is_file():
                    stamp = dt.datetime.fromtimestamp(entry.stat().st_mtime, tz=dt.UTC)
                    yield posixpath.join(folder, entry.name), stamp
            except FileNotFoundError:  # another worker's cleanup got there first
                continue


class LocalCache(LocalFiles):
    """The report cache on disk: a name is its content, written to a ``.part`` file then renamed."""

    def get_available_name(self, name, max_length=None):
        return name

    def _save(self, name, content):
        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".part") as handle:
            for chunk in content.chunks():
                handle.write(chunk)
        os.replace(handle.name, path)
        return name


class _Slice(io.RawIOBase):
    """The next ``size`` bytes of an open file, as a stream of their own that closes the file with it."""

    def __init__(self, handle, size: int):
        self._handle, self._left = handle, size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._handle.read(min(len(buffer), self._left))
        self._left -= len(data)
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._handle.close()
        super().close()


class _RangedReads(io.RawIOBase):
    """A stored file read at any position, one ranged read (``stored_file_open``) per read."""

    def __init__(self, file: FieldFile):
        self._file, self._position, self._size = file, 0, file.storage.size(file.name)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError(f"negative position {base + offset}")
        self._position = base + offset
        return self._position

    def tell(self) -> int:
        return self._position

    def readinto(self, buffer) -> int:
        end = min(self._position + len(buffer), self._size)
        if end <= self._position:
            return 0
        with stored_file_open(file=self._file, start=self._position, end=end) as stream:
            data = stream.read(end - self._position)
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)
