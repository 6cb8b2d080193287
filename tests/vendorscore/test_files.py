"""Stored files in an S3-compatible bucket (moto's server, started by the test run): what goes in, what comes back.

Deliveries, gold sets, evidence and rendered reports are kept in the bucket and nothing
under ``MEDIA_ROOT``; deliveries are parsed from the bucket as they stream in (Parquet
through a spooled copy); a refused upload's file is deleted from the bucket after its
retention; a file the bucket lost or a connection cut mid-way is a storage error the
intake retries. The web server and a real worker on separate machines are in
``tests/test_bucket_real.py``.
"""

import datetime as dt
import gzip
import io
import subprocess
import sys
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from reports import services as report_services
from reports.constants import AUDIENCE_BUYER
from sla import services
from sla import tasks as sla_tasks
from sla.models import Batch, GoldLabel
from tests.conftest import BUCKET_CREDENTIALS, CHROMIUM, closed_port, files_under, require_service
from tests.factories import EvaluationFactory
from tests.sla import conftest as sla_fixtures
from tests.sla.conftest import csv_bytes
from vendorscore import bucket as bucket_backends
from vendorscore.constants import Role
from vendorscore.files import stored_file_open
from vendorscore.settings import bucket_storages

# The SLA app's fixtures, shared rather than copied.
sentiment = sla_fixtures.sentiment
delivery = sla_fixtures.delivery
contract_a = sla_fixtures.contract_a
contract_b = sla_fixtures.contract_b


@pytest.fixture
def post(api_client_for, django_capture_on_commit_callbacks):
    """POST a file to an upload endpoint, running the queued processing (eager Celery)."""

    def send(user, url: str, name: str, content: bytes, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            response = api_client_for(user).post(
                url, {"file": SimpleUploadedFile(name, content), **fields}, format="multipart"
            )
        assert response.status_code == 202, response.json()
        return response.json()

    return send


def test_a_delivery_and_its_gold_set_are_kept_in_the_bucket_and_evaluated_from_it(
    bucket, post, api_client_for, users, lead, contract_a, delivery, settings
):
    gold = post(lead, "/api/v1/gold-sets/", "gold.csv", csv_bytes(delivery.gold), task_type="sentiment")
    vendor = users[Role.VENDOR]
    content = csv_bytes(delivery.annotations)
    received = post(vendor, "/api/v1/batches/", "delivery.csv", content, contract=contract_a.pk, task_type="sentiment")

    body = api_client_for(vendor).get(f"/api/v1/batches/{received['id']}/").json()
    assert (body["status"], body["rows"]) == ("evaluated", len(delivery.annotations))
    assert GoldLabel.objects.filter(gold_set_id=gold["id"]).count() == len(delivery.gold)
    rated = delivery.annotations.merge(delivery.gold, on="item_id", suffixes=("", "_gold"))
    metrics = api_client_for(lead).get(f"/api/v1/batches/{received['id']}/metrics/").json()
    assert metrics["accuracy"]["value"] == pytest.approx((rated["label"] == rated["label_gold"]).mean())
    batch = Batch.objects.get(pk=received["id"])
    assert bucket.keys() == sorted([batch.file.name, batch.task_type.gold_sets.get().file.name])
    stored = bucket.client.get_object(Bucket=bucket.name, Key=batch.file.name)["Body"].read()
    assert stored == content
    assert files_under(settings.MEDIA_ROOT) == [], "nothing is kept on the web server's disk"


def test_a_parquet_delivery_is_read_from_the_bucket_through_a_spooled_copy(bucket, post, lead, contract_a, delivery):
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(delivery.annotations, preserve_index=False), buffer)
    received = post(
        lead, "/api/v1/batches/", "delivery.parquet", buffer.getvalue(), contract=contract_a.pk, task_type="sentiment"
    )
    batch = Batch.objects.get(pk=received["id"])
    assert (batch.status, batch.rows, batch.format) == ("evaluated", len(delivery.annotations), "parquet")


def test_two_files_of_the_same_name_are_both_kept(bucket, lead, contract_a, contract_b, sentiment, delivery):
    contents = [csv_bytes(delivery.annotations.head(100)), csv_bytes(delivery.annotations.tail(100))]
    batches = [
        services.batch_receive(
            contract=contract,
            task_type=sentiment,
            upload=SimpleUploadedFile("delivery.csv", content),
            user=lead,
            queue_processing=False,
        ).upload
        for contract, content in zip((contract_a, contract_b), contents, strict=True)
    ]
    assert len(bucket.keys("uploads/")) == 2
    for batch, content in zip(batches, contents, strict=True):
        with stored_file_open(file=batch.file) as stream:
            assert stream.read() == content


