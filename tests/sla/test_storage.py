"""Bulk storage: what goes through ``COPY`` (PostgreSQL, in CI) or inserts (SQLite) comes back as it was sent."""

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest
from django.db import connection, transaction

from sla.models import Annotation, ItemContent
from sla.services.intake import annotations_store
from sla.services.lineage import redelivered_rows
from sla.simulate import DeliverySpec, simulate_delivery
from sla.storage import StagedChunk, _timestamps_as_text, chunk_stage, chunks_attach, rows_replace, rows_store_new
from tests.factories import DeliveredBatchFactory
from tests.sla.conftest import item_indexes

PRIMARY_KEY = ("batch_id", "row")
FIRST_SECOND, LAST_SECOND = -62_135_596_800, 253_402_300_799  # 0001-01-01 to 9999-12-31 23:59:59


def timestamps(micros: np.ndarray, missing: np.ndarray | None = None) -> pa.ChunkedArray:
    return pa.chunked_array([pa.array(micros, pa.timestamp("us", tz="UTC"), mask=missing)])


def test_timestamp_text_is_numpys_across_all_years_with_fractions():
    micros = np.random.default_rng(3).integers(FIRST_SECOND * 10**6, LAST_SECOND * 10**6, 50_000)
    expected = np.datetime_as_string(micros.astype("datetime64[us]"), unit="us", timezone="UTC")
    assert _timestamps_as_text(timestamps(micros)).to_pylist() == expected.tolist()


def test_timestamp_text_of_whole_seconds_has_no_fraction_and_keeps_nulls():
    leap_days = [dt.datetime(year, 2, 29, 23, 59, 59, tzinfo=dt.UTC) for year in (1600, 2000, 2024, 2400)]
    edges = [dt.datetime(1, 1, 1, tzinfo=dt.UTC), dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC)]
    moments = leap_days + edges + [dt.datetime(1969, 12, 31, 23, 59, 59, tzinfo=dt.UTC)]
    micros = np.array([round(moment.timestamp()) * 10**6 for moment in moments] + [0])
    missing = np.array([False] * len(moments) + [True])
    expected = [moment.strftime("%Y-%m-%dT%H:%M:%SZ").rjust(20, "0") for moment in moments] + [None]
    assert _timestamps_as_text(timestamps(micros, missing)).to_pylist() == expected
    sqlite = [text.replace("T", " ").rstrip("Z") if text else None for text in expected]
    assert _timestamps_as_text(timestamps(micros, missing), sqlite=True).to_pylist() == sqlite


@pytest.fixture
def awkward_delivery(delivery):
    """Values that need quoting or are easily mistaken for nulls, and optional columns filled only in places."""
    frame = delivery.annotations.head(60).copy()
    frame.loc[0, "item_id"] = 'item, with "comma" and quotes'
    frame.loc[1, "annotator_id"] = 'ann "007", night shift'
    frame.loc[2, "prelabel"] = ""
    frame["confidence"] = np.where(np.arange(len(frame)) % 3 == 0, np.nan, 0.75)
    frame["escalated"] = np.arange(len(frame)) == 5
    frame["escalation_resolved_at"] = None
    frame.loc[5, "escalation_resolved_at"] = "2026-11-02T10:00:00.250000Z"
    return frame


def stored_rows(batch) -> list[tuple]:
    fields = ["item_id", "annotator_id", "label", "queue", "prelabel", "confidence", "escalated"]
    return list(Annotation.objects.filter(batch=batch).order_by("row").values_list("row", *fields))


def test_a_delivery_is_stored_exactly_quotes_empty_text_and_optional_columns_included(
    lead, contract_a, awkward_delivery
):
    batch = DeliveredBatchFactory(contract=contract_a, rows=awkward_delivery, filename="awkward.csv", user=lead)
    rows = stored_rows(batch)
    expected = [
        (
            number,
            record.item_id,
            record.annotator_id,
            record.label,
            record.queue,
            record.prelabel if isinstance(record.prelabel, str) else "",
            None if np.isnan(record.confidence) else record.confidence,
            bool(record.escalated),
        )
        for number, record in enumerate(awkward_delivery.itertuples(), start=1)
    ]
    assert rows == expected
    stored = Annotation.objects.get(batch=batch, row=6)
    assert stored.escalation_resolved_at == dt.datetime(2026, 11, 2, 10, 0, 0, 250_000, tzinfo=dt.UTC)
    assert stored.annotated_at == awkward_delivery.loc[5, "annotated_at"].to_pydatetime()


def test_chunks_with_different_columns_are_stored_with_the_database_defaults(lead, contract_a, delivery):
    """Rows replace the batch's rows (its partition on PostgreSQL); a column a chunk lacks takes its default."""
    batch = DeliveredBatchFactory(contract=contract_a, rows=delivery.annotations, user=lead, queue_processing=False)
    base = {"batch_id": [batch.pk] * 2, "item_id": ["a", "b"], "annotator_id": ["x", "y"], "label": ["n", "p"]}
    replacing = rows_replace(
        table=Annotation._meta.db_table, key_column="batch_id", key=batch.pk, primary_key=("batch_id", "row")
    )
    with transaction.atomic(), replacing as stream:
        stream.write(pa.table({**base, "row": [1, 2]}))
        stream.write(pa.table({**base, "row": [3, 4], "queue": ["full", "full"], "escalated": [True, False]}))
        stream.write(pa.table({**base, "row": [5, 6]}))
    rows = Annotation.objects.filter(batch=batch).order_by("row")
    assert [(row.row, row.queue, row.prelabel, row.escalated, row.confidence) for row in rows] == [
        (1, "", "", False, None),
        (2, "", "", False, None),
        (3, "full", "", True, None),
        (4, "full", "", False, None),
        (5, "", "", False, None),
        (6, "", "", False, None),
    ]


