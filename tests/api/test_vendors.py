"""The vendors API: token auth, create, read, update, filtering and refusals with field errors."""

import pytest

from vendorscore.models import Vendor


@pytest.fixture
def lead_api(api_client_for, lead):
    return api_client_for(lead)


def test_token_from_username_and_password_authenticates(client, lead, password, api_client_for):
    response = client.post("/api/v1/auth/token/", {"username": "lead", "password": password})
    assert response.status_code == 200
    token = response.json()["token"]
    listing = client.get("/api/v1/vendors/", HTTP_AUTHORIZATION=f"Token {token}")
    assert listing.status_code == 200


def test_token_with_wrong_password_is_refused_with_400(client, lead):
    response = client.post("/api/v1/auth/token/", {"username": "lead", "password": "nope"})
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_lead_creates_reads_and_patches_a_vendor(lead_api):
    created = lead_api.post("/api/v1/vendors/", {"name": "  Acme Labels ", "workforce_model": "crowdsourced"})
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == "Acme Labels"
    assert body["workforce_model"] == "crowdsourced"

    patched = lead_api.patch(f"/api/v1/vendors/{body['id']}/", {"status": "pilot"}, format="json")
    assert patched.status_code == 200
    assert patched.json()["status"] == "pilot"
    assert Vendor.objects.get(pk=body["id"]).status == "pilot"


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"workforce_model": "in_house"}, "name"),
        ({"name": "   ", "workforce_model": "in_house"}, "name"),
        ({"name": "X"}, "workforce_model"),
        ({"name": "X", "workforce_model": "robots"}, "workforce_model"),
        ({"name": "X", "workforce_model": "in_house", "contact_email": "not-an-email"}, "contact_email"),
        ({"name": "X", "workforce_model": "in_house", "website": "ftp//bad"}, "website"),
        ({"name": "X" * 201, "workforce_model": "in_house"}, "name"),
    ],
)
def test_invalid_vendor_is_answered_400_with_field_errors(lead_api, payload, field):
    before = Vendor.objects.count()
    response = lead_api.post("/api/v1/vendors/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Vendor.objects.count() == before


def test_duplicate_name_differing_in_case_is_refused_with_400(lead_api, vendor_a):
    response = lead_api.post("/api/v1/vendors/", {"name": "VENDOR a", "workforce_model": "in_house"})
    assert response.status_code == 400
    assert "A vendor with this name exists." in str(response.json())


def test_malformed_json_is_answered_400_not_500(lead_api):
    response = lead_api.generic("POST", "/api/v1/vendors/", "{not json", content_type="application/json")
    assert response.status_code == 400


def test_delete_is_not_offered(lead_api, vendor_a):
    assert lead_api.delete(f"/api/v1/vendors/{vendor_a.pk}/").status_code == 405


def test_list_filters_and_searches(lead_api, vendor_a, vendor_b):
    Vendor.objects.filter(pk=vendor_b.pk).update(workforce_model="crowdsourced", country="Kenya")
    by_model = lead_api.get("/api/v1/vendors/?workforce_model=crowdsourced").json()["results"]
    assert [v["name"] for v in by_model] == ["Vendor B"]
    by_search = lead_api.get("/api/v1/vendors/?search=kenya").json()["results"]
    assert [v["name"] for v in by_search] == ["Vendor B"]
    ordered = lead_api.get("/api/v1/vendors/?ordering=-name").json()["results"]
    assert [v["name"] for v in ordered] == ["Vendor B", "Vendor A"]


def test_vendor_list_query_count_does_not_grow_with_vendors(lead_api, django_assert_num_queries):
    from tests.factories import VendorFactory

    VendorFactory.create_batch(30)
    with django_assert_num_queries(3):  # token with its user, count, page
        assert lead_api.get("/api/v1/vendors/").status_code == 200


def test_schema_and_docs_are_served_without_cdn(lead_api, client, lead):
    schema = lead_api.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/vendors/" in schema.content
    client.force_login(lead)
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs
    assert "//cdn" not in docs.lower()  # a CDN host; the CSRF token may contain the letters
    assert "https://" not in docs
