"""A worker killed in the middle of an ingest leaves no rows; the retry stores exactly one copy."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from sla import services
from sla.constants import BatchStatus
from sla.models import Annotation, Batch
from tests.conftest import database_url_of_test_database
from tests.factories import csv_bytes

ROOT = Path(__file__).resolve().parents[2]
KILL_AFTER_FIRST_CHUNK = (
    "import os, signal, sys, django; django.setup(); from sla.services import batch_ingest; "
    "batch_ingest(batch_id=int(sys.argv[1]), on_progress=lambda rows: os.kill(os.getpid(), signal.SIGKILL))"
)


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_ingest_then_retried_leaves_exactly_one_copy(lead, contract_a, sentiment, delivery):
    content = csv_bytes(delivery.annotations)
    receipt = services.batch_receive(
        contract=contract_a,
        task_type=sentiment,
        upload=SimpleUploadedFile("big.csv", content),
        user=lead,
        queue_processing=False,
    )
    batch = receipt.upload
    worker = subprocess.run(
        [sys.executable, "-c", KILL_AFTER_FIRST_CHUNK, str(batch.pk)],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "vendorscore.settings",
            "DATABASE_URL": database_url_of_test_database(),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "INGEST_CHUNK_ROWS": "100",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode == -signal.SIGKILL, worker.stderr

    batch.refresh_from_db()
    assert batch.status == BatchStatus.PROCESSING
    assert not Annotation.objects.filter(batch=batch).exists(), "the killed attempt's rows were committed"

    services.batch_ingest(batch_id=batch.pk)
    services.batch_ingest(batch_id=batch.pk)
    assert Batch.objects.get(pk=batch.pk).status == BatchStatus.EVALUATED
    assert Annotation.objects.filter(batch=batch).count() == len(delivery.annotations)
