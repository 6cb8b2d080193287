"""Tool exports through the API, the page, the import command and a real worker on PostgreSQL.

A Label Studio export with several annotations per task (the normal case when agreement
is measured) once answered 500 (``IntegrityError`` on ``sla_annotation.batch_id, row``):
every annotation of a task had its task's row. Rows are now numbered per stored row.
"""

import io
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from sla import services, tasks
from sla.constants import BatchStatus
from sla.models import Annotation, Batch, ItemContent
from tests.conftest import database_url_of_test_database, port_open, require_service
from tests.factories import ContractFactory, TermsFactory
from tests.test_services_real import _redis_url
from vendorscore.celery import app as celery_app
from vendorscore.constants import Role

ROOT = Path(__file__).resolve().parents[2]
LABELS = ["negative", "neutral", "positive"]


def label_studio_export(items: int = 60, annotators: int = 3, seed: int = 1) -> bytes:
    """A Label Studio 1.x JSON export: every task annotated by every annotator, one cancelled."""
    rng = np.random.default_rng(seed)
    tasks_ = []
    for task in range(1, items + 1):
        truth = int(rng.integers(0, 3))
        annotations = [
            {
                "id": task * 10 + user,
                "completed_by": {"id": user, "email": f"annotator{user}@vendor.example"},
                "result": [
                    {
                        "from_name": "sentiment",
                        "to_name": "text",
                        "type": "choices",
                        "value": {"choices": [LABELS[truth if rng.random() < 0.8 else int(rng.integers(0, 3))]]},
                    }
                ],
                "was_cancelled": False,
                "ground_truth": False,
                "created_at": f"2026-11-02T08:{user:02d}:00Z",
            }
            for user in range(1, annotators + 1)
        ]
        if task == 1:
            annotations.append({"id": 1, "completed_by": 9, "result": [], "was_cancelled": True})
        tasks_.append({"id": task, "data": {"text": f"Headline number {task}"}, "annotations": annotations})
    return json.dumps(tasks_).encode()


@pytest.fixture
def post(api_client_for, django_capture_on_commit_callbacks):
    def send(user, contract, content: bytes, name: str, **fields):
        data = {"contract": contract.pk, "task_type": "sentiment", "file": SimpleUploadedFile(name, content), **fields}
        with django_capture_on_commit_callbacks(execute=True):
            return api_client_for(user).post("/api/v1/batches/", data, format="multipart")

    return send


def test_label_studio_export_with_several_annotations_per_task_is_stored_and_evaluated(post, users, contract_a):
    response = post(users[Role.VENDOR], contract_a, label_studio_export(), "project-7-export.json")

    assert response.status_code == 202, response.json()
    batch = Batch.objects.get(pk=response.json()["id"])
    assert batch.status == BatchStatus.EVALUATED, batch.errors
    assert (batch.rows, batch.items, batch.annotators, batch.format) == (180, 60, 3, "label_studio")
    rows = list(Annotation.objects.filter(batch=batch).order_by("row").values_list("row", flat=True))
    assert rows == list(range(1, 181))
    assert batch.skipped == 1
    assert batch.intake_notes == ["1 Label Studio annotations cancelled (skipped) in the tool"]
    assert ItemContent.objects.filter(batch=batch).count() == 60
    assert ItemContent.objects.get(batch=batch, item_id="7").text == "Headline number 7"


def test_doccano_per_user_export_takes_the_annotator_given_on_the_api(post, api_client_for, users, contract_a):
    lines = [{"id": i, "text": f"t{i}", "label": [LABELS[i % 3]], "Comments": []} for i in range(1, 31)]
    content = "".join(json.dumps(line) + "\n" for line in lines).encode()

    given = post(users[Role.VENDOR], contract_a, content, "export.jsonl", annotator="maria")
    assert given.status_code == 202, given.json()
    batch = api_client_for(users[Role.VENDOR]).get(f"/api/v1/batches/{given.json()['id']}/").json()
    assert (batch["status"], batch["annotator"], batch["duplicates"]) == ("evaluated", "maria", "reject")
    assert set(Annotation.objects.filter(batch_id=batch["id"]).values_list("annotator_id", flat=True)) == {"maria"}

    named = post(users[Role.VENDOR], contract_a, content + b"\n", "joao.jsonl")
    assert set(Annotation.objects.filter(batch_id=named.json()["id"]).values_list("annotator_id", flat=True)) == {
        "joao"
    }


