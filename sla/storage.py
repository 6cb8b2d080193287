"""Bulk storage of parsed rows: PostgreSQL ``COPY`` through psycopg 3, batched inserts on SQLite.

The ORM's ``bulk_create`` builds a model instance per row, which for a ten-million-row
delivery costs more than parsing it. On PostgreSQL all chunks of a delivery go through one
``COPY ... FROM STDIN`` fed by a background thread: while the server digests one chunk,
the worker parses and validates the next, so the two cores work at once. The thread also
writes the CSV text, with pyarrow's C++ writer (timestamps formatted by numpy first, because
Arrow's own timestamp formatting is several times slower than everything else together).

The server's share is most of the cost, so it is sent as little text as will do: a column
the caller leaves out of a chunk takes its database default (a new ``COPY`` starts when
the set of columns changes, which for a delivery is rarely); timestamps lose the
fraction when no value has one; and values are unquoted unless one of a chunk's values
needs quotes, with ``FORCE_NOT_NULL`` keeping empty text as text. Text columns must
therefore hold no nulls: the callers store a missing text as "".

A batch's annotation rows are a partition of their own on PostgreSQL (``rows_replace``):
they are copied into a fresh table with no index, its primary key and the caller's other
indexes (``indexes``: the parent's, which ``ATTACH`` then finds and does not build again) are
built in one pass each after the load, and the table is attached to ``sla_annotation``.
Maintaining the key row by row during the ``COPY`` cost the server as much again as parsing
the rows; building it afterwards from already sorted rows costs a fraction of that.

Everything runs inside the caller's transaction, so a delivery that turns out invalid
(or a worker that dies) leaves no row behind, and no table either. A loaded table is
analyzed at once (by the worker that loaded it): the batch's check queries it in the same
transaction, long before autovacuum would sample it.

A delivery fanned out over several workers (``sla.services.fanout``) is staged chunk by
chunk (``chunk_stage``): each chunk's rows are copied into a table of their own, keyed and
committed by the worker that parsed them, and ``chunks_attach`` makes them the batch's
rows at once: the batch's partition is itself partitioned by range of row, and each
staging table becomes one of its partitions, so no row is copied twice. Rows the merge
drops (an answer repeated in another chunk) are deleted there first, and the tables after
the first of them renumbered in place; a table that needs neither is attached untouched.
"""

import functools
import io
import json
import queue
import threading
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.db import connection, transaction


def rows_store(*, table: str, data: pa.Table) -> None:
    """Append ``data`` to the database table ``table``; its column names are the table's columns."""
    with rows_stream(table=table) as stream:
        stream.write(data)


def rows_store_new(*, table: str, data: pa.Table, unique: tuple[str, ...]) -> None:
    """Append the rows of ``data`` whose ``unique`` columns are not in ``table`` yet; the rows stored stay.

    For rows kept once per key and stored part by part: a later part's repeat of a key is
    left out by the table's own unique constraint on ``unique``, so no caller has to keep
    every key it stored. On PostgreSQL the part is copied into a temporary table first.
    """
    if connection.vendor != "postgresql":
        _SqliteInsert(table, verb="INSERT OR IGNORE").write(data)
        return
    quoted, columns = connection.ops.quote_name(table), _column_list(data.column_names)
    with transaction.atomic():  # the temporary table lives until the commit, so it needs a transaction
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMP TABLE {NEW_ROWS} ON COMMIT DROP AS SELECT {columns} FROM {quoted} WITH NO DATA"
            )
        rows_store(table=NEW_ROWS, data=data)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {quoted} ({columns}) SELECT {columns} FROM {NEW_ROWS} "
                f"ON CONFLICT ({_column_list(list(unique))}) DO NOTHING"
            )
            cursor.execute(f"DROP TABLE {NEW_ROWS}")


NEW_ROWS = "vendorscore_new_rows"  # rows_store_new's temporary table


def rows_stream(*, table: str):
    """A context whose ``write(arrow_table)`` appends rows; on PostgreSQL one streaming ``COPY``.

    Each arrow table's column names are database columns; the columns it lacks take their
    database defaults.
    """
    if connection.vendor == "postgresql":
        return _PostgresCopy(table)
    return _SqliteInsert(table)


