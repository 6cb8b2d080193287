"""API.md v1.1 fixes: a contract's owner defaults to the creating lead; task types by id or name everywhere."""

import datetime as dt

from reports.selectors import breaches_of
from sla import services
from sla.models import Breach, Contract
from tests.sla.conftest import FAILING, FIX
from vendorscore.constants import Role


def test_a_contract_created_without_owner_is_owned_by_the_creating_lead(api_client_for, lead, vendor_a):
    response = api_client_for(lead).post(
        "/api/v1/contracts/",
        {"vendor": vendor_a.pk, "title": "Pilot", "start_date": "2026-01-01", "unit_price": "0.05"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["owner"] == lead.pk
    assert Contract.objects.get(pk=response.json()["id"]).owner == lead
    assert response.json()["remediation_coverage_required"] == 1.0


def test_contract_terms_take_the_task_type_by_id_or_by_name(api_client_for, lead, contract_a, sentiment):
    api = api_client_for(lead)
    by_id = api.post(
        f"/api/v1/contracts/{contract_a.pk}/terms/",
        {"task_type": sentiment.pk, "effective_from": "2026-06-01", "accuracy_floor": 0.9},
        format="json",
    )
    assert by_id.status_code == 201, by_id.content
    assert by_id.json()["task_type"] == sentiment.name
    by_name = api.post(
        f"/api/v1/contracts/{contract_a.pk}/terms/",
        {"task_type": sentiment.name, "effective_from": "2026-07-01"},
        format="json",
    )
    assert by_name.status_code == 201, by_name.content
    unknown = api.post(
        f"/api/v1/contracts/{contract_a.pk}/terms/", {"task_type": 9999, "effective_from": "2026-08-01"}, format="json"
    )
    assert unknown.status_code == 400 and "task_type" in unknown.json()


def test_days_to_remediate_are_reported_for_remediated_breaches_only(overlap_contract, deliver, users, lead):
    waived = Breach.objects.get(batch=deliver(overlap_contract, FAILING))
    services.breach_waive(breach=waived, user=lead, reason="Pilot month.")
    rejected = deliver(overlap_contract, FAILING.__class__(items=300, overlap=0.40, seed=18))
    deliver(overlap_contract, FIX.__class__(items=300, overlap=0.10, seed=18), remediates=rejected)
    rows = {row["id"]: row for row in breaches_of(vendor=overlap_contract.vendor)["rows"]}
    remediated = Breach.objects.get(batch=rejected)
    waived.refresh_from_db()
    assert remediated.status == "remediated" and waived.closed_at is not None
    assert rows[waived.pk]["remediation_days"] is None
    assert rows[remediated.pk]["remediation_days"] is not None


def test_batch_api_gives_lineage_fields(overlap_contract, deliver, users, api_client_for):
    first = deliver(overlap_contract, FAILING)
    body = api_client_for(users[Role.VENDOR]).get(f"/api/v1/batches/{first.pk}/").json()
    assert (body["redelivered_items"], body["invoiced_items"], body["remediation_coverage"]) == (0, 300, None)
    assert dt.datetime.fromisoformat(body["delivered_at"]).utcoffset() is not None
