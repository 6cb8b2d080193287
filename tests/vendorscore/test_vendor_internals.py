"""Issue 14, finding 11: the buyer's notes on a vendor and the buyer's worker status stay with buyer roles."""

import pytest
from django.utils import timezone

from vendorscore.constants import Role
from vendorscore.models import WorkerHeartbeat

NOTE = "Negotiating hard: their rival quoted 20% less."


@pytest.fixture
def noted(vendor_a):
    vendor_a.notes = NOTE
    vendor_a.save()
    WorkerHeartbeat.objects.create(hostname="celery@buyer-worker-7", seen_at=timezone.now())
    return vendor_a


def test_vendor_user_does_not_see_the_buyers_notes_on_the_vendor_page(client, users, noted):
    client.force_login(users[Role.VENDOR])
    page = client.get(f"/vendors/{noted.pk}/").content.decode()
    assert NOTE not in page and noted.name in page
    client.force_login(users[Role.VIEWER])
    assert NOTE in client.get(f"/vendors/{noted.pk}/").content.decode()


def test_vendor_user_does_not_get_the_buyers_notes_through_the_api(api_client_for, users, noted):
    body = api_client_for(users[Role.VENDOR]).get(f"/api/v1/vendors/{noted.pk}/").json()
    assert "notes" not in body and body["name"] == noted.name
    listed = api_client_for(users[Role.VENDOR]).get("/api/v1/vendors/").json()["results"]
    assert all("notes" not in row for row in listed)
    assert api_client_for(users[Role.QA_ANALYST]).get(f"/api/v1/vendors/{noted.pk}/").json()["notes"] == NOTE


def test_vendor_user_does_not_see_the_worker_heartbeat_on_the_dashboard(client, users, noted):
    client.force_login(users[Role.VENDOR])
    page = client.get("/").content.decode()
    assert "buyer-worker-7" not in page and "Background worker" not in page
    client.force_login(users[Role.PROCUREMENT_LEAD])
    assert "buyer-worker-7" in client.get("/").content.decode()


def test_lead_has_vendor_copy_buttons_and_the_vendor_user_only_their_report(client, users, noted):
    client.force_login(users[Role.PROCUREMENT_LEAD])
    assert 'name="audience" value="vendor"' in client.get(f"/vendors/{noted.pk}/").content.decode()
    client.force_login(users[Role.VENDOR])
    page = client.get(f"/vendors/{noted.pk}/").content.decode()
    assert 'id="vendor-report-form"' in page and 'name="audience"' not in page