def rows_replace(*, table: str, key_column: str, key: int, primary_key: tuple[str, ...], indexes=()):
    """A stream (as ``rows_stream``) that replaces every row of ``table`` whose ``key_column`` is ``key``.

    On PostgreSQL ``table`` is partitioned by list of ``key_column`` and the rows become the
    partition for ``key`` (see the module docstring), with an index on each column tuple of
    ``indexes`` (those of ``table``); on SQLite the old rows are deleted and the new ones inserted.
    """
    if connection.vendor == "postgresql":
        return _PartitionLoad(table, key_column, key, primary_key, indexes)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)} WHERE {_column_list([key_column])} = %s", [key])
    return _SqliteInsert(table)


def partition_name(table: str, key: int) -> str:
    return f"{table}_{key}"


class _PartitionLoad:
    """Load one partition as a plain table, then index it and attach it, all in the caller's transaction."""

    def __init__(self, table: str, key_column: str, key: int, primary_key: tuple[str, ...], indexes):
        self.table, self.key = table, int(key)
        self.partition = partition_name(table, self.key)
        check = _equals(key_column, self.key)
        self._load = _TableLoad(self.partition, like=table, check=check, primary_key=primary_key, indexes=indexes)

    def __enter__(self):
        self._load.__enter__()
        return self

    def write(self, data: pa.Table) -> None:
        self._load.write(data)

    def __exit__(self, exc_type, exc, traceback):
        self._load.__exit__(exc_type, exc, traceback)
        if exc_type is None:
            _attach(self.table, self.partition, f"IN ({self.key})")
            _inherited_statistics_ensure(self.table)
        return None


class _TableLoad:
    """Copy rows into a fresh table shaped like ``like`` with no index, then build its primary key and indexes."""

    def __init__(self, name: str, *, like: str, check: str, primary_key: tuple[str, ...], indexes):
        self.name, self.like, self.check, self.primary_key, self.indexes = name, like, check, primary_key, indexes
        self._copy = _PostgresCopy(name)

    def __enter__(self):
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {quote(self.name)}")
            # The check lets ATTACH skip its scan of the rows for the partition bound.
            cursor.execute(
                f"CREATE TABLE {quote(self.name)} (LIKE {quote(self.like)} INCLUDING DEFAULTS "
                f"INCLUDING CONSTRAINTS, CONSTRAINT {BOUNDS} CHECK ({self.check}))"
            )
        self._copy.__enter__()
        return self

    def write(self, data: pa.Table) -> None:
        self._copy.write(data)

    def __exit__(self, exc_type, exc, traceback):
        self._copy.__exit__(exc_type, exc, traceback)
        if exc_type is None:
            with connection.cursor() as cursor:
                quote = connection.ops.quote_name
                _primary_key_add(cursor, self.name, self.primary_key)
                for columns in self.indexes:
                    # Unnamed: PostgreSQL names it as it does the index ATTACH would build.
                    cursor.execute(f"CREATE INDEX ON {quote(self.name)} ({_column_list(columns)})")
            _analyze(self.name)
        return None


BOUNDS = "loaded_rows"  # the check that lets ATTACH skip its scan, named for a renumbered table to replace it


def _primary_key_add(cursor, name: str, primary_key: tuple[str, ...]) -> None:
    quote = connection.ops.quote_name
    cursor.execute(
        f"ALTER TABLE {quote(name)} ADD CONSTRAINT {quote(_primary_key_name(name))} "
        f"PRIMARY KEY ({_column_list(primary_key)})"
    )


def _primary_key_name(name: str) -> str:
    return f"{name}_pkey"  # PostgreSQL's own name for it


def _equals(column: str, value: int) -> str:
    return f"{connection.ops.quote_name(column)} = {int(value)}"


