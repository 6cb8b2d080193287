"""Parquet and gzipped deliveries fan out too, and read exactly as one pass reads them.

Parquet is split at row groups (read from its footer), a gzipped CSV or JSON Lines file is
decompressed into storage once and split as the plain file it holds. Each delivery is
processed twice, fanned out and in one pass: the metrics document, the stored rows, the
item texts and the errors (by row and column) must be the same; the decompressed content
is gone once the batch is finished, whichever way.
"""

import gzip
import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.files.storage import default_storage

from sla import services
from sla.constants import BatchStatus
from sla.models import Annotation, BatchChunk
from sla.services import fanout
from sla.simulate import DeliverySpec, simulate_delivery
from tests.sla.conftest import csv_bytes
from tests.sla.test_fanout import one_pass_document, process, receive, staging_tables
from tests.sla.test_fanout_boundaries import both_ways, outcome

ROWS_PER_GROUP = 40


@pytest.fixture(scope="module")
def frame():
    rows = simulate_delivery(DeliverySpec(items=200, seed=7)).annotations
    rows["text"] = [f"{item} as row {number} saw it" for number, item in enumerate(rows["item_id"], start=1)]
    return rows


def parquet_bytes(frame, *, row_group_size: int = ROWS_PER_GROUP) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), buffer, row_group_size=row_group_size)
    return buffer.getvalue()


def json_lines_bytes(frame) -> bytes:
    return frame.to_json(orient="records", lines=True, date_format="iso").encode()


def decompressed_objects(batch) -> list[str]:
    """What the storage holds of the batch's decompressed content."""
    return [name for name, _ in default_storage.modified_times(f"{fanout.DECOMPRESSED_FOLDER}/{batch.pk}")]


def texts(batch) -> dict[str, str]:
    return dict(batch.item_contents.values_list("item_id", "text"))


DELIVERIES = {
    "parquet of several row groups": (lambda frame: parquet_bytes(frame), "delivery.parquet", "parquet"),
    "gzipped CSV": (lambda frame: gzip.compress(csv_bytes(frame)), "delivery.csv.gz", "csv+gzip"),
    "gzipped JSON Lines": (lambda frame: gzip.compress(json_lines_bytes(frame)), "delivery.jsonl.gz", "jsonl+gzip"),
}


@pytest.mark.django_db
@pytest.mark.parametrize(("build", "name", "kind"), DELIVERIES.values(), ids=DELIVERIES.keys())
def test_a_delivery_fans_out_into_the_one_pass_document_rows_and_texts(
    build, name, kind, frame, contract_a, contract_b, sentiment, lead, django_capture_on_commit_callbacks
):
    content = build(frame)

    fanned, one_pass = both_ways(
        contract_a, contract_b, sentiment, lead, django_capture_on_commit_callbacks, content, name
    )

    assert fanned.status == BatchStatus.EVALUATED, fanned.failure or fanned.errors
    assert fanned.chunks_total > 3 and one_pass.chunks_total == 0
    assert outcome(fanned) == outcome(one_pass) and fanned.rows == len(frame)
    assert fanned.format == one_pass.format == kind
    assert fanned.metrics == one_pass_document(content, fanned)
    assert texts(fanned) == texts(one_pass) and len(texts(fanned)) == frame["item_id"].nunique()
    assert decompressed_objects(fanned) == [] and staging_tables() == []


@pytest.mark.django_db
@pytest.mark.parametrize(("build", "name", "kind"), DELIVERIES.values(), ids=DELIVERIES.keys())
def test_an_invalid_row_in_a_later_chunk_is_named_by_row_and_column_and_nothing_is_stored(
    build, name, kind, frame, contract_a, contract_b, sentiment, lead, django_capture_on_commit_callbacks
):
    bad = frame.copy()
    bad_row = len(bad) - 10  # in the last row group, or the last chunk of the content
    bad.loc[bad_row - 1, "label"] = "sarcastic"
    content = build(bad)

    fanned, one_pass = both_ways(
        contract_a, contract_b, sentiment, lead, django_capture_on_commit_callbacks, content, name
    )

    assert fanned.chunks_total > 3
    assert outcome(fanned) == outcome(one_pass)
    assert fanned.status == BatchStatus.INVALID and fanned.format == kind
    assert [(error["row"], error["column"]) for error in fanned.errors] == [(bad_row, "label")]
    assert not Annotation.objects.filter(batch=fanned).exists() and not texts(fanned)
    assert decompressed_objects(fanned) == [] and staging_tables() == []


@pytest.mark.django_db
def test_parquet_of_one_row_group_is_read_in_one_pass(
    settings, frame, contract_a, sentiment, lead, django_capture_on_commit_callbacks
):
    settings.INGEST_FANOUT_BYTES, settings.INGEST_FANOUT_CHUNK_BYTES = 1, 3_000
    content = parquet_bytes(frame, row_group_size=len(frame))
    batch = receive(contract_a, sentiment, lead, content, "delivery.parquet")

    assert fanout.batch_layout(batch=batch) is None
    batch = process(batch, django_capture_on_commit_callbacks)
    assert batch.status == BatchStatus.EVALUATED and batch.chunks_total == 0
    assert batch.metrics == one_pass_document(content, batch)


