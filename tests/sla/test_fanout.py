"""A big delivery fanned out in chunks: the same document as one pass, all or nothing, progress shown.

These run the chunk tasks eagerly (one after the other, in this process), on SQLite
locally and on PostgreSQL in CI (where the staged chunks become range partitions);
``test_fanout_real`` runs them on real worker processes.
"""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from sla import ingest, services, tasks
from sla.constants import BatchStatus
from sla.metrics import compute_metrics
from sla.models import Annotation, Batch, BatchChunk
from sla.services import fanout
from sla.services.evaluation import gold_frame
from sla.simulate import DeliverySpec, simulate_delivery
from tests.sla.conftest import csv_bytes, item_indexes

CHUNK_BYTES = 3_000


@pytest.fixture
def fan_out_small_files(settings):
    """Every delivery fans out, in chunks of a few dozen rows."""
    settings.INGEST_FANOUT_BYTES = 1
    settings.INGEST_FANOUT_CHUNK_BYTES = CHUNK_BYTES


@pytest.fixture
def big_delivery():
    return simulate_delivery(DeliverySpec(items=400, seed=11))


def receive(contract, task_type, user, content: bytes, name: str = "delivery.csv", **options) -> Batch:
    return services.batch_receive(
        contract=contract,
        task_type=task_type,
        upload=SimpleUploadedFile(name, content),
        user=user,
        queue_processing=False,
        **options,
    ).upload


def process(batch: Batch, capture) -> Batch:
    """The ``batch_process`` task as the broker runs it, chunk tasks included (eager)."""
    with capture(execute=True):
        tasks.batch_process.delay(batch.pk)
    batch.refresh_from_db()
    return batch


def page_text(client, batch: Batch) -> str:
    """The batch page's words as a reader sees them: tags dropped, white space runs as one space."""
    html = client.get(reverse("batch_detail", args=[batch.pk])).content.decode()
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def staging_tables() -> list[str]:
    return [name for name in connection.introspection.table_names() if "_chunk" in name]


def one_pass_document(content: bytes, batch: Batch) -> dict:
    frame = ingest.read_delivery(
        io.BytesIO(content), filename="delivery.csv", labels=batch.task_type.labels, duplicates=batch.duplicates
    ).frame
    return compute_metrics(
        frame[["item_id", "annotator_id", "label", "queue", "prelabel"]],
        labels=batch.task_type.labels,
        level=batch.task_type.scale,
        gold=gold_frame(batch=batch),
        seed=batch.pk,
    )


@pytest.mark.django_db
def test_a_big_delivery_fans_out_and_its_document_is_the_one_pass_document(
    fan_out_small_files, contract_a, sentiment, lead, big_delivery, django_capture_on_commit_callbacks
):
    content = csv_bytes(big_delivery.annotations)
    batch = process(receive(contract_a, sentiment, lead, content), django_capture_on_commit_callbacks)

    assert batch.status == BatchStatus.EVALUATED, batch.failure or batch.errors
    assert batch.chunks_total >= 5 and batch.chunks_done == batch.chunks_total
    assert batch.metrics == one_pass_document(content, batch)
    stored = list(Annotation.objects.filter(batch=batch).order_by("row").values_list("row", "item_id", "annotator_id"))
    expected = big_delivery.annotations[["item_id", "annotator_id"]].itertuples(index=False)
    assert stored == [(row, *pair) for row, pair in enumerate(expected, 1)]
    assert batch.rows == len(big_delivery.annotations) and batch.format == "csv"
    assert not BatchChunk.objects.filter(batch=batch).exists() and staging_tables() == []
    # Each chunk staged with its item index, attached as it was built (PostgreSQL: chunk partitions).
    assert set(item_indexes().values()) == {(1, 1)}


@pytest.mark.django_db
def test_json_lines_fan_out_too(
    fan_out_small_files, contract_a, sentiment, lead, big_delivery, django_capture_on_commit_callbacks
):
    content = big_delivery.annotations.to_json(orient="records", lines=True, date_format="iso").encode()
    batch = process(receive(contract_a, sentiment, lead, content, "delivery.jsonl"), django_capture_on_commit_callbacks)

    assert batch.status == BatchStatus.EVALUATED, batch.failure or batch.errors
    assert batch.chunks_total >= 5 and batch.format == "jsonl"
    assert Annotation.objects.filter(batch=batch).count() == len(big_delivery.annotations)


@pytest.mark.django_db
def test_an_invalid_chunk_stores_nothing_of_the_batch_and_names_its_row_and_column(
    fan_out_small_files, contract_a, sentiment, lead, big_delivery, django_capture_on_commit_callbacks
):
    frame = big_delivery.annotations.copy()
    bad_row = len(frame) // 2
    frame.loc[bad_row - 1, "label"] = "sarcastic"  # data row ``bad_row`` of the file
    batch = process(receive(contract_a, sentiment, lead, csv_bytes(frame)), django_capture_on_commit_callbacks)

    assert batch.status == BatchStatus.INVALID
    assert batch.error_count == 1
    assert batch.errors[0]["row"] == bad_row and batch.errors[0]["column"] == "label"
    assert "sarcastic" in batch.errors[0]["message"]
    assert not Annotation.objects.filter(batch=batch).exists()
    assert staging_tables() == [] and not BatchChunk.objects.filter(batch=batch).exists()


