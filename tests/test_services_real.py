"""Round trips through the real services CI provides: PostgreSQL, Redis and a Celery worker.

On a laptop without them these tests are skipped; in CI they fail when a service is missing.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import database_url_of_test_database, port_open, require_service
from vendorscore.celery import app as celery_app
from vendorscore.models import WorkerHeartbeat

ROOT = Path(__file__).resolve().parent.parent


def _redis_url() -> str:
    configured = os.environ.get("CELERY_BROKER_URL", "")
    return configured if configured.startswith("redis://") else "redis://127.0.0.1:6379/15"


def test_ci_runs_against_postgresql(db):
    require_service(connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL)")
    with connection.cursor() as cursor:
        cursor.execute("select version()")
        assert "PostgreSQL" in cursor.fetchone()[0]


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_worker_process_on_redis_runs_a_task_that_writes_to_the_database(tmp_path):
    require_service(port_open("127.0.0.1", 6379), "Redis on 127.0.0.1:6379")
    broker = _redis_url()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker_name = f"{queue}@roundtrip"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vendorscore.settings",
        "DATABASE_URL": database_url_of_test_database(),
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "VENDORSCORE_VAR_DIR": str(tmp_path),
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "vendorscore",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "-n",
            worker_name,
            "--without-mingle",
            "--without-gossip",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        with celery_app.connection_for_write(broker) as broker_connection:
            celery_app.send_task("vendorscore.tasks.worker_heartbeat", queue=queue, connection=broker_connection)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not WorkerHeartbeat.objects.filter(hostname=worker_name).exists():
            assert worker.poll() is None, worker.stdout.read()
            time.sleep(0.25)
        assert WorkerHeartbeat.objects.filter(hostname=worker_name).exists(), "the worker never wrote its heartbeat"
    finally:
        worker.terminate()
        worker.wait(timeout=30)
