"""A file built to crash the parser, processed by a real Celery worker process on Redis.

JSON nested 100,000 deep made Arrow's C parser overflow its stack: the worker died with a
segfault, and with late acknowledgement the message went to the next worker, and the next.
Here the worker runs the solo pool, so a crash in the task is the death of the worker
itself. Skipped on a laptop without Redis; in CI it fails when Redis is missing.
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

from sla import services
from sla.constants import BatchStatus
from sla.models import Batch
from tests.conftest import database_url_of_test_database, port_open, require_service
from tests.test_services_real import _redis_url
from vendorscore.celery import app as celery_app
from vendorscore.models import WorkerHeartbeat

ROOT = Path(__file__).resolve().parents[2]
# The second line nests 100,000 deep under a field the first line does not have, so Arrow
# (no type conflict to stop at) recurses all the way down.
DEEP = (
    b'{"item_id": "i1", "annotator_id": "a1", "label": "positive"}\n'
    + b'{"item_id": "i2", "annotator_id": "a1", "label": "positive", "extra": '
    + b"[" * 100_000
    + b"]" * 100_000
    + b"}\n"
)


def wait_for(condition, worker, seconds: float = 90) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        assert worker.poll() is None, f"the worker died (exit {worker.returncode}): {worker.stdout.read()[-2000:]}"
        time.sleep(0.25)
    return condition()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_a_deeply_nested_delivery_ends_invalid_and_the_real_worker_survives(tmp_path, lead, contract_a, sentiment):
    require_service(port_open("127.0.0.1", 6379), "Redis on 127.0.0.1:6379")
    broker, queue = _redis_url(), f"test-{uuid.uuid4().hex[:8]}"
    batch = services.batch_receive(
        contract=contract_a,
        task_type=sentiment,
        upload=SimpleUploadedFile("deep.jsonl", DEEP),
        user=lead,
        queue_processing=False,
    ).upload
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vendorscore.settings",
        "DATABASE_URL": database_url_of_test_database(),
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "VENDORSCORE_VAR_DIR": str(tmp_path),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    command = [sys.executable, "-m", "celery", "-A", "vendorscore", "worker", "--pool=solo", "-Q", queue]
    command += ["-n", f"{queue}@hostile", "--without-mingle", "--without-gossip", "--loglevel=WARNING"]
    worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        with celery_app.connection_for_write(broker) as connection:
            celery_app.send_task("sla.tasks.batch_process", args=[batch.pk], queue=queue, connection=connection)
            assert wait_for(lambda: Batch.objects.get(pk=batch.pk).is_final, worker), "the batch never finished"
            batch.refresh_from_db()
            assert batch.status == BatchStatus.INVALID
            assert batch.errors[0]["message"].startswith("line 2 nests arrays or objects more than 64 deep")

            celery_app.send_task("vendorscore.tasks.worker_heartbeat", queue=queue, connection=connection)
            alive = wait_for(lambda: WorkerHeartbeat.objects.filter(hostname=f"{queue}@hostile").exists(), worker)
            assert alive, "the worker stopped taking tasks"
    finally:
        worker.terminate()
        worker.wait(timeout=30)