def test_ingesting_a_batch_again_replaces_its_rows_and_leaves_other_batches_alone(lead, contract_a, delivery):
    batches = [
        DeliveredBatchFactory(contract=contract_a, rows=frame, filename=name, user=lead)
        for name, frame in (("first.csv", delivery.annotations), ("second.csv", delivery.annotations.head(40)))
    ]
    with transaction.atomic():
        annotations_store(batches[0])
    counts = [Annotation.objects.filter(batch=batch).count() for batch in batches]
    assert counts == [len(delivery.annotations), 40]


def test_every_batchs_rows_are_indexed_by_item_once_and_found_by_it(lead, contract_a, delivery):
    batches = [
        DeliveredBatchFactory(contract=contract_a, rows=frame, filename=name, user=lead)
        for name, frame in (("first.csv", delivery.annotations), ("second.csv", delivery.annotations.head(40)))
    ]
    with transaction.atomic():
        annotations_store(batches[0])  # loaded again: a fresh partition, indexed again
    tables = item_indexes()
    # One item index on each table (PostgreSQL: the table and each batch's partition; SQLite: the one table).
    assert set(tables.values()) == {(1, 1)} and len(tables) == (3 if connection.vendor == "postgresql" else 1)
    item = delivery.annotations["item_id"].iloc[0]
    holding = Annotation.objects.filter(item_id=item).values_list("batch_id", flat=True).distinct()
    assert sorted(holding) == sorted(batch.pk for batch in batches)


@pytest.mark.django_db(transaction=True)
def test_new_rows_are_stored_once_per_key_even_outside_a_transaction(lead, contract_a, delivery):
    batch = DeliveredBatchFactory(contract=contract_a, rows=delivery.annotations.head(10), user=lead)
    table, unique = ItemContent._meta.db_table, ("batch_id", "item_id")

    def part(items, texts):
        return pa.table({"batch_id": [batch.pk] * len(items), "item_id": items, "text": texts})

    rows_store_new(table=table, data=part(["a", "b"], ["first a", "first b"]), unique=unique)
    rows_store_new(table=table, data=part(["b", "c"], ["second b", "first c"]), unique=unique)

    stored = dict(ItemContent.objects.filter(batch=batch).values_list("item_id", "text"))
    assert stored == {"a": "first a", "b": "first b", "c": "first c"}


def test_staged_chunks_attach_renumbered_without_the_rows_dropped(lead, contract_a, delivery):
    """Chunk 0 loses a row, chunk 1 every row, chunk 2 none but moves down: the rows run from 1 without gaps."""
    batch = DeliveredBatchFactory(contract=contract_a, rows=delivery.annotations, user=lead, queue_processing=False)
    table, key = Annotation._meta.db_table, batch.pk
    staged = {0: (1, 4, 4), 1: (5, 8, 2), 2: (9, 12, 3)}  # index: first and last row planned, rows staged
    with transaction.atomic():
        for index, (first, last, count) in staged.items():
            rows = list(range(first, first + count))
            data = {"batch_id": [key] * count, "row": rows, "annotator_id": ["x"] * count, "label": ["n"] * count}
            target = chunk_stage(
                table=table, key_column="batch_id", key=key, index=index, rows=(first, last), primary_key=PRIMARY_KEY
            )
            with target as stream:
                stream.write(pa.table({**data, "item_id": [f"item {row}" for row in rows]}))
        chunks = [
            StagedChunk(0, 1, 4, [2], (1, 3)),
            StagedChunk(1, 5, 8, [5, 6], (4, 3)),
            StagedChunk(2, 9, 12, [], (4, 6)),
        ]
        chunks_attach(table=table, key_column="batch_id", key=key, chunks=chunks, primary_key=PRIMARY_KEY)

    stored = Annotation.objects.filter(batch=batch).order_by("row").values_list("row", "item_id")
    assert list(stored) == [(1, "item 1"), (2, "item 3"), (3, "item 4"), (4, "item 9"), (5, "item 10"), (6, "item 11")]
    assert not [name for name in connection.introspection.table_names() if "_chunk" in name]
    assert Annotation.objects.filter(batch=batch, row=2).exists()  # found by its key (PostgreSQL: by the partition)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans queries of the partitioned table")
@pytest.mark.parametrize("fanned_out", [False, True], ids=["one pass", "fanned out"])
def test_the_planner_knows_how_many_rows_of_a_redelivery_an_earlier_batch_holds(fanned_out, lead, contract_a, settings):
    """The lineage asks ``item_id IN (SELECT item_id ... WHERE batch_id IN (...))`` of the partitioned table. With
    no statistics of the whole table PostgreSQL guessed 200 items whatever the batches and probed an index once
    per item: 25 s for a re-delivery of 2 million items that a hash join answers in 4 s."""
    if fanned_out:
        settings.INGEST_FANOUT_BYTES, settings.INGEST_FANOUT_CHUNK_BYTES = 1, 30_000
    rows = simulate_delivery(DeliverySpec(items=2_000, seed=5)).annotations
    earlier, again = (  # the same items again, in another order (the same file would be the same batch)
        DeliveredBatchFactory(contract=contract_a, rows=delivered, filename=name, user=lead)
        for name, delivered in (("first.csv", rows), ("again.csv", rows[::-1]))
    )
    assert (earlier.chunks_total > 1) == fanned_out
    redelivered = redelivered_rows(batch=again)
    sql, params = redelivered.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        estimate = cursor.fetchone()[0][0]["Plan"]["Plan Rows"]
    assert redelivered.count() == len(rows)
    assert 0.8 * len(rows) <= estimate <= 1.25 * len(rows), "every row of it is a redelivery, as the planner sees it"