@pytest.fixture(params=["local", "bucket"])
def either_storage(request, settings, tmp_path):
    """Each test runs on local files and on the bucket."""
    if request.param == "bucket":
        request.getfixturevalue("bucket")
    else:
        settings.MEDIA_ROOT = tmp_path / "media"
    return request.param


def test_a_range_of_a_stored_file_is_read_alone(either_storage, lead, contract_a, sentiment):
    """What a fan-out chunk task reads: its bytes of the delivery, not the whole file first."""
    content = bytes(range(256)) * 8192  # 2 MB, past the stream's 1 MB buffer
    batch = services.batch_receive(
        contract=contract_a,
        task_type=sentiment,
        upload=SimpleUploadedFile("delivery.csv", content),
        user=lead,
        queue_processing=False,
    ).upload
    for start, end in [(0, None), (0, 10), (1_500_000, None), (1_000_000, 1_600_000), (7, 7), (len(content) - 1, None)]:
        with stored_file_open(file=batch.file, start=start, end=end) as stream:
            assert stream.read() == content[start:end], (start, end)


def test_a_refused_upload_is_deleted_from_the_bucket_after_its_retention_and_its_row_kept(
    bucket, lead, contract_a, sentiment, settings
):
    invalid = services.batch_receive(
        contract=contract_a,
        task_type=sentiment,
        upload=SimpleUploadedFile("deep.jsonl", b"[" * 20_000 + b"\n"),
        user=lead,
        queue_processing=False,
    ).upload
    services.batch_ingest(batch_id=invalid.pk)
    invalid.refresh_from_db()
    assert invalid.status == "invalid" and bucket.keys() == [invalid.file.name]

    later = timezone.now() + dt.timedelta(days=settings.REFUSED_FILE_RETENTION_DAYS, seconds=1)
    assert services.uploads_sweep(now=later).purged == [str(invalid)]
    invalid.refresh_from_db()
    assert bucket.keys() == [] and invalid.file.name == ""
    assert (invalid.status, invalid.original_name, invalid.error_count) == ("invalid", "deep.jsonl", 1)


def test_a_file_the_bucket_lost_is_a_storage_error_the_task_retries(bucket, lead, contract_a, sentiment, delivery):
    batch = services.batch_receive(
        contract=contract_a,
        task_type=sentiment,
        upload=SimpleUploadedFile("delivery.csv", csv_bytes(delivery.annotations)),
        user=lead,
        queue_processing=False,
    ).upload
    bucket.client.delete_object(Bucket=bucket.name, Key=batch.file.name)

    with pytest.raises(FileNotFoundError):
        services.batch_ingest(batch_id=batch.pk, retry_storage_errors=True)
    batch.refresh_from_db()
    assert batch.status == "received"
    assert batch.failure == "Reading the stored file failed (FileNotFoundError); a retry is scheduled."


def test_a_connection_cut_while_a_file_streams_in_is_an_os_error(db, settings, monkeypatch, tmp_path):
    """The intake retries an ``OSError`` (a disk's or a bucket's) rather than failing the batch for good."""
    for name, value in BUCKET_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    port = closed_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        endpoint = f"http://127.0.0.1:{port}"
        settings.STORAGES = {**settings.STORAGES, **bucket_storages(bucket_name="cut", endpoint_url=endpoint)}
        storage = storages["default"]
        deadline = time.monotonic() + 30
        while True:
            try:
                storage.connection.meta.client.create_bucket(Bucket="cut")
                break
            except Exception:
                assert time.monotonic() < deadline and server.poll() is None, "moto's server did not start"
                time.sleep(0.2)
        name = storage.save("uploads/big.csv", io.BytesIO(b"x" * (64 * 1024**2)))
        with storage.open_stream(name) as stream:
            assert stream.read(1024) == b"x" * 1024
            server.kill()
            server.wait(timeout=30)
            with pytest.raises(OSError, match="Reading uploads/big.csv from the bucket failed"):
                while stream.read(1024**2):
                    pass
    finally:
        server.kill()
        server.wait(timeout=30)


