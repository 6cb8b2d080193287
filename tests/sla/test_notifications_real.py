"""Exactly once with the real moving parts: a Celery worker process on Redis sending through a real SMTP server.

Skipped on a laptop without Redis; in CI it fails when Redis is missing (``require_service``).
"""

import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from sla import tasks
from sla.models import Notification
from sla.services.notifications import certification_reminders_enqueue
from tests.conftest import database_url_of_test_database, port_open, require_service
from tests.factories import CertificationFactory, UserFactory
from tests.sla.test_notifications import free_port, smtp_server
from tests.test_services_real import _redis_url
from vendorscore.celery import app as celery_app
from vendorscore.constants import Role

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_a_real_worker_sends_each_message_once_despite_five_ticks(tmp_path, monkeypatch):
    require_service(port_open("127.0.0.1", 6379), "Redis on 127.0.0.1:6379")
    broker, queue = _redis_url(), f"test-{uuid.uuid4().hex[:8]}"
    port = free_port()
    controller, inbox = smtp_server(port)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vendorscore.settings",
        "DATABASE_URL": database_url_of_test_database(),
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_URL": f"smtp://127.0.0.1:{port}",
        "VENDORSCORE_VAR_DIR": str(tmp_path),
    }
    command = [sys.executable, "-m", "celery", "-A", "vendorscore", "worker", "--pool=solo", "-Q", queue]
    command += ["-n", f"{queue}@mail", "--without-mingle", "--without-gossip", "--loglevel=WARNING"]
    worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        with celery_app.connection_for_write(broker) as connection:
            # The services queue sends with .delay(); here they go to the real worker's queue instead.
            monkeypatch.setattr(
                tasks.notification_send,
                "delay",
                lambda pk: celery_app.send_task(
                    tasks.notification_send.name, args=[pk], queue=queue, connection=connection
                ),
            )
            UserFactory(username="lead_one", role=Role.PROCUREMENT_LEAD)
            UserFactory(username="lead_two", role=Role.PROCUREMENT_LEAD)
            today = dt.date(2026, 11, 25)
            CertificationFactory(audit_period_end=today - dt.timedelta(days=350))
            for _tick in range(5):
                certification_reminders_enqueue(today=today)
            rows = Notification.objects.all()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and rows.filter(status=Notification.Status.SENT).count() < 2:
                assert worker.poll() is None, worker.stdout.read()
                time.sleep(0.25)
            time.sleep(2)  # let the duplicate tasks still queued run, and find nothing to send
        assert sorted(message["To"] for message in inbox.messages) == ["lead_one@example.com", "lead_two@example.com"]
        assert set(rows.values_list("status", "attempts")) == {(Notification.Status.SENT, 1)}
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        controller.stop()