@pytest.mark.django_db
def test_an_annotator_answering_an_item_twice_in_two_chunks_is_found(
    fan_out_small_files, contract_a, sentiment, lead, big_delivery, django_capture_on_commit_callbacks
):
    frame = big_delivery.annotations.copy()
    frame.loc[len(frame) - 1, ["item_id", "annotator_id"]] = frame.loc[0, ["item_id", "annotator_id"]].to_numpy()
    batch = process(receive(contract_a, sentiment, lead, csv_bytes(frame)), django_capture_on_commit_callbacks)

    one_pass = ingest.read_delivery(
        io.BytesIO(csv_bytes(frame)), filename=batch.original_name, labels=batch.task_type.labels
    )
    assert batch.status == BatchStatus.INVALID
    assert batch.chunks_total > 1
    assert batch.errors == [error.as_dict() for error in one_pass.errors]
    assert batch.errors[0]["row"] == len(frame) and "first in row 1" in batch.errors[0]["message"]
    assert not Annotation.objects.filter(batch=batch).exists() and staging_tables() == []


@pytest.mark.django_db
def test_the_batch_page_counts_chunks_done(
    fan_out_small_files, client, contract_a, sentiment, lead, big_delivery, django_capture_on_commit_callbacks
):
    batch = receive(contract_a, sentiment, lead, csv_bytes(big_delivery.annotations))
    queued = []
    with django_capture_on_commit_callbacks(execute=True):
        services.batch_ingest(batch_id=batch.pk, dispatch_chunks=lambda pk, chunks: queued.append(chunks))
    services.batch_chunk_ingest(batch_id=batch.pk, index=0)
    services.batch_chunk_ingest(batch_id=batch.pk, index=1)

    client.force_login(lead)
    page = page_text(client, batch)
    total = queued[0]
    assert f"Split into {total} chunks that run on whichever workers are free: 2 of {total} chunks done" in page
    assert client.get(reverse("batch_status", args=[batch.pk])).json()["chunks_done"] == 2
    assert not Annotation.objects.filter(batch=batch).exists()  # staged, not yet the batch's rows


@pytest.mark.django_db
def test_the_evaluated_batch_page_says_it_was_processed_in_chunks(
    fan_out_small_files, client, contract_a, sentiment, lead, big_delivery, django_capture_on_commit_callbacks
):
    content = csv_bytes(big_delivery.annotations)
    batch = process(receive(contract_a, sentiment, lead, content), django_capture_on_commit_callbacks)

    client.force_login(lead)
    page = page_text(client, batch)
    assert f"(processed in {batch.chunks_total} chunks)" in page and batch.chunks_total > 1
    assert "chunks done" not in page


@pytest.mark.django_db
def test_a_chunk_that_killed_its_worker_twice_fails_the_batch_and_drops_what_was_staged(
    fan_out_small_files, contract_a, sentiment, lead, big_delivery, django_capture_on_commit_callbacks, settings
):
    batch = receive(contract_a, sentiment, lead, csv_bytes(big_delivery.annotations))
    with django_capture_on_commit_callbacks(execute=True):
        services.batch_ingest(batch_id=batch.pk, dispatch_chunks=lambda pk, chunks: None)
    services.batch_chunk_ingest(batch_id=batch.pk, index=0)
    BatchChunk.objects.filter(batch=batch, index=1).update(
        status=BatchChunk.Status.PROCESSING, attempts=settings.INGEST_MAX_ATTEMPTS
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.batch_chunk_ingest(batch_id=batch.pk, index=1)  # the redelivery after the second death

    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    assert "chunk 2 of" in batch.failure and "interrupted 2 times" in batch.failure
    assert staging_tables() == [] and not BatchChunk.objects.filter(batch=batch).exists()
    services.batch_chunk_ingest(batch_id=batch.pk, index=2)  # a late chunk of a failed batch does nothing
    assert staging_tables() == []

    with django_capture_on_commit_callbacks(execute=True):
        services.upload_retry(upload=batch, user=lead)  # a lead's retry fans out again, from scratch
    batch.refresh_from_db()
    assert batch.status == BatchStatus.EVALUATED and batch.chunks_done == batch.chunks_total > 1
    assert Annotation.objects.filter(batch=batch).count() == len(big_delivery.annotations)


@pytest.mark.django_db
def test_a_small_delivery_is_not_split(
    client, contract_a, sentiment, lead, delivery_file, django_capture_on_commit_callbacks
):
    batch = receive(contract_a, sentiment, lead, delivery_file.read())
    batch = process(batch, django_capture_on_commit_callbacks)
    assert batch.status == BatchStatus.EVALUATED and batch.chunks_total == 0
    assert fanout.batch_layout(batch=batch) is None
    client.force_login(lead)
    assert "chunks" not in page_text(client, batch)


@pytest.mark.django_db
@pytest.mark.parametrize("fan_out", [True, False], ids=["fanned-out", "one-pass"])
def test_each_item_keeps_its_first_text_across_chunks_and_parts(
    fan_out, settings, contract_a, sentiment, lead, big_delivery, django_capture_on_commit_callbacks
):
    settings.INGEST_FANOUT_BYTES = 1 if fan_out else 2**40
    settings.INGEST_FANOUT_CHUNK_BYTES = CHUNK_BYTES
    settings.INGEST_CHUNK_ROWS = 37  # one pass reads it in many parts too
    rows = big_delivery.annotations.sort_values("annotated_at", kind="stable").reset_index(drop=True)
    rows["text"] = [f"{item} as row {number} saw it" for number, item in enumerate(rows["item_id"], start=1)]
    first_texts = rows.drop_duplicates("item_id").set_index("item_id")["text"].to_dict()
    repeated = rows["item_id"].duplicated(keep=False)
    assert repeated.sum() > 50  # items whose rows lie in different chunks and parts

    batch = process(receive(contract_a, sentiment, lead, csv_bytes(rows)), django_capture_on_commit_callbacks)

    assert batch.status == BatchStatus.EVALUATED, batch.failure or batch.errors
    assert (batch.chunks_total > 1) is fan_out
    stored = dict(batch.item_contents.values_list("item_id", "text"))
    assert stored == first_texts