def test_score_evidence_is_kept_in_the_bucket_and_downloaded_from_it(bucket, api_client_for, lead, vendor_a):
    evaluation = EvaluationFactory(vendor=vendor_a, created_by=lead)
    criterion = evaluation.dimensions.first().criteria.first()
    api = api_client_for(lead)
    upload = SimpleUploadedFile("policy.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
    response = api.post(
        f"/api/v1/evaluations/{evaluation.pk}/scores/",
        {"criterion": criterion.pk, "value": 5, "evidence": upload},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    [evidence] = response.json()["evidence"]
    assert len(bucket.keys()) == 1
    download = api.get(evidence["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 evidence"
    assert files_under(settings.MEDIA_ROOT) == []


def test_reports_and_charts_are_cached_in_the_bucket_and_cleaned_from_it(
    bucket, lead, contract_a, sentiment, delivery, monkeypatch, django_capture_on_commit_callbacks
):
    require_service(CHROMIUM.exists(), "Chromium for chart rendering")
    with django_capture_on_commit_callbacks(execute=True):
        services.gold_set_receive(
            task_type=sentiment, upload=SimpleUploadedFile("gold.csv", csv_bytes(delivery.gold)), user=lead
        )
        batch = services.batch_receive(
            contract=contract_a,
            task_type=sentiment,
            upload=SimpleUploadedFile("a.csv", csv_bytes(delivery.annotations)),
            user=lead,
        ).upload
    batch.refresh_from_db()
    uploads = set(bucket.keys("uploads/"))

    first = report_services.batch_report_render(batch=batch, audience=AUDIENCE_BUYER)
    again = report_services.batch_report_render(batch=batch, audience=AUDIENCE_BUYER)
    assert first.rendered and not again.rendered and again.name == first.name
    assert again.read().startswith(b"%PDF-")
    assert bucket.keys("reports/") == sorted([first.name, *bucket.keys("reports/charts/")])
    assert bucket.keys("reports/charts/"), "the charts are cached beside the PDF"

    def modified(key):
        return bucket.client.head_object(Bucket=bucket.name, Key=key)["LastModified"]

    rendered_at = modified(first.name)
    time.sleep(1.1)  # the bucket's times are to the second
    monkeypatch.setattr(bucket_backends, "TOUCH_AFTER", dt.timedelta(0))
    assert not report_services.batch_report_render(batch=batch, audience=AUDIENCE_BUYER).rendered
    assert modified(first.name) > rendered_at, "a use long after the last one is recorded on the object"

    charts = len(bucket.keys("reports/charts/"))
    later = timezone.now() + dt.timedelta(days=settings.REPORT_CACHE_DAYS + 1)
    cleaned = report_services.report_cache_clean(now=later)
    assert (cleaned.reports, cleaned.charts) == (1, charts)
    assert set(bucket.keys()) == uploads, "the report cache is emptied, the uploads are kept"


@pytest.mark.parametrize("kind", ["csv", "csv+gzip", "parquet"])
def test_a_big_delivery_fans_out_from_either_storage_and_leaves_only_its_upload(
    kind, either_storage, request, lead, contract_a, sentiment, delivery, settings, django_capture_on_commit_callbacks
):
    """Chunk tasks read their ranges or row groups (a seekable handle of ranged reads, from a bucket too);
    a gzip's content is decompressed into the storage for them and deleted once the batch is merged."""
    settings.INGEST_FANOUT_BYTES, settings.INGEST_FANOUT_CHUNK_BYTES = 1, 1_000
    content = csv_bytes(delivery.annotations)
    if kind == "csv+gzip":
        content = gzip.compress(content)
    elif kind == "parquet":
        buffer = io.BytesIO()
        pq.write_table(pa.Table.from_pandas(delivery.annotations, preserve_index=False), buffer, row_group_size=10)
        content = buffer.getvalue()
    batch = services.batch_receive(
        contract=contract_a,
        task_type=sentiment,
        upload=SimpleUploadedFile("delivery", content),
        user=lead,
        queue_processing=False,
    ).upload

    with django_capture_on_commit_callbacks(execute=True):
        sla_tasks.batch_process.delay(batch.pk)

    batch.refresh_from_db()
    assert batch.status == "evaluated", batch.failure or batch.errors
    assert batch.chunks_total > 1 and batch.format == kind and batch.rows == len(delivery.annotations)
    if either_storage == "bucket":
        assert request.getfixturevalue("bucket").keys() == [batch.file.name]
    else:
        stored = [path.relative_to(settings.MEDIA_ROOT).as_posix() for path in files_under(settings.MEDIA_ROOT)]
        assert stored == [batch.file.name]