@pytest.mark.django_db
def test_a_chunk_names_its_row_groups_when_it_fails_the_batch(
    settings, frame, contract_a, sentiment, lead, django_capture_on_commit_callbacks
):
    settings.INGEST_FANOUT_BYTES, settings.INGEST_FANOUT_CHUNK_BYTES = 1, 3_000
    batch = receive(contract_a, sentiment, lead, parquet_bytes(frame), "delivery.parquet")
    fan_out_without_running_chunks(batch, django_capture_on_commit_callbacks)
    chunk = BatchChunk.objects.get(batch=batch, index=1)
    chunk.status, chunk.attempts = BatchChunk.Status.PROCESSING, settings.INGEST_MAX_ATTEMPTS
    chunk.save()

    with django_capture_on_commit_callbacks(execute=True):
        services.batch_chunk_ingest(batch_id=batch.pk, index=1)

    batch.refresh_from_db()
    groups = f"row groups {chunk.first_row_group + 1} to {chunk.last_row_group + 1}"
    assert batch.status == BatchStatus.FAILED
    assert f"chunk 2 of {batch.chunks_total} (rows {chunk.first_row} to {chunk.last_row}, {groups})" in batch.failure


@pytest.mark.django_db
def test_a_gzip_bomb_is_refused_as_in_one_pass_and_leaves_no_decompressed_content(
    contract_a, contract_b, sentiment, lead, django_capture_on_commit_callbacks
):
    """40 MB of rows in 40 kB: refused by the compression ratio once past the grace, fanned out or not."""
    bomb = gzip.compress(b"item_id,annotator_id,label\n" + b"item-1,ann-1,positive\n" * (40 * 1024**2 // 22))

    fanned, one_pass = both_ways(
        contract_a, contract_b, sentiment, lead, django_capture_on_commit_callbacks, bomb, "delivery.csv.gz"
    )

    def refusal(batch):  # how many rows were read before it depends on Arrow's read-ahead, in one pass too
        return batch.status, [error for error in batch.errors if error["row"] is None]

    assert refusal(fanned) == refusal(one_pass)
    assert fanned.status == BatchStatus.INVALID and fanned.chunks_total == 0
    assert "expands more than" in fanned.errors[0]["message"]
    assert not Annotation.objects.filter(batch=fanned).exists() and decompressed_objects(fanned) == []


@pytest.mark.django_db
@pytest.mark.parametrize("outcome_of_a_chunk", ["merged", "invalid", "failed"])
def test_the_decompressed_content_is_kept_while_chunks_read_it_and_deleted_when_the_batch_finishes(
    outcome_of_a_chunk, settings, frame, contract_a, sentiment, lead, django_capture_on_commit_callbacks
):
    settings.INGEST_FANOUT_BYTES, settings.INGEST_FANOUT_CHUNK_BYTES = 1, 3_000
    rows = frame.copy()
    if outcome_of_a_chunk == "invalid":
        rows.loc[len(rows) - 1, "label"] = "sarcastic"
    content = gzip.compress(csv_bytes(rows))
    batch = receive(contract_a, sentiment, lead, content, "delivery.csv.gz")
    fan_out_without_running_chunks(batch, django_capture_on_commit_callbacks)

    stored = decompressed_objects(batch)
    assert len(stored) == 1 and batch.chunks.filter(decompressed=stored[0]).count() == batch.chunks.count() > 3
    with default_storage.open(stored[0], "rb") as copy:
        assert copy.read() == gzip.decompress(content)

    if outcome_of_a_chunk == "failed":
        BatchChunk.objects.filter(batch=batch, index=1).update(
            status=BatchChunk.Status.PROCESSING, attempts=settings.INGEST_MAX_ATTEMPTS
        )
    with django_capture_on_commit_callbacks(execute=True):
        for index in range(batch.chunks.count()):
            services.batch_chunk_ingest(batch_id=batch.pk, index=index)

    batch.refresh_from_db()
    expected = {"merged": BatchStatus.EVALUATED, "invalid": BatchStatus.INVALID, "failed": BatchStatus.FAILED}
    assert batch.status == expected[outcome_of_a_chunk], batch.failure or batch.errors
    assert decompressed_objects(batch) == []
    folder = f"{fanout.DECOMPRESSED_FOLDER}/{batch.pk}"
    assert not default_storage.exists(folder), "no empty folder is left behind on disk either"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("threshold", "fans_out"),
    [(lambda plain, packed: len(plain) - 1, True), (lambda plain, packed: len(plain) + 1, False)],
    ids=["content over the threshold", "content under it"],
)
def test_the_size_of_a_gzips_content_decides_whether_it_fans_out(
    threshold, fans_out, settings, frame, contract_a, sentiment, lead, django_capture_on_commit_callbacks
):
    plain = csv_bytes(frame)
    packed = gzip.compress(plain)
    settings.INGEST_FANOUT_BYTES, settings.INGEST_FANOUT_CHUNK_BYTES = threshold(plain, packed), 3_000
    assert len(packed) < settings.INGEST_FANOUT_BYTES  # the file alone would not

    batch = process(receive(contract_a, sentiment, lead, packed, "delivery.csv.gz"), django_capture_on_commit_callbacks)

    assert batch.status == BatchStatus.EVALUATED and (batch.chunks_total > 1) is fans_out
    assert batch.format == "csv+gzip" and decompressed_objects(batch) == []


def fan_out_without_running_chunks(batch, capture) -> None:
    with capture(execute=True):
        services.batch_ingest(batch_id=batch.pk, dispatch_chunks=lambda pk, chunks: None)
    batch.refresh_from_db()
    assert batch.chunks_total > 1


@pytest.mark.django_db
def test_a_parquet_file_without_a_required_column_is_refused_once_as_in_one_pass(
    frame, contract_a, contract_b, sentiment, lead, django_capture_on_commit_callbacks
):
    content = parquet_bytes(frame.drop(columns=["label"]))

    fanned, one_pass = both_ways(
        contract_a, contract_b, sentiment, lead, django_capture_on_commit_callbacks, content, "delivery.parquet"
    )

    assert fanned.chunks_total > 3
    assert outcome(fanned) == outcome(one_pass)
    assert fanned.error_count == 1 and fanned.errors[0]["row"] is None and "label" in fanned.errors[0]["message"]