def _analyze(table: str) -> None:
    """Sample the new rows for the planner: without statistics it took a fresh partition for empty, and the
    check's lineage query (this batch's items against earlier batches') ran nested loops for many minutes."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def _inherited_statistics_ensure(table: str) -> None:
    """Sample a partitioned table once, when it has no statistics of its whole yet.

    A query names the partitioned table, and PostgreSQL estimates how many distinct values a
    subquery of it yields (``item_id IN (SELECT item_id ...)``, the lineage's questions) from
    the partitioned table's own statistics, never its partitions'; autovacuum never samples a
    partitioned table, so without them it assumed 200 items and probed an index once per
    item: 25 s for a re-delivery of 2 million items that a hash join answers in 4 s. What it
    takes from them is the share of distinct values, which stays about the same as batches
    are added, so one sample serves (the first delivery's: a table of one partition).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_stats WHERE schemaname = current_schema() AND tablename = %s "
            "AND inherited)",
            [table],
        )
        if not cursor.fetchone()[0]:
            _analyze(table)


def _attach(parent: str, partition: str, bound: str) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {quote(parent)} ATTACH PARTITION {quote(partition)} FOR VALUES {bound}")


# Chunks of one key's rows, staged apart and attached together (sla.services.fanout) -----------------


def chunk_name(table: str, key: int, index: int) -> str:
    return f"{partition_name(table, key)}_chunk{int(index)}"


def chunk_stage(*, table: str, key_column: str, key: int, index: int, rows: tuple[int, int], primary_key, indexes=()):
    """A stream (as ``rows_stream``) into the staging table of chunk ``index`` of ``key``'s rows.

    ``rows`` is the chunk's range of the row column (``primary_key[-1]``), first to last; the
    rows written are numbered from the first without gaps (they may end before the last). The
    staging table is committed with the chunk, keyed and indexed (``indexes``, as ``rows_replace``)
    by the worker that staged it, invisible to every reader of ``table`` until ``chunks_attach``
    makes all chunks of the key its rows in one transaction.
    """
    name = chunk_name(table, key, index)
    if connection.vendor == "postgresql":
        return _TableLoad(
            name,
            like=table,
            check=_rows_check(key_column, key, primary_key, rows),
            primary_key=primary_key,
            indexes=indexes,
        )
    _sqlite_table_like(name, table)
    return _SqliteInsert(name)


def _rows_check(key_column: str, key: int, primary_key, rows: tuple[int, int]) -> str:
    row = connection.ops.quote_name(primary_key[-1])
    return f"{_equals(key_column, key)} AND {row} >= {int(rows[0])} AND {row} <= {int(rows[1])}"


def _sqlite_table_like(name: str, table: str) -> None:
    """A new empty SQLite table with ``table``'s columns, defaults and key (SQLite has no ``LIKE``)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {quote(name)}")
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [table])
        (ddl,) = cursor.fetchone()
        cursor.execute(ddl.replace(quote(table), quote(name), 1))


class StagedChunk(NamedTuple):
    """A staging table as ``chunks_attach`` attaches it.

    ``first`` to ``last``: the range it was staged with (``chunk_stage``). ``dropped``: rows of
    it to leave out, ascending. ``rows``: the range its other rows take, renumbered in their
    order without gaps (first > last when none is left); None: as staged, nothing left out.
    """

    index: int
    first: int
    last: int
    dropped: Sequence[int] = ()
    rows: tuple[int, int] | None = None

    @property
    def renumbered(self) -> bool:
        return self.rows is not None and (len(self.dropped) > 0 or self.rows != (self.first, self.last))

    @property
    def empty(self) -> bool:
        return self.rows is not None and self.rows[1] < self.rows[0]


def chunks_attach(*, table: str, key_column: str, key: int, chunks: list[StagedChunk], primary_key, indexes=()) -> None:
    """Make the staged chunks the rows of ``key``, in the caller's transaction.

    On PostgreSQL the key's partition is itself partitioned by range of the row column and
    each staging table, already keyed and indexed (``indexes``, as staged), becomes one of its
    partitions: no row is copied again and no index rebuilt. A chunk renumbered (rows left out,
    or moved down because rows before it were) is first changed in place: its dropped rows
    deleted, the others moved down by one set-based update, its key and range check built
    again; a chunk with no row left is dropped. On SQLite the rows are copied across,
    renumbered on the way, and the tables dropped.
    """
    row = primary_key[-1]
    if connection.vendor != "postgresql":
        _sqlite_chunks_copy(table, key_column, key, chunks, row)
        return
    quote = connection.ops.quote_name
    partition = partition_name(table, key)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {quote(partition)}")
        cursor.execute(
            # No check of its own: a partitioned table's checks must be on every partition by name; the
            # staging tables' checks imply its bound, so attaching it scans no row.
            f"CREATE TABLE {quote(partition)} (LIKE {quote(table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS, "
            f"PRIMARY KEY ({_column_list(primary_key)})) PARTITION BY RANGE ({quote(row)})"
        )
        for columns in indexes:
            # Empty yet: each staging table attached below brings its own copy of the index.
            cursor.execute(f"CREATE INDEX ON {quote(partition)} ({_column_list(columns)})")
    for chunk in chunks:
        name = chunk_name(table, key, chunk.index)
        if chunk.empty:
            chunks_drop(table=table, key=key, indexes=[chunk.index])
            continue
        if chunk.renumbered:
            _renumber(name, chunk, key_column=key_column, key=key, primary_key=primary_key)
        first, last = chunk.rows or (chunk.first, chunk.last)
        _attach(partition, name, f"FROM ({int(first)}) TO ({int(last) + 1})")
    _attach(table, partition, f"IN ({int(key)})")
    _inherited_statistics_ensure(table)


def _renumber(name: str, chunk: StagedChunk, *, key_column: str, key: int, primary_key) -> None:
    """Delete a staging table's dropped rows and number the others from ``chunk.rows[0]`` without gaps.

    Its rows were numbered from ``chunk.first`` without gaps, so a row moves down by the
    chunk's offset plus the dropped rows below it, which ``width_bucket`` counts by binary
    search. The key is dropped for the update and built again: a unique key is checked row by
    row, and a row moving onto a number another row has not left yet would break it.
    """
    quote, row = connection.ops.quote_name, connection.ops.quote_name(primary_key[-1])
    dropped = [int(value) for value in chunk.dropped]
    offset = chunk.first - chunk.rows[0]
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {quote(name)} DROP CONSTRAINT {BOUNDS}")
        if dropped:
            cursor.execute(f"DELETE FROM {quote(name)} WHERE {row} = ANY(%s)", [dropped])
        if offset or dropped:
            cursor.execute(f"ALTER TABLE {quote(name)} DROP CONSTRAINT {quote(_primary_key_name(name))}")
            cursor.execute(
                f"UPDATE {quote(name)} SET {row} = {row} - %s - width_bucket({row}, %s::bigint[]) WHERE {row} > %s",
                [offset, dropped, chunk.first - 1 if offset else dropped[0]],
            )
            _primary_key_add(cursor, name, primary_key)
        cursor.execute(
            f"ALTER TABLE {quote(name)} ADD CONSTRAINT {BOUNDS} CHECK "
            f"({_rows_check(key_column, key, primary_key, chunk.rows)})"
        )


def _sqlite_chunks_copy(table: str, key_column: str, key: int, chunks: list[StagedChunk], row: str) -> None:
    """The staged rows copied into ``table``, renumbered chunk by chunk where asked, and the staging tables dropped."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quote(table)} WHERE {quote(key_column)} = %s", [key])
        for chunk in chunks:
            name = chunk_name(table, key, chunk.index)
            if chunk.renumbered:
                _sqlite_renumbered_copy(cursor, table, name, chunk, row)
            else:
                cursor.execute(f"INSERT INTO {quote(table)} SELECT * FROM {quote(name)}")
    chunks_drop(table=table, key=key, indexes=[chunk.index for chunk in chunks])