def test_prodigy_repeated_answers_keep_the_latest_when_the_upload_says_so(post, users, contract_a):
    lines = [
        {"text": "t", "label": "positive", "_input_hash": i, "_session_id": f"s{i % 2}", "answer": "accept",
         "_timestamp": 1_700_000_000 + i}
        for i in range(20)
    ]  # fmt: skip
    lines.append(lines[0] | {"label": "negative", "_timestamp": 1_800_000_000})
    content = "".join(json.dumps(line) + "\n" for line in lines).encode()

    refused = post(users[Role.PROCUREMENT_LEAD], contract_a, content, "p.jsonl")
    assert Batch.objects.get(pk=refused.json()["id"]).status == BatchStatus.INVALID

    kept = post(users[Role.PROCUREMENT_LEAD], contract_a, content + b"\n", "p2.jsonl", duplicates="latest")
    batch = Batch.objects.get(pk=kept.json()["id"])
    assert batch.status == BatchStatus.EVALUATED, batch.errors
    assert Annotation.objects.get(batch=batch, item_id="0").label == "negative"
    assert batch.intake_notes == [
        "1 repeated answers of an annotator to an item dropped (duplicates=latest: the latest answer kept)"
    ]


def test_an_unknown_duplicates_policy_is_answered_400(post, users, contract_a):
    response = post(users[Role.PROCUREMENT_LEAD], contract_a, b"item_id,annotator_id,label\n", "d.csv", duplicates="x")

    assert response.status_code == 400
    assert "duplicates" in response.json()


def test_a_gold_column_makes_the_batch_invalid_with_the_reason(post, users, contract_a):
    content = b"worker,item_id,response,gold\nw1,i1,positive,positive\nw2,i1,negative,positive\n"
    response = post(users[Role.VENDOR], contract_a, content, "with-gold.csv")

    batch = Batch.objects.get(pk=response.json()["id"])
    assert batch.status == BatchStatus.INVALID
    assert batch.errors[0]["column"] == "gold" and "gold set" in batch.errors[0]["message"]


@pytest.fixture
def sampled_contract(vendor_a, sentiment):
    contract = ContractFactory(vendor=vendor_a, unit_price="0.1000")
    TermsFactory(
        contract=contract,
        task_type=sentiment,
        accuracy_floor=None,
        iaa_min=None,
        iaa_fail_below=None,
        defect_rate_max=0.01,
        aql=1.0,
        remediation_business_days=5,
        service_credit_percent=5,
    )
    return contract


def test_the_review_page_shows_each_sampled_items_text(client, post, users, sampled_contract):
    response = post(users[Role.PROCUREMENT_LEAD], sampled_contract, label_studio_export(items=120), "ls.json")
    batch = Batch.objects.get(pk=response.json()["id"])
    assert batch.status == BatchStatus.EVALUATED, batch.errors
    sample = batch.qa_sample

    client.force_login(users[Role.QA_ANALYST])
    page = client.get(f"/batches/{batch.pk}/review/").content.decode()

    for item in sample.items:
        assert f'<blockquote class="item-text" aria-label="Item content">Headline number {item}</blockquote>' in page


def test_item_text_is_escaped_on_the_review_page(client, post, users, sampled_contract):
    lines = [
        {"item_id": f"i{i}", "annotator_id": f"a{i % 3}", "label": "positive", "text": "<script>alert(1)</script>"}
        for i in range(120)
    ]
    content = "".join(json.dumps(line) + "\n" for line in lines).encode()
    batch = Batch.objects.get(pk=post(users[Role.PROCUREMENT_LEAD], sampled_contract, content, "x.jsonl").json()["id"])

    client.force_login(users[Role.QA_ANALYST])
    page = client.get(f"/batches/{batch.pk}/review/").content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_import_batch_takes_annotator_and_duplicates(tmp_path, contract_a, sentiment):
    path = tmp_path / "per-user.jsonl"
    lines = [{"id": i, "text": "t", "label": [LABELS[i % 3]]} for i in range(1, 21)]
    lines.append(lines[0])
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    out = io.StringIO()

    call_command(
        "import_batch",
        str(path),
        contract=contract_a.pk,
        task_type="sentiment",
        annotator="ana",
        duplicates="first",
        stdout=out,
        stderr=io.StringIO(),
    )

    batch = Batch.objects.get(original_name="per-user.jsonl")
    assert (batch.status, batch.annotator, batch.duplicates, batch.rows) == ("evaluated", "ana", "first", 20)
    assert "batch #" in out.getvalue()


