"""The SLA check end to end through the API: terms in force, passing and failing batches, re-runs."""

import datetime as dt

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sla.models import Batch, CheckRun
from sla.simulate import DeliverySpec, simulate_delivery
from tests.factories import csv_bytes
from vendorscore.constants import Role


@pytest.fixture
def api(api_client_for, lead):
    return api_client_for(lead)


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    def post(client, url, data, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data, **kwargs)

    return post


def test_create_everything_through_the_api_then_a_passing_and_a_failing_batch(api, api_client_for, users, run_tasks):
    vendor = api.post("/api/v1/vendors/", {"name": "Helix Labels", "workforce_model": "in_house"}).json()
    task = api.post(
        "/api/v1/task-types/",
        {"name": "intent", "labels": ["buy", "cancel", "complain", "ask"], "scale": "nominal", "complexity": "complex"},
        format="json",
    ).json()
    contract = api.post(
        "/api/v1/contracts/",
        {
            "vendor": vendor["id"],
            "title": "Helix MSA",
            "start_date": "2026-01-01",
            "unit_price": "0.10",
            "currency": "usd",
        },
    ).json()
    assert contract["currency"] == "USD"
    terms = api.post(
        f"/api/v1/contracts/{contract['id']}/terms/",
        {
            "task_type": "intent",
            "effective_from": "2026-01-01",
            "accuracy_floor": 0.9,
            "iaa_coefficient": "fleiss_kappa",
            "iaa_min": 0.7,
            "iaa_fail_below": 0.65,
            "overlap_min": 0.05,
            "overlap_max": 0.2,
            "decision_rule": "point",
        },
        format="json",
    )
    assert terms.status_code == 201, terms.json()

    labels = ("buy", "cancel", "complain", "ask")
    good = simulate_delivery(
        DeliverySpec(
            items=1500, labels=labels, accuracy=0.97, accuracy_spread=0.01, anchoring=0.0, overlap=0.12, seed=21
        )
    )
    bad = simulate_delivery(
        DeliverySpec(
            items=1500, labels=labels, accuracy=0.80, accuracy_spread=0.02, anchoring=0.0, overlap=0.12, seed=22
        )
    )
    gold = SimpleUploadedFile("gold.csv", csv_bytes(pd.concat([good.gold, bad.gold])))
    assert run_tasks(api, "/api/v1/gold-sets/", {"task_type": task["id"], "file": gold}).status_code == 202

    vendor_user = users[Role.VENDOR]
    vendor_user.vendor_id = vendor["id"]
    vendor_user.save()
    vendor_api = api_client_for(vendor_user)
    verdicts = {}
    for name, delivery in (("good", good), ("bad", bad)):
        response = run_tasks(
            vendor_api,
            "/api/v1/batches/",
            {
                "contract": contract["id"],
                "task_type": "intent",
                "file": SimpleUploadedFile(f"{name}.csv", csv_bytes(delivery.annotations)),
            },
        )
        batch = vendor_api.get(f"/api/v1/batches/{response.json()['id']}/").json()
        assert batch["terms_version"] == {"id": terms.json()["id"], "effective_from": "2026-01-01"}
        findings = {f["term"]: f for f in vendor_api.get(f"/api/v1/batches/{batch['id']}/findings/").json()}
        verdicts[name] = (batch["verdict"], findings)

    verdict, findings = verdicts["good"]
    assert verdict == "accepted", findings
    assert findings["accuracy"]["verdict"] == "pass" and findings["accuracy"]["measured"] > 0.9
    verdict, findings = verdicts["bad"]
    assert verdict == "rejected"
    assert findings["accuracy"]["verdict"] == "fail" and findings["accuracy"]["measured"] < 0.9
    assert findings["accuracy"]["ci95"][1] < 0.9
    assert set(findings) >= {"accuracy", "iaa", "overlap"}


def test_the_terms_in_force_on_the_delivery_date_are_used(lead, contract_a, sentiment, delivery, api, run_tasks):
    from sla import services

    later = services.terms_create(
        contract=contract_a, task_type=sentiment, effective_from=dt.date(2026, 11, 1), accuracy_floor=0.99
    )
    response = run_tasks(
        api,
        "/api/v1/batches/",
        {
            "contract": contract_a.pk,
            "task_type": "sentiment",
            "file": SimpleUploadedFile("d.csv", csv_bytes(delivery.annotations)),
        },
    )
    batch = Batch.objects.get(pk=response.json()["id"])
    assert batch.terms_version == later

    Batch.objects.filter(pk=batch.pk).update(delivered_at=dt.datetime(2026, 10, 31, 12, tzinfo=dt.UTC))
    batch.refresh_from_db()
    assert services.terms_in_force(batch=batch) != later


def test_rerun_is_idempotent_and_a_changed_verdict_keeps_history(lead, contract_a, sentiment, delivery, api, run_tasks):
    response = run_tasks(
        api,
        "/api/v1/batches/",
        {
            "contract": contract_a.pk,
            "task_type": "sentiment",
            "file": SimpleUploadedFile("d.csv", csv_bytes(delivery.annotations)),
        },
    )
    batch_id = response.json()["id"]
    first = api.post(f"/api/v1/batches/{batch_id}/recheck/").json()
    assert CheckRun.objects.filter(batch_id=batch_id).count() == 1

    terms = contract_a.terms.get()
    terms.overlap_min, terms.overlap_max = 0.5, 0.6
    terms.save()
    second = api.post(f"/api/v1/batches/{batch_id}/recheck/").json()
    assert second["verdict"] == "rejected" and first["verdict"] != "rejected"
    runs = CheckRun.objects.filter(batch_id=batch_id).order_by("id")
    assert [run.is_current for run in runs] == [False, True]
    assert runs[0].verdict == first["verdict"]


def test_only_leads_may_rerun_the_check(api_client_for, users, contract_a, sentiment, delivery, run_tasks, api):
    response = run_tasks(
        api,
        "/api/v1/batches/",
        {
            "contract": contract_a.pk,
            "task_type": "sentiment",
            "file": SimpleUploadedFile("d.csv", csv_bytes(delivery.annotations)),
        },
    )
    for role in (Role.QA_ANALYST, Role.VIEWER, Role.VENDOR):
        assert api_client_for(users[role]).post(f"/api/v1/batches/{response.json()['id']}/recheck/").status_code == 403


@pytest.mark.parametrize("due_in_hours,verdict", [(-30, "fail"), (48, "pass")])
def test_timeliness_against_the_due_time_given_at_upload(api, contract_a, delivery, run_tasks, due_in_hours, verdict):
    from django.utils import timezone

    due_at = (timezone.now() + dt.timedelta(hours=due_in_hours)).isoformat()
    response = run_tasks(
        api,
        "/api/v1/batches/",
        {
            "contract": contract_a.pk,
            "task_type": "sentiment",
            "due_at": due_at,
            "file": SimpleUploadedFile("d.csv", csv_bytes(delivery.annotations)),
        },
    )
    assert response.json()["due_at"] is not None
    findings = {f["term"]: f for f in api.get(f"/api/v1/batches/{response.json()['id']}/findings/").json()}
    assert findings["timeliness"]["verdict"] == verdict
    assert ("after the due time" in findings["timeliness"]["detail"]) is (verdict == "fail")
