"""Two machines that share nothing but the database, the broker and the bucket.

The web side is this test process (Django's test client), the worker a real Celery
process; each has a ``MEDIA_ROOT`` of its own, so a file could not pass between them on
disk. A vendor uploads a delivery through the API and a lead a gold set; the worker reads
both from the bucket and evaluates the batch; a lead asks for the batch report, the
worker renders it into the bucket, and the web side serves it from there.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from reports import tasks as report_tasks
from reports.models import ReportJob
from sla import tasks as sla_tasks
from sla.models import Batch, GoldSet
from tests.conftest import CHROMIUM, database_url_of_test_database, files_under, port_open, require_service
from tests.reports.test_reports import flat, get_pdf, pdf_text
from tests.sla import conftest as sla_fixtures
from tests.sla.conftest import csv_bytes
from vendorscore.celery import app as celery_app
from vendorscore.constants import Role

ROOT = Path(__file__).resolve().parent.parent
# The SLA app's fixtures, shared rather than copied.
sentiment = sla_fixtures.sentiment
delivery = sla_fixtures.delivery
contract_a = sla_fixtures.contract_a
WAIT_SECONDS = 180


def _redis_url() -> str:
    configured = os.environ.get("CELERY_BROKER_URL", "")
    return configured if configured.startswith("redis://") else "redis://127.0.0.1:6379/15"


def _start_worker(tmp_path: Path, queue: str, bucket_env: dict) -> subprocess.Popen:
    """A worker as on another machine: the bucket's settings, and a ``MEDIA_ROOT`` the web side never sees."""
    env = {
        **os.environ,
        **bucket_env,
        "DJANGO_SETTINGS_MODULE": "vendorscore.settings",
        "DATABASE_URL": database_url_of_test_database(),
        "CELERY_BROKER_URL": _redis_url(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "VENDORSCORE_VAR_DIR": str(tmp_path / "worker-var"),
        "MEDIA_ROOT": str(tmp_path / "worker-media"),
    }
    command = [sys.executable, "-m", "celery", "-A", "vendorscore", "worker", "--pool=solo", "-Q", queue]
    command += ["-n", f"{queue}@bucket", "--without-mingle", "--without-gossip", "--loglevel=WARNING"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait(worker: subprocess.Popen, done, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not done():
        assert worker.poll() is None, f"the worker died: {worker.stdout.read()[-3000:]}"
        assert time.monotonic() < deadline, f"{what} did not happen within {WAIT_SECONDS} s"
        time.sleep(0.25)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_a_worker_on_another_machine_evaluates_an_api_upload_and_renders_its_report_through_the_bucket(
    bucket, tmp_path, monkeypatch, api_client_for, client, users, lead, contract_a, delivery
):
    require_service(port_open("127.0.0.1", 6379), "Redis on 127.0.0.1:6379")
    require_service(CHROMIUM.exists(), "Chromium for chart rendering")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = _start_worker(tmp_path, queue, bucket.env)
    try:
        with celery_app.connection_for_write(_redis_url()) as broker:
            for task in (sla_tasks.gold_set_process, sla_tasks.batch_process, report_tasks.report_job_run):
                monkeypatch.setattr(
                    task,
                    "delay",
                    lambda *args, name=task.name: celery_app.send_task(name, args=args, queue=queue, connection=broker),
                )
            gold = api_client_for(lead).post(
                "/api/v1/gold-sets/",
                {"task_type": "sentiment", "file": SimpleUploadedFile("gold.csv", csv_bytes(delivery.gold))},
                format="multipart",
            )
            assert gold.status_code == 202, gold.json()
            _wait(worker, lambda: GoldSet.objects.get(pk=gold.json()["id"]).status == "stored", "the gold set")

            vendor_api = api_client_for(users[Role.VENDOR])
            upload = SimpleUploadedFile("delivery.csv", csv_bytes(delivery.annotations))
            response = vendor_api.post(
                "/api/v1/batches/",
                {"contract": contract_a.pk, "task_type": "sentiment", "file": upload},
                format="multipart",
            )
            assert response.status_code == 202, response.json()
            batch_id = response.json()["id"]
            _wait(worker, lambda: Batch.objects.get(pk=batch_id).is_final, "the evaluation")
            body = vendor_api.get(f"/api/v1/batches/{batch_id}/").json()
            assert (body["status"], body["rows"]) == ("evaluated", len(delivery.annotations))

            client.force_login(lead)
            asked = client.post("/reports/", {"kind": "batch", "id": batch_id, "paper": "a4"})
            assert asked.status_code == 302
            job = ReportJob.objects.get()
            _wait(worker, lambda: ReportJob.objects.get(pk=job.pk).status in ("done", "failed"), "the report")
        job.refresh_from_db()
        assert job.status == "done", job.error
        text = flat(pdf_text(get_pdf(client, f"/reports/jobs/{job.pk}/download/"))[1])
        assert f"Batch #{batch_id}" in text
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    batch = Batch.objects.get(pk=batch_id)
    assert set(bucket.keys()) >= {batch.file.name, GoldSet.objects.get().file.name, f"reports/{job.file_name}"}
    assert bucket.keys("reports/charts/"), "the worker's charts are in the bucket too"
    assert files_under(Path(settings.MEDIA_ROOT)) == [], "the web side kept nothing on its disk"
    assert files_under(tmp_path / "worker-media") == [], "the worker kept nothing on its disk"
