"""No lost or stuck work: every way intake can go wrong ends in a state someone can act on.

Each trigger of the stuck batches that were found (a lone surrogate, a first line nested
20,000 deep, a Label Studio file of brackets, an unexpected exception) ends ``invalid`` or
``failed``; a file that killed its worker twice is not run a third time; the sweep queues
what never reached the broker and fails what a worker never finished; a failed fix never
holds up escalation; a lead retries from the page or the API.
"""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sla import services
from sla.constants import BatchStatus
from sla.models import Annotation, Batch, Breach, GoldSet
from sla.simulate import simulate_delivery
from tests.conftest import database_url_of_test_database
from tests.factories import csv_bytes
from tests.sla.conftest import FAILING, FIX
from vendorscore.celery import app as celery_app
from vendorscore.constants import Role

ROOT = Path(__file__).resolve().parents[2]
JSONL_ROW = b'{"item_id": "i1", "annotator_id": "a1", "label": "positive"}\n'
SURROGATE_ROW = b'{"item_id": "a\\ud800", "annotator_id": "a2", "label": "positive"}\n'


def received(contract, task_type, user, content: bytes, name: str, **fields) -> Batch:
    return services.batch_receive(
        contract=contract,
        task_type=task_type,
        upload=SimpleUploadedFile(name, content),
        user=user,
        queue_processing=False,
        **fields,
    ).upload


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("surrogate.jsonl", JSONL_ROW + SURROGATE_ROW, "surrogate"),
        ("deep.jsonl", b"[" * 20_000 + b"\n", "line 1 nests arrays or objects more than 64 deep"),
        ("export.json", b"[" * 50_000, "line 1 nests arrays or objects more than 64 deep"),
    ],
    ids=["lone-surrogate", "deep-first-line", "label-studio-brackets"],
)
def test_each_file_that_used_to_stick_in_processing_ends_invalid(lead, contract_a, sentiment, name, content, message):
    batch = received(contract_a, sentiment, lead, content, name)
    services.batch_ingest(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.INVALID
    assert any(message in error["message"] for error in batch.errors), batch.errors
    assert not Annotation.objects.filter(batch=batch).exists()


def test_an_unexpected_exception_in_intake_ends_the_batch_failed_with_the_reason(
    lead, contract_a, sentiment, delivery, monkeypatch
):
    batch = received(contract_a, sentiment, lead, csv_bytes(delivery.annotations), "d.csv")

    def broken(**kwargs):
        raise KeyError("confusion_matrix")

    monkeypatch.setattr("sla.services.intake.batch_evaluate", broken)
    services.batch_ingest(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    assert batch.failure == "Processing stopped on an internal error (KeyError)."
    assert batch.is_final and not Annotation.objects.filter(batch=batch).exists()


def test_a_batch_stopped_by_the_soft_time_limit_ends_failed_saying_so(
    lead, contract_a, sentiment, delivery, monkeypatch
):
    batch = received(contract_a, sentiment, lead, csv_bytes(delivery.annotations), "d.csv")

    def too_slow(**kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr("sla.services.intake.batch_check", too_slow)
    services.batch_ingest(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    assert batch.failure == f"Processing took longer than the limit of {settings.CELERY_TASK_SOFT_TIME_LIMIT} seconds."
    assert not Annotation.objects.filter(batch=batch).exists()


KILL_IN_FIRST_CHUNK = (
    "import os, signal, sys, django; django.setup(); from sla.services import batch_ingest; "
    "batch_ingest(batch_id=int(sys.argv[1]), on_progress=lambda rows: os.kill(os.getpid(), signal.SIGKILL))"
)


def kill_a_worker_on(batch: Batch) -> None:
    worker = subprocess.run(
        [sys.executable, "-c", KILL_IN_FIRST_CHUNK, str(batch.pk)],
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


@pytest.mark.django_db(transaction=True)
def test_a_file_that_killed_its_worker_twice_is_not_run_a_third_time(lead, contract_a, sentiment, delivery):
    batch = received(contract_a, sentiment, lead, csv_bytes(delivery.annotations), "d.csv")
    kill_a_worker_on(batch)
    kill_a_worker_on(batch)
    batch.refresh_from_db()
    assert (batch.status, batch.attempts) == (BatchStatus.PROCESSING, 2)

    read = []
    services.batch_ingest(batch_id=batch.pk, on_progress=read.append)
    batch.refresh_from_db()
    assert read == [], "the file was handed to a third worker"
    assert batch.status == BatchStatus.FAILED
    assert batch.failure.startswith("Processing was interrupted 2 times without finishing")


@pytest.mark.django_db(transaction=True)
def test_one_killed_worker_is_retried_and_the_retry_counts_as_the_second_attempt(lead, contract_a, sentiment, delivery):
    batch = received(contract_a, sentiment, lead, csv_bytes(delivery.annotations), "d.csv")
    kill_a_worker_on(batch)
    services.batch_ingest(batch_id=batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.attempts) == (BatchStatus.EVALUATED, 2)


def test_a_storage_error_waits_for_the_tasks_retry_then_fails_on_the_last(
    lead, contract_a, sentiment, delivery, monkeypatch
):
    batch = received(contract_a, sentiment, lead, csv_bytes(delivery.annotations), "d.csv")

    def unreadable(*args, **kwargs):
        raise OSError("bucket unavailable")

    monkeypatch.setattr("sla.services.intake.annotations_store", unreadable)
    with pytest.raises(OSError):
        services.batch_ingest(batch_id=batch.pk, retry_storage_errors=True)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.RECEIVED
    assert services.upload_wait_note(batch) == ("Reading the stored file failed (OSError); a retry is scheduled.")
    services.batch_ingest(batch_id=batch.pk, retry_storage_errors=False)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    assert batch.failure == "Processing stopped on an internal error (OSError)."


# The sweep --------------------------------------------------------------------------------


def test_the_sweep_queues_an_upload_whose_task_never_reached_the_broker(
    lead, contract_a, sentiment, delivery, django_capture_on_commit_callbacks
):
    batch = received(contract_a, sentiment, lead, csv_bytes(delivery.annotations), "d.csv")
    assert batch.queued_at is None
    with django_capture_on_commit_callbacks(execute=True):
        assert services.uploads_sweep().requeued == [], "queued again before the grace period"
        later = timezone.now() + dt.timedelta(seconds=settings.SWEEP_REQUEUE_AFTER + 1)
        assert services.uploads_sweep(now=later).requeued == [str(batch)]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.EVALUATED  # the queued task ran (eager Celery here)
    assert batch.queued_at is not None


def test_the_sweep_fails_a_batch_processing_past_the_limit_and_its_page_said_it_waited(
    client, lead, contract_a, sentiment, delivery
):
    batch = received(contract_a, sentiment, lead, csv_bytes(delivery.annotations), "d.csv")
    started = timezone.now() - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    Batch.objects.filter(pk=batch.pk).update(status=BatchStatus.PROCESSING, started_at=started, attempts=1)
    client.force_login(lead)
    page = client.get(batch.get_absolute_url()).content.decode()
    assert "The worker processing this file stopped (attempt 1 of 2). It waits for a retry by another worker" in page

    assert services.uploads_sweep().failed == [], "failed while a redelivery could still finish it"
    later = started + dt.timedelta(seconds=settings.SWEEP_STUCK_AFTER + 1)
    assert services.uploads_sweep(now=later).failed == [f"Batch {batch.pk}"]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    assert "did not finish within 31 minutes: the worker was lost." in batch.failure


def test_the_sweep_is_scheduled_every_five_minutes(db):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="sla.tasks.uploads_sweep")
    assert (task.interval.every, task.interval.period) == (5, "minutes")


def test_a_stuck_remediation_batch_does_not_hold_up_escalation(overlap_contract, deliver, users, sentiment):
    rejected = deliver(overlap_contract, FAILING)
    fix = received(
        overlap_contract,
        sentiment,
        users[Role.VENDOR],
        csv_bytes(simulate_delivery(FIX).annotations),
        "fix.csv",
        remediates=rejected,
    )
    breach = Breach.objects.get(batch=rejected)
    assert breach.status == "remediation_submitted"
    started = timezone.now() - dt.timedelta(seconds=settings.SWEEP_STUCK_AFTER + 1)
    Batch.objects.filter(pk=fix.pk).update(status=BatchStatus.PROCESSING, started_at=started, attempts=1)
    Breach.objects.update(remediation_due=dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    assert services.breaches_escalate_overdue() == 0  # a fix is in and still processing: the clock waits

    services.uploads_sweep()
    assert services.breaches_escalate_overdue() == 1
    breach.refresh_from_db()
    assert breach.status == "escalated"
    notes = list(breach.events.values_list("note", flat=True))
    assert notes[-2] == f"Remediation batch {fix.pk} could not be processed."


def test_an_invalid_remediation_batch_does_not_hold_up_escalation(overlap_contract, deliver, users, sentiment):
    rejected = deliver(overlap_contract, FAILING)
    deep = b"[" * 20_000 + b"\n"
    fix = received(overlap_contract, sentiment, users[Role.VENDOR], deep, "fix.jsonl", remediates=rejected)
    services.batch_ingest(batch_id=fix.pk)
    Breach.objects.update(remediation_due=dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    assert services.breaches_escalate_overdue() == 1


# A lead's retry ---------------------------------------------------------------------------


@pytest.fixture
def failed_fix(overlap_contract, deliver, users, sentiment, monkeypatch):
    """A remediation batch that failed on an internal error; its breach went back to the clock."""
    rejected = deliver(overlap_contract, FAILING)
    fix = received(
        overlap_contract,
        sentiment,
        users[Role.VENDOR],
        csv_bytes(simulate_delivery(FIX).annotations),
        "fix.csv",
        remediates=rejected,
    )
    with monkeypatch.context() as patch:
        patch.setattr("sla.services.intake.batch_evaluate", lambda **kwargs: 1 / 0)
        services.batch_ingest(batch_id=fix.pk)
    assert Breach.objects.get(batch=rejected).status == "open"
    return Batch.objects.get(pk=fix.pk)


def test_a_lead_retries_a_failed_fix_through_the_api_and_it_remediates_the_breach(
    failed_fix, api_client_for, users, django_capture_on_commit_callbacks
):
    assert api_client_for(users[Role.VENDOR]).post(f"/api/v1/batches/{failed_fix.pk}/retry/").status_code == 403
    assert api_client_for(users[Role.QA_ANALYST]).post(f"/api/v1/batches/{failed_fix.pk}/retry/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client_for(users[Role.PROCUREMENT_LEAD]).post(f"/api/v1/batches/{failed_fix.pk}/retry/")
    assert response.status_code == 202 and response.json()["status"] == "received"
    failed_fix.refresh_from_db()
    assert failed_fix.status == BatchStatus.EVALUATED
    assert Breach.objects.get(batch=failed_fix.remediates).status == "remediated"
    again = api_client_for(users[Role.PROCUREMENT_LEAD]).post(f"/api/v1/batches/{failed_fix.pk}/retry/")
    assert again.status_code == 400
    assert again.json() == {"non_field_errors": [f"{failed_fix} is evaluated; only a failed upload is retried."]}


def test_the_batch_page_shows_the_failure_and_a_retry_button_to_leads_only(
    client, failed_fix, users, django_capture_on_commit_callbacks
):
    client.force_login(users[Role.QA_ANALYST])
    page = client.get(failed_fix.get_absolute_url()).content.decode()
    assert "Processing stopped on an internal error (ZeroDivisionError)." in page
    assert "a procurement lead can retry it" in page and 'action="/batches/' not in page.split("batch-failure")[1][:400]
    assert client.post(f"/batches/{failed_fix.pk}/retry/").status_code == 403

    client.force_login(users[Role.PROCUREMENT_LEAD])
    assert f'action="/batches/{failed_fix.pk}/retry/"' in client.get(failed_fix.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/batches/{failed_fix.pk}/retry/")
    assert response.status_code == 302
    failed_fix.refresh_from_db()
    assert failed_fix.status == BatchStatus.EVALUATED


def test_a_failed_gold_set_says_why_and_is_retried_through_the_api(
    client, lead, sentiment, api_client_for, monkeypatch, django_capture_on_commit_callbacks
):
    content = b"item_id,label\nitem-1,positive\nitem-2,negative\n"
    with monkeypatch.context() as patch:
        patch.setattr("sla.services.intake.rows_store", lambda **kwargs: 1 / 0)
        with django_capture_on_commit_callbacks(execute=True):
            receipt = services.gold_set_receive(
                task_type=sentiment, upload=SimpleUploadedFile("g.csv", content), user=lead
            )
    gold = GoldSet.objects.get(pk=receipt.upload.pk)
    assert gold.status == "failed"
    client.force_login(lead)
    assert "Processing stopped on an internal error (ZeroDivisionError)." in client.get("/gold-sets/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client_for(lead).post(f"/api/v1/gold-sets/{gold.pk}/retry/")
    assert response.status_code == 202
    gold.refresh_from_db()
    assert (gold.status, gold.items) == ("stored", 2)


# The broker down --------------------------------------------------------------------------


def test_an_upload_while_the_broker_is_down_answers_202_and_the_sweep_runs_it(
    broker_down, api_client_for, client, users, contract_a, delivery, django_capture_on_commit_callbacks, monkeypatch
):
    content = csv_bytes(delivery.annotations)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client_for(users[Role.VENDOR]).post(
            "/api/v1/batches/",
            {"contract": contract_a.pk, "task_type": "sentiment", "file": SimpleUploadedFile("d.csv", content)},
            format="multipart",
        )
    assert time.monotonic() - started < 10
    assert response.status_code == 202, response.content
    batch = Batch.objects.get(pk=response.json()["id"])
    assert (batch.status, batch.queued_at) == (BatchStatus.RECEIVED, None)
    assert batch.file.read() == content
    Batch.objects.filter(pk=batch.pk).update(uploaded_at=timezone.now() - dt.timedelta(minutes=1))
    client.force_login(users[Role.VENDOR])
    page = client.get(batch.get_absolute_url()).content.decode()
    assert "The task queue was unavailable when the file arrived; it will be queued again by" in page

    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)  # the broker is back
    with django_capture_on_commit_callbacks(execute=True):
        services.uploads_sweep(now=timezone.now() + dt.timedelta(seconds=settings.SWEEP_REQUEUE_AFTER + 1))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.EVALUATED
    duplicate = api_client_for(users[Role.VENDOR]).post(
        "/api/v1/batches/",
        {"contract": contract_a.pk, "task_type": "sentiment", "file": SimpleUploadedFile("d.csv", content)},
        format="multipart",
    )
    assert (duplicate.status_code, duplicate.json()["status"]) == (200, "evaluated")


def test_the_file_of_a_refused_upload_is_deleted_after_its_retention_and_the_row_kept(
    lead, contract_a, sentiment, delivery, settings
):
    invalid = received(contract_a, sentiment, lead, b"[" * 20_000 + b"\n", "deep.jsonl")
    services.batch_ingest(batch_id=invalid.pk)
    kept = received(contract_a, sentiment, lead, csv_bytes(delivery.annotations), "d.csv")
    services.batch_ingest(batch_id=kept.pk)
    invalid.refresh_from_db()
    path, audit = Path(invalid.file.path), (invalid.original_name, invalid.size, invalid.sha256, invalid.errors)
    assert path.exists()
    assert services.uploads_sweep().purged == []

    later = timezone.now() + dt.timedelta(days=settings.REFUSED_FILE_RETENTION_DAYS, seconds=1)
    assert services.uploads_sweep(now=later).purged == [str(invalid)]
    invalid.refresh_from_db()
    assert not path.exists() and invalid.file.name == ""
    assert invalid.status == "invalid"
    assert (invalid.original_name, invalid.size, invalid.sha256, invalid.errors) == audit
    assert Path(Batch.objects.get(pk=kept.pk).file.path).exists(), "an evaluated batch's file is kept"