def _sqlite_renumbered_copy(cursor, table: str, name: str, chunk: StagedChunk, row: str) -> None:
    """A staging table's rows but the dropped ones, copied numbered from ``chunk.rows[0]`` in their order."""
    quote = connection.ops.quote_name
    dropped = json.dumps([int(value) for value in chunk.dropped])
    cursor.execute(f"DELETE FROM {quote(name)} WHERE {quote(row)} IN (SELECT value FROM json_each(%s))", [dropped])
    columns = [column.name for column in connection.introspection.get_table_description(cursor, name)]
    number = f"ROW_NUMBER() OVER (ORDER BY {quote(row)}) + {int(chunk.rows[0]) - 1}"
    values = ", ".join(number if column == row else quote(column) for column in columns)
    cursor.execute(f"INSERT INTO {quote(table)} ({_column_list(columns)}) SELECT {values} FROM {quote(name)}")


def chunks_drop(*, table: str, key: int, indexes) -> None:
    """Drop the staging tables of these chunks of ``key`` (those that exist)."""
    with connection.cursor() as cursor:
        for index in indexes:
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(chunk_name(table, key, index))}")


def chunk_values(*, table: str, key: int, index: int, row_column: str, rows: Sequence[int], column: str) -> dict:
    """``column`` of the staged rows ``rows`` of chunk ``index`` of ``key``, by row (rows not staged left out)."""
    quote = connection.ops.quote_name
    wanted = [int(value) for value in rows]
    if connection.vendor == "postgresql":
        condition, parameter = f"{quote(row_column)} = ANY(%s)", wanted
    else:
        condition, parameter = f"{quote(row_column)} IN (SELECT value FROM json_each(%s))", json.dumps(wanted)
    with connection.cursor() as cursor:
        staged = quote(chunk_name(table, key, index))
        cursor.execute(f"SELECT {quote(row_column)}, {quote(column)} FROM {staged} WHERE {condition}", [parameter])
        return dict(cursor.fetchall())


