"""``/api/v1/breaches/``: the whole loop through the API, scoping, waivers and filters."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sla.models import Breach
from sla.simulate import DeliverySpec, simulate_delivery
from sla.tasks import breaches_escalate
from tests.factories import ContractFactory, TermsFactory, csv_bytes
from vendorscore.constants import Role

FAILING = DeliverySpec(items=300, overlap=0.40, seed=8)
PASSING = DeliverySpec(items=300, overlap=0.10, seed=9)
FIX = DeliverySpec(items=300, overlap=0.10, seed=8)  # the same items as FAILING, corrected


def _overlap_contract(vendor, task_type):
    contract = ContractFactory(vendor=vendor, unit_price="0.1000", time_zone="America/New_York")
    TermsFactory(
        contract=contract,
        task_type=task_type,
        accuracy_floor=None,
        iaa_min=None,
        iaa_fail_below=None,
        remediation_business_days=3,
        service_credit_percent=5,
    )
    return contract


@pytest.fixture
def contract(vendor_a, sentiment):
    return _overlap_contract(vendor_a, sentiment)


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    def upload(client, contract, spec, **extra):
        data = {
            "contract": contract.pk,
            "task_type": "sentiment",
            "file": SimpleUploadedFile(f"b{spec.seed}.csv", csv_bytes(simulate_delivery(spec).annotations)),
            **extra,
        }
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/api/v1/batches/", data)
        assert response.status_code in (201, 202), response.content
        return response.json()["id"]

    return upload


@pytest.fixture
def vendor_api(api_client_for, users):
    return api_client_for(users[Role.VENDOR])


@pytest.fixture
def lead_api(api_client_for, users):
    return api_client_for(users[Role.PROCUREMENT_LEAD])


def test_failing_batch_breach_vendor_remediation_upload_pass_remediated(contract, upload, vendor_api):
    rejected = upload(vendor_api, contract, FAILING)
    assert vendor_api.get(f"/api/v1/batches/{rejected}/").json()["verdict"] == "rejected"

    listed = vendor_api.get("/api/v1/breaches/", {"status": "open"}).json()["results"]
    assert [(b["batch"], b["term"]) for b in listed] == [(rejected, "overlap")]
    breach = listed[0]
    assert breach["service_credit"] == "1.50" and breach["currency"] == "USD"
    assert breach["remediation_due"] > breach["opened_at"]

    fix = upload(vendor_api, contract, FIX, remediates=rejected)
    assert vendor_api.get(f"/api/v1/batches/{fix}/").json()["verdict"] == "accepted"
    closed = vendor_api.get(f"/api/v1/breaches/{breach['id']}/").json()
    assert closed["status"] == "remediated" and closed["remediation_batch"] == fix
    assert [e["to_status"] for e in closed["events"]] == ["open", "remediation_submitted", "remediated"]
    assert closed["events"][1]["actor"] == "vendor_a_user"


def test_breach_past_its_deadline_is_escalated_once_by_the_periodic_task(contract, upload, lead_api):
    upload(lead_api, contract, FAILING)
    Breach.objects.update(remediation_due=dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
    breaches_escalate.apply()
    breaches_escalate.apply()
    breach = lead_api.get("/api/v1/breaches/").json()["results"][0]
    assert breach["status"] == "escalated"
    assert [e["to_status"] for e in breach["events"]] == ["open", "escalated"]


def test_vendor_user_gets_404_for_another_vendors_breach(vendor_b, sentiment, upload, lead_api, vendor_api):
    upload(lead_api, _overlap_contract(vendor_b, sentiment), FAILING)
    other = Breach.objects.get()
    assert vendor_api.get(f"/api/v1/breaches/{other.pk}/").status_code == 404
    assert vendor_api.patch(f"/api/v1/breaches/{other.pk}/", {"status": "remediation_submitted"}).status_code == 404
    assert vendor_api.get("/api/v1/breaches/").json()["results"] == []
    assert lead_api.get("/api/v1/breaches/", {"vendor": vendor_b.pk}).json()["count"] == 1


def test_waiver_is_refused_without_a_reason_and_for_anyone_but_a_lead(
    contract, upload, lead_api, vendor_api, api_client_for, users
):
    upload(lead_api, contract, FAILING)
    url = f"/api/v1/breaches/{Breach.objects.get().pk}/"
    response = lead_api.patch(url, {"status": "waived"}, format="json")
    assert response.status_code == 400 and "waiver_reason" in response.json()
    assert vendor_api.patch(url, {"status": "waived", "waiver_reason": "please"}, format="json").status_code == 403
    for role in (Role.QA_ANALYST, Role.VIEWER):
        client = api_client_for(users[role])
        assert client.patch(url, {"status": "waived", "waiver_reason": "x"}, format="json").status_code == 403
    waived = lead_api.patch(url, {"status": "waived", "waiver_reason": "Known tool outage."}, format="json").json()
    assert (waived["status"], waived["waiver_reason"], waived["service_credit"]) == (
        "waived",
        "Known tool outage.",
        "0.00",
    )
    assert waived["events"][-1]["actor"] == "lead"
    assert lead_api.patch(url, {"status": "remediation_submitted"}, format="json").status_code == 400


def test_vendor_marks_remediation_submitted(contract, upload, vendor_api):
    upload(vendor_api, contract, FAILING)
    url = f"/api/v1/breaches/{Breach.objects.get().pk}/"
    body = vendor_api.patch(url, {"status": "remediation_submitted", "note": "Relabeling."}, format="json").json()
    assert body["status"] == "remediation_submitted"
    assert body["events"][-1]["note"] == "Relabeling."
    assert vendor_api.patch(url, {"status": "remediated"}, format="json").status_code == 400


def test_breach_list_query_count_is_fixed(contract, upload, lead_api, django_assert_num_queries):
    for seed in (8, 18, 28):
        upload(lead_api, contract, DeliverySpec(items=300, overlap=0.40, seed=seed))
    with django_assert_num_queries(4):  # token, count, page, events (their actors only when any)
        response = lead_api.get("/api/v1/breaches/")
    assert response.json()["count"] == 3


def test_contract_holidays_and_credit_cap_through_the_api(lead_api, vendor_a):
    body = {
        "vendor": vendor_a.pk,
        "title": "Holiday MSA",
        "start_date": "2026-01-01",
        "unit_price": "0.10",
        "holidays": ["2026-12-25", "2026-01-01"],
        "service_credit_cap_percent": 10,
        "reprice_remediated": True,
    }
    created = lead_api.post("/api/v1/contracts/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["holidays"] == ["2026-01-01", "2026-12-25"]
    refused = lead_api.post("/api/v1/contracts/", {**body, "holidays": ["25/12/2026"]}, format="json")
    assert refused.status_code == 400 and "holidays" in refused.json()
