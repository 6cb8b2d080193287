"""Fan-out on real worker processes: two Celery workers on Redis and PostgreSQL share big deliveries.

The chunk tasks go to the queue the batch's task came from, so the two workers of this
test (and no other) take them. The merged document must equal one pass over the file,
and a correction of the terms must re-check every batch through per-batch tasks.
Skipped on a laptop without Redis or PostgreSQL; in CI it fails when one is missing.
"""

import gzip
import io
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from sla import ingest, services
from sla.constants import BatchStatus
from sla.metrics import compute_metrics
from sla.models import Annotation, Batch, CheckRun
from sla.services import fanout
from sla.services.evaluation import gold_frame
from sla.simulate import DeliverySpec, simulate_delivery
from tests.conftest import database_url_of_test_database, port_open, require_service
from tests.sla.conftest import csv_bytes
from tests.sla.test_hostile_worker_real import wait_for
from tests.test_services_real import _redis_url
from vendorscore.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
CHUNK_BYTES = 20_000


def start_worker(queue: str, name: str, tmp_path: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vendorscore.settings",
        "DATABASE_URL": database_url_of_test_database(),
        "CELERY_BROKER_URL": _redis_url(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "VENDORSCORE_VAR_DIR": str(tmp_path / name),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "INGEST_FANOUT_BYTES": "1",
        "INGEST_FANOUT_CHUNK_BYTES": str(CHUNK_BYTES),
    }
    command = [sys.executable, "-m", "celery", "-A", "vendorscore", "worker", "--pool=solo", "-Q", queue]
    command += ["-n", f"{name}@{queue}", "--without-mingle", "--without-gossip", "--loglevel=INFO"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_two_workers_share_a_big_delivery_and_merge_the_one_pass_document(tmp_path, lead, contract_a, sentiment):
    require_service(port_open("127.0.0.1", 6379), "Redis on 127.0.0.1:6379")
    require_service(connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL)")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    annotations = simulate_delivery(DeliverySpec(items=3_000, seed=21)).annotations
    content = csv_bytes(annotations)
    big = services.batch_receive(
        contract=contract_a,
        task_type=sentiment,
        upload=SimpleUploadedFile("big.csv", content),
        user=lead,
        queue_processing=False,
    ).upload
    workers = [start_worker(queue, name, tmp_path) for name in ("one", "two")]
    try:
        with celery_app.connection_for_write(_redis_url()) as broker:
            celery_app.send_task("sla.tasks.batch_process", args=[big.pk], queue=queue, connection=broker)
            finished = wait_for(lambda: Batch.objects.get(pk=big.pk).is_final, workers[0], seconds=180)
            assert finished, "the batch never finished"
            big.refresh_from_db()
            assert big.status == BatchStatus.EVALUATED, big.failure or big.errors
            assert big.chunks_total == big.chunks_done and big.chunks_total >= 10

            frame = ingest.read_delivery(io.BytesIO(content), filename="big.csv", labels=sentiment.labels).frame
            one_pass = compute_metrics(
                frame[["item_id", "annotator_id", "label", "queue", "prelabel"]],
                labels=sentiment.labels,
                level=sentiment.scale,
                gold=gold_frame(batch=big),
                seed=big.pk,
            )
            assert big.metrics == one_pass
            assert Annotation.objects.filter(batch=big).count() == len(annotations)

            terms = contract_a.terms.get()
            runs_before = CheckRun.objects.filter(batch=big).count()
            terms.overlap_min, terms.overlap_max = 0.6, 0.7
            terms.save()
            celery_app.send_task("sla.tasks.terms_recheck", args=[terms.pk, lead.pk], queue=queue, connection=broker)
            rechecked = wait_for(lambda: CheckRun.objects.filter(batch=big).count() > runs_before, workers[0])
            assert rechecked, "the batch was not checked again"
            latest = CheckRun.objects.filter(batch=big).latest("id")
            assert latest.is_current and "corrected by lead" in latest.reason and latest.verdict == "rejected"
    finally:
        for worker in workers:
            worker.terminate()
        logs = [worker.communicate(timeout=30)[0] for worker in workers]
    chunk_tasks = [log.count("sla.tasks.batch_chunk_process[") for log in logs]
    print(f"chunk tasks run by each worker: {chunk_tasks}")
    assert sum(1 for log in logs if "sla.tasks.batch_recheck[" in log) >= 1


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_two_workers_share_a_gzipped_and_a_parquet_delivery(tmp_path, lead, contract_a, sentiment):
    """The gzip's content is decompressed once into the storage both workers read; Parquet by row groups."""
    require_service(port_open("127.0.0.1", 6379), "Redis on 127.0.0.1:6379")
    require_service(connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL)")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    annotations = simulate_delivery(DeliverySpec(items=1_000, seed=22)).annotations
    parquet = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(annotations, preserve_index=False), parquet, row_group_size=100)
    contents = {"delivery.csv.gz": gzip.compress(csv_bytes(annotations)), "delivery.parquet": parquet.getvalue()}
    batches = [
        services.batch_receive(
            contract=contract_a,
            task_type=sentiment,
            upload=SimpleUploadedFile(name, content),
            user=lead,
            queue_processing=False,
        ).upload
        for name, content in contents.items()
    ]
    workers = [start_worker(queue, name, tmp_path) for name in ("one", "two")]
    try:
        with celery_app.connection_for_write(_redis_url()) as broker:
            for batch in batches:
                celery_app.send_task("sla.tasks.batch_process", args=[batch.pk], queue=queue, connection=broker)
            finished = wait_for(lambda: all(Batch.objects.get(pk=b.pk).is_final for b in batches), workers[0], 180)
            assert finished, "a batch never finished"
    finally:
        for worker in workers:
            worker.terminate()
        logs = [worker.communicate(timeout=30)[0] for worker in workers]
    frame = ingest.read_delivery(io.BytesIO(contents["delivery.parquet"]), filename="d", labels=sentiment.labels).frame
    for batch, kind in zip(batches, ("csv+gzip", "parquet"), strict=True):
        batch.refresh_from_db()
        assert batch.status == BatchStatus.EVALUATED, batch.failure or batch.errors
        assert batch.chunks_total == batch.chunks_done > 1 and batch.format == kind
        one_pass = compute_metrics(
            frame[["item_id", "annotator_id", "label", "queue", "prelabel"]],
            labels=sentiment.labels,
            level=sentiment.scale,
            gold=gold_frame(batch=batch),
            seed=batch.pk,
        )
        assert batch.metrics == one_pass
        assert Annotation.objects.filter(batch=batch).count() == len(annotations)
    assert not (Path(settings.MEDIA_ROOT) / fanout.DECOMPRESSED_FOLDER / str(batches[0].pk) / "content").exists()
    print(f"chunk tasks run by each worker: {[log.count('sla.tasks.batch_chunk_process[') for log in logs]}")
