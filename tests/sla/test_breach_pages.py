"""Breach pages and the dashboard's breach section: scoping, actions, escalations first."""

import datetime as dt

import pytest

from sla.models import Breach
from sla.simulate import DeliverySpec
from tests.factories import ContractFactory, TermsFactory
from tests.sla.conftest import FAILING
from vendorscore.constants import Role


@pytest.fixture
def breach(overlap_contract, deliver):
    return Breach.objects.get(batch=deliver(overlap_contract, FAILING))


@pytest.fixture
def other_vendors_breach(vendor_b, sentiment, deliver):
    contract = ContractFactory(vendor=vendor_b, title="Vendor B MSA")
    TermsFactory(contract=contract, task_type=sentiment, accuracy_floor=None, iaa_min=None, iaa_fail_below=None)
    return Breach.objects.get(batch=deliver(contract, FAILING))


@pytest.mark.parametrize("role", Role.values)
def test_every_role_sees_the_breach_pages_and_the_nav_entry(client, users, breach, role):
    client.force_login(users[role])
    listing = client.get("/breaches/")
    assert listing.status_code == 200
    assert b'href="/breaches/"' in listing.content
    assert client.get(f"/breaches/{breach.pk}/").status_code == 200


def test_vendor_user_sees_only_their_own_breaches(client, users, breach, other_vendors_breach):
    client.force_login(users[Role.VENDOR])
    listing = client.get("/breaches/").content.decode()
    assert f'href="/breaches/{breach.pk}/"' in listing
    assert f'href="/breaches/{other_vendors_breach.pk}/"' not in listing
    assert "Vendor B" not in listing  # not even in the vendor filter's choices
    assert client.get(f"/breaches/{other_vendors_breach.pk}/").status_code == 404
    assert client.post(f"/breaches/{other_vendors_breach.pk}/submit/").status_code == 404


def test_vendor_page_offers_the_remediation_upload_prefilled(client, users, breach):
    client.force_login(users[Role.VENDOR])
    page = client.get(f"/breaches/{breach.pk}/").content.decode()
    assert f"/batches/upload/?remediates={breach.batch_id}&amp;contract={breach.batch.contract_id}" in page
    assert 'id="waive-form"' not in page
    upload = client.get(f"/batches/upload/?remediates={breach.batch_id}").content.decode()
    assert f'<option value="{breach.batch_id}" selected data-contract="{breach.batch.contract_id}">' in upload


def test_lead_waives_with_a_reason_only(client, users, breach):
    client.force_login(users[Role.PROCUREMENT_LEAD])
    refused = client.post(f"/breaches/{breach.pk}/waive/", {"waiver_reason": ""})
    assert refused.status_code == 400
    breach.refresh_from_db()
    assert breach.status == "open"
    client.post(f"/breaches/{breach.pk}/waive/", {"waiver_reason": "Annotation tool outage, agreed."})
    breach.refresh_from_db()
    assert (breach.status, breach.waiver_reason) == ("waived", "Annotation tool outage, agreed.")
    history = client.get(f"/breaches/{breach.pk}/").content.decode()
    assert "Annotation tool outage, agreed." in history and "lead" in history


@pytest.mark.parametrize("role", [Role.QA_ANALYST, Role.VIEWER, Role.VENDOR])
def test_only_leads_may_waive(client, users, breach, role):
    client.force_login(users[role])
    assert client.post(f"/breaches/{breach.pk}/waive/", {"waiver_reason": "x"}).status_code == 403


def test_vendor_marks_remediation_submitted_from_the_page(client, users, breach):
    client.force_login(users[Role.VENDOR])
    client.post(f"/breaches/{breach.pk}/submit/", {"note": "Relabeling the batch."})
    breach.refresh_from_db()
    assert breach.status == "remediation_submitted"
    assert breach.events.last().note == "Relabeling the batch."


def test_dashboard_shows_escalations_first_then_deadlines_and_credits(client, users, breach, other_vendors_breach):
    Breach.objects.filter(pk=breach.pk).update(status="escalated", escalated_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    client.force_login(users[Role.PROCUREMENT_LEAD])
    page = client.get("/").content.decode()
    assert page.index('id="escalated-breaches"') < page.index('id="breach-summary"') < page.index("<h2>Vendors</h2>")
    assert f'href="/breaches/{breach.pk}/"' in page
    assert f'href="/batches/{breach.batch_id}/"' in page
    assert 'id="breaches-by-vendor"' in page and "Vendor B" in page
    assert "3.00 USD" in page  # the unescalated 10% credit; Vendor B's terms set no credit


def test_vendor_dashboard_shows_only_their_breaches(client, users, breach, other_vendors_breach):
    Breach.objects.update(remediation_due=dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
    client.force_login(users[Role.VENDOR])
    page = client.get("/").content.decode()
    assert f'href="/breaches/{breach.pk}/"' in page
    assert f'href="/breaches/{other_vendors_breach.pk}/"' not in page
    assert "Upload the fix" in page


def test_breach_list_page_query_count_does_not_grow_with_breaches(
    client, users, overlap_contract, deliver, django_assert_num_queries
):
    for seed in (8, 18, 28):
        deliver(overlap_contract, DeliverySpec(items=300, overlap=0.40, seed=seed))
    client.force_login(users[Role.PROCUREMENT_LEAD])
    # session, user, two counts (filter view and table paginator), vendor, contract and task type choices,
    # the page of breaches
    with django_assert_num_queries(8):
        response = client.get("/breaches/")
    assert response.content.decode().count('href="/breaches/') >= 3
