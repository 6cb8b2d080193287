"""Bulk storage of parsed rows: PostgreSQL ``COPY`` through psycopg 3, batched inserts on SQLite.

The ORM's ``bulk_create`` builds a model instance per row, which for a ten-million-row
delivery costs more than parsing it. On PostgreSQL all chunks of a delivery go through one
``COPY ... FROM STDIN`` fed by a background thread: while the server digests one chunk,
the worker parses and validates the next, so the two cores work at once. The thread also
writes the CSV text, with pyarrow's C++ writer (timestamps formatted by numpy first, because
Arrow's own timestamp formatting is several times slower than everything else together).

Everything runs inside the caller's transaction, so a delivery that turns out invalid
(or a worker that dies) leaves no row behind.
"""

import io
import queue
import threading

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from django.db import connection


def rows_store(*, table: str, data: pa.Table) -> None:
    """Append ``data`` to the database table ``table``; its column names are the table's columns."""
    with rows_stream(table=table, columns=data.column_names) as stream:
        stream.write(data)


def rows_stream(*, table: str, columns: list[str]):
    """A context whose ``write(arrow_table)`` appends rows; on PostgreSQL one streaming ``COPY``."""
    if connection.vendor == "postgresql":
        return _PostgresCopy(table, columns)
    return _SqliteInsert(table, columns)


def _column_list(columns: list[str]) -> str:
    return ", ".join(connection.ops.quote_name(column) for column in columns)


def _timestamps_as_text(column: pa.ChunkedArray) -> pa.Array:
    micros = column.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64()).to_numpy(zero_copy_only=False)
    missing = column.is_null().to_numpy(zero_copy_only=False)
    text = np.datetime_as_string(micros.astype("datetime64[us]"), unit="us", timezone="UTC")
    return pa.array(text, pa.string(), mask=missing)


def _csv_bytes(data: pa.Table) -> bytes:
    columns = [_timestamps_as_text(c) if pa.types.is_timestamp(c.type) else c for c in data.columns]
    buffer = io.BytesIO()
    pacsv.write_csv(
        pa.table(columns, names=data.column_names), buffer, write_options=pacsv.WriteOptions(include_header=False)
    )
    return buffer.getvalue()


class _PostgresCopy:
    """One ``COPY`` for many chunks; a thread sends each chunk while the caller prepares the next."""

    def __init__(self, table: str, columns: list[str]):
        self.columns = columns
        self.sql = f"COPY {connection.ops.quote_name(table)} ({_column_list(columns)}) FROM STDIN (FORMAT csv)"
        self.pending = queue.Queue(maxsize=2)
        self.failure = None

    def __enter__(self):
        self._cursor = connection.cursor()
        self._copy_context = self._cursor.cursor.copy(self.sql)
        self._copy = self._copy_context.__enter__()
        self._sender = threading.Thread(target=self._send, name="copy-sender", daemon=True)
        self._sender.start()
        return self

    def _send(self) -> None:
        """Runs in the thread: serialise (pyarrow releases the GIL) and send each chunk."""
        while (data := self.pending.get()) is not None:
            if self.failure is None:
                try:
                    self._copy.write(_csv_bytes(data))
                except Exception as error:  # noqa: BLE001 - re-raised in the caller's thread
                    self.failure = error

    def write(self, data: pa.Table) -> None:
        if self.failure is not None:
            raise self.failure
        if data.num_rows:
            self.pending.put(data.select(self.columns))

    def __exit__(self, exc_type, exc, traceback):
        self.pending.put(None)
        self._sender.join()
        if exc is None and self.failure is not None:
            exc_type, exc = type(self.failure), self.failure
        try:
            self._copy_context.__exit__(exc_type, exc, traceback)
        finally:
            self._cursor.close()
        if self.failure is not None and exc is self.failure:
            raise self.failure


class _SqliteInsert:
    """SQLite stores timestamps as UTC text, the way Django writes them."""

    def __init__(self, table: str, columns: list[str]):
        self.columns = columns
        placeholders = ", ".join(["%s"] * len(columns))
        self.sql = f"INSERT INTO {connection.ops.quote_name(table)} ({_column_list(columns)}) VALUES ({placeholders})"

    def __enter__(self):
        return self

    def write(self, data: pa.Table) -> None:
        columns = [
            _timestamps_as_text(column) if pa.types.is_timestamp(column.type) else column
            for column in data.select(self.columns).columns
        ]
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, list(zip(*(column.to_pylist() for column in columns), strict=True)))

    def __exit__(self, exc_type, exc, traceback):
        return None