def test_the_batch_page_lists_what_the_intake_skipped(client, post, users, contract_a):
    response = post(users[Role.VENDOR], contract_a, label_studio_export(items=20), "ls.json")
    client.force_login(users[Role.VENDOR])

    page = client.get(f"/batches/{response.json()['id']}/").content.decode()

    assert "1 Label Studio annotations cancelled (skipped) in the tool" in page


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_a_real_worker_on_postgresql_evaluates_a_label_studio_multi_annotator_export(
    tmp_path, monkeypatch, settings, lead, contract_a, sentiment
):
    require_service(connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL)")
    require_service(port_open("127.0.0.1", 6379), "Redis on 127.0.0.1:6379")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    broker, queue = _redis_url(), f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vendorscore.settings",
        "DATABASE_URL": database_url_of_test_database(),
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "VENDORSCORE_VAR_DIR": str(tmp_path),
        "MEDIA_ROOT": settings.MEDIA_ROOT,
    }
    command = [sys.executable, "-m", "celery", "-A", "vendorscore", "worker", "--pool=solo", "-Q", queue]
    command += ["-n", f"{queue}@intake", "--without-mingle", "--without-gossip", "--loglevel=WARNING"]
    worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        with celery_app.connection_for_write(broker) as broker_connection:
            monkeypatch.setattr(
                tasks.batch_process,
                "delay",
                lambda pk: celery_app.send_task(
                    tasks.batch_process.name, args=[pk], queue=queue, connection=broker_connection
                ),
            )
            receipt = services.batch_receive(
                contract=contract_a,
                task_type=sentiment,
                upload=SimpleUploadedFile("export.json", label_studio_export(items=200, annotators=4)),
                user=lead,
            )
            batch = receipt.upload
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                batch.refresh_from_db()
                if batch.is_final:
                    break
                assert worker.poll() is None, worker.stdout.read()
                time.sleep(0.25)
        assert batch.status == BatchStatus.EVALUATED, (batch.status, batch.errors)
        assert (batch.rows, batch.items, batch.annotators) == (800, 200, 4)
        assert Annotation.objects.filter(batch=batch).count() == 800
        assert ItemContent.objects.filter(batch=batch).count() == 200
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def test_the_upload_form_takes_the_annotator_and_the_duplicates_policy(
    client, users, contract_a, sentiment, django_capture_on_commit_callbacks
):
    lines = [{"id": i, "text": "t", "label": [LABELS[i % 3]]} for i in range(1, 21)]
    content = "".join(json.dumps(line) + "\n" for line in lines + lines[:1]).encode()
    client.force_login(users[Role.VENDOR])
    form = client.get("/batches/upload/").content.decode()
    assert 'name="annotator"' in form and 'name="duplicates"' in form

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/batches/upload/",
            {
                "contract": contract_a.pk,
                "task_type": sentiment.pk,
                "file": SimpleUploadedFile("export.jsonl", content),
                "annotator": "li",
                "duplicates": "first",
            },
        )

    assert response.status_code == 302
    batch = Batch.objects.get(original_name="export.jsonl")
    assert (batch.status, batch.annotator, batch.duplicates, batch.rows) == ("evaluated", "li", "first", 20)
    page = client.get(f"/batches/{batch.pk}/").content.decode()
    assert "annotator “li” · duplicates=first" in page


def test_a_label_studio_file_of_50000_brackets_ends_invalid_with_the_reason(post, users, contract_a):
    response = post(users[Role.VENDOR], contract_a, b"[" * 50_000, "deep.json")

    batch = Batch.objects.get(pk=response.json()["id"])
    assert batch.status == BatchStatus.INVALID
    assert "nests arrays or objects more than 64 deep" in batch.errors[0]["message"]