def _column_list(columns: list[str]) -> str:
    return ", ".join(connection.ops.quote_name(column) for column in columns)


def _timestamps_as_text(column: pa.ChunkedArray, *, sqlite: bool = False) -> pa.Array:
    """UTC text, to the second when no value has a fraction (as most deliveries), else to the microsecond.

    PostgreSQL gets ISO 8601 with a "Z"; SQLite gets what Django writes there, naive UTC with a
    space ("2026-11-02 08:00:00"), because SQLite compares timestamps as text.
    """
    micros = pc.fill_null(column.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64()), 0).to_numpy(zero_copy_only=False)
    missing = column.is_null().to_numpy(zero_copy_only=False)
    fraction = bool(np.any(micros % 1_000_000))
    text = _iso_bytes(micros, separator=b" " if sqlite else b"T", fraction=fraction, suffix=b"" if sqlite else b"Z")
    width = text.shape[1]
    offsets = pa.py_buffer((np.arange(len(micros) + 1, dtype=np.int32) * width).tobytes())
    mask = pa.array(missing, pa.bool_())
    validity = pc.invert(mask).buffers()[1] if missing.any() else None
    return pa.Array.from_buffers(pa.string(), len(micros), [validity, offsets, pa.py_buffer(text.tobytes())])


def _iso_bytes(micros: np.ndarray, *, separator: bytes, fraction: bool, suffix: bytes) -> np.ndarray:
    """Fixed-width ISO 8601 text of microseconds since the epoch, one row of bytes per value.

    Built from lookup tables (one row of text per calendar day in the data, one per second
    of the day) because numpy's ``datetime_as_string`` holds the GIL for about a third of a
    second per million values, time the COPY thread needs; the tests compare the result
    with numpy's text across years, leap days and fractions.
    """
    seconds, micro = np.divmod(micros, 1_000_000)
    days, second_of_day = np.divmod(seconds, 86_400)
    first_day = int(days.min()) if len(days) else 0
    if len(days) and int(days.max()) - first_day < 1_000_000:
        dates, day_index = _date_text(np.arange(first_day, int(days.max()) + 1)), days - first_day
    else:
        unique_days, day_index = np.unique(days, return_inverse=True)
        dates = _date_text(unique_days)
    pieces = [dates[day_index], _constant(separator, len(micros)), _clock_text()[second_of_day]]
    if fraction:
        pieces += [_constant(b".", len(micros)), _digits(micro, 6)]
    pieces.append(_constant(suffix, len(micros)))
    return np.concatenate(pieces, axis=1)


def _date_text(days: np.ndarray) -> np.ndarray:
    """ "YYYY-MM-DD" of days since the epoch, by Howard Hinnant's civil-from-days algorithm."""
    z = days + 719_468
    era = z // 146_097
    day_of_era = z - era * 146_097
    year_of_era = (day_of_era - day_of_era // 1_460 + day_of_era // 36_524 - day_of_era // 146_096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    shifted_month = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * shifted_month + 2) // 5 + 1
    month = np.where(shifted_month < 10, shifted_month + 3, shifted_month - 9)
    year = year_of_era + era * 400 + (month <= 2)
    dash = _constant(b"-", len(days))
    return np.concatenate([_digits(year, 4), dash, _digits(month, 2), dash, _digits(day, 2)], axis=1)


@functools.cache
def _clock_text() -> np.ndarray:
    """ "HH:MM:SS" of every second of a day, 86,400 rows."""
    hour, rest = np.divmod(np.arange(86_400), 3_600)
    minute, second = np.divmod(rest, 60)
    colon = _constant(b":", 86_400)
    return np.concatenate([_digits(hour, 2), colon, _digits(minute, 2), colon, _digits(second, 2)], axis=1)


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    return np.stack([(values // 10**power % 10 + 48).astype(np.uint8) for power in range(width - 1, -1, -1)], axis=1)


def _constant(text: bytes, rows: int) -> np.ndarray:
    return np.broadcast_to(np.frombuffer(text, np.uint8), (rows, len(text)))


def _csv_bytes(data: pa.Table) -> bytes:
    """The rows as CSV without quotes, or quoted where needed when a value holds a comma, quote or line break."""
    columns = [_timestamps_as_text(c) if pa.types.is_timestamp(c.type) else c for c in data.columns]
    table = pa.table(columns, names=data.column_names)
    buffer = io.BytesIO()
    try:
        pacsv.write_csv(table, buffer, write_options=pacsv.WriteOptions(include_header=False, quoting_style="none"))
    except pa.ArrowInvalid:
        buffer = io.BytesIO()
        pacsv.write_csv(table, buffer, write_options=pacsv.WriteOptions(include_header=False))
    return buffer.getvalue()


def _copy_sql(table: str, data: pa.Table) -> str:
    text = [field.name for field in data.schema if pa.types.is_string(field.type)]
    options = f", FORCE_NOT_NULL ({_column_list(text)})" if text else ""
    columns = _column_list(data.column_names)
    return f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN (FORMAT csv{options})"


class _PostgresCopy:
    """One ``COPY`` per run of chunks with the same columns; a thread sends each chunk while the caller
    prepares the next."""

    def __init__(self, table: str):
        self.table = table
        self.pending = queue.Queue(maxsize=2)
        self.failure = None
        self._copy_context = None

    def __enter__(self):
        self._cursor = connection.cursor()
        self._sender = threading.Thread(target=self._send, name="copy-sender", daemon=True)
        self._sender.start()
        return self

    def _send(self) -> None:
        """Runs in the thread: serialise (pyarrow releases the GIL) and send each chunk."""
        columns = None
        while (data := self.pending.get()) is not None:
            if self.failure is None:
                try:
                    if data.column_names != columns:
                        self._finish_copy(None, None, None)
                        self._copy_context = self._cursor.cursor.copy(_copy_sql(self.table, data))
                        self._copy, columns = self._copy_context.__enter__(), data.column_names
                    self._copy.write(_csv_bytes(data))
                except Exception as error:  # noqa: BLE001 - re-raised in the caller's thread
                    self.failure = error

    def _finish_copy(self, exc_type, exc, traceback) -> None:
        context, self._copy_context = self._copy_context, None
        if context is not None:
            context.__exit__(exc_type, exc, traceback)

    def write(self, data: pa.Table) -> None:
        if self.failure is not None:
            raise self.failure
        if data.num_rows:
            self.pending.put(data)

    def __exit__(self, exc_type, exc, traceback):
        self.pending.put(None)
        self._sender.join()
        if exc is None and self.failure is not None:
            exc_type, exc = type(self.failure), self.failure
        try:
            self._finish_copy(exc_type, exc, traceback)
        finally:
            self._cursor.close()
        if self.failure is not None and exc is self.failure:
            raise self.failure


class _SqliteInsert:
    """Batched inserts: SQLite has no ``COPY``, and this path serves the embedded default, not ten million rows."""

    def __init__(self, table: str, *, verb: str = "INSERT"):
        self.table, self.verb = table, verb

    def __enter__(self):
        return self

    def write(self, data: pa.Table) -> None:
        columns = [
            _timestamps_as_text(column, sqlite=True) if pa.types.is_timestamp(column.type) else column
            for column in data.columns
        ]
        placeholders = ", ".join(["%s"] * len(columns))
        sql = (
            f"{self.verb} INTO {connection.ops.quote_name(self.table)} ({_column_list(data.column_names)}) "
            f"VALUES ({placeholders})"
        )
        with connection.cursor() as cursor:
            cursor.executemany(sql, list(zip(*(column.to_pylist() for column in columns), strict=True)))

    def __exit__(self, exc_type, exc, traceback):
        return None
