"""Every vendor page and API endpoint against every role (NetBox-style: data, not code).

Each row says which roles may make the request; every other role must be refused: 403
for a role that may not act, 404 for a vendor user asking about another vendor, and a
redirect to the login page (pages) or 401 (API) for anonymous requests.
"""

import pytest

from vendorscore.constants import Role

LEAD = {Role.PROCUREMENT_LEAD}
EVERYONE = set(Role.values)
VENDOR_PAYLOAD = {"name": "Posted Vendor", "workforce_model": "in_house"}

# (method, url template, roles allowed, form or JSON data)
PAGES = [
    ("get", "/", EVERYONE, None),
    ("get", "/vendors/", EVERYONE, None),
    ("get", "/vendors/{own}/", EVERYONE, None),
    ("get", "/vendors/new/", LEAD, None),
    ("post", "/vendors/new/", LEAD, VENDOR_PAYLOAD),
    ("get", "/vendors/{own}/edit/", LEAD, None),
    ("post", "/vendors/{own}/edit/", LEAD, {**VENDOR_PAYLOAD, "status": "active"}),
]
API = [
    ("get", "/api/v1/vendors/", EVERYONE, None),
    ("get", "/api/v1/vendors/{own}/", EVERYONE, None),
    ("post", "/api/v1/vendors/", LEAD, VENDOR_PAYLOAD),
    ("patch", "/api/v1/vendors/{own}/", LEAD, {"country": "Chile"}),
]


def _url(template, vendor):
    return template.format(own=vendor.pk)


@pytest.mark.parametrize("method,template,allowed,data", PAGES)
@pytest.mark.parametrize("role", Role.values)
def test_page_access_by_role(client, users, vendor_a, role, method, template, allowed, data):
    client.force_login(users[role])
    response = getattr(client, method)(_url(template, vendor_a), data=data)
    if role in allowed:
        assert response.status_code in (200, 302), response.content[:500]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("method,template,allowed,data", PAGES)
def test_anonymous_pages_redirect_to_login(client, vendor_a, method, template, allowed, data):
    response = getattr(client, method)(_url(template, vendor_a), data=data)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("method,template,allowed,data", API)
@pytest.mark.parametrize("role", Role.values)
def test_api_access_by_role(api_client_for, users, vendor_a, role, method, template, allowed, data):
    response = getattr(api_client_for(users[role]), method)(_url(template, vendor_a), data=data, format="json")
    if role in allowed:
        assert response.status_code in (200, 201), response.content[:500]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("method,template,allowed,data", API)
def test_anonymous_api_requests_get_401(api_client_for, vendor_a, method, template, allowed, data):
    response = getattr(api_client_for(None), method)(_url(template, vendor_a), data=data, format="json")
    assert response.status_code == 401


@pytest.mark.parametrize("path", ["/vendors/{other}/", "/api/v1/vendors/{other}/"])
def test_vendor_user_gets_404_for_other_vendor(client, users, vendor_b, path):
    client.force_login(users[Role.VENDOR])
    assert client.get(path.format(other=vendor_b.pk)).status_code == 404


def test_vendor_user_gets_404_for_other_vendor_via_token(api_client_for, users, vendor_b):
    response = api_client_for(users[Role.VENDOR]).get(f"/api/v1/vendors/{vendor_b.pk}/")
    assert response.status_code == 404


def test_vendor_user_lists_only_own_vendor(api_client_for, client, users, vendor_a, vendor_b):
    vendor_user = users[Role.VENDOR]
    response = api_client_for(vendor_user).get("/api/v1/vendors/")
    assert [row["name"] for row in response.json()["results"]] == ["Vendor A"]

    client.force_login(vendor_user)
    page = client.get("/vendors/").content.decode()
    assert "Vendor A" in page
    assert "Vendor B" not in page


def test_vendor_user_dashboard_does_not_name_other_vendors(client, users, vendor_b):
    client.force_login(users[Role.VENDOR])
    assert "Vendor B" not in client.get("/").content.decode()


def test_staff_roles_list_every_vendor(api_client_for, users, vendor_a, vendor_b):
    for role in (Role.PROCUREMENT_LEAD, Role.QA_ANALYST, Role.VIEWER):
        names = {row["name"] for row in api_client_for(users[role]).get("/api/v1/vendors/").json()["results"]}
        assert names == {"Vendor A", "Vendor B"}, role


def test_only_leads_see_the_add_vendor_button(client, users):
    for role, expected in ((Role.PROCUREMENT_LEAD, True), (Role.VIEWER, False), (Role.QA_ANALYST, False)):
        client.force_login(users[role])
        assert ("Add vendor" in client.get("/vendors/").content.decode()) is expected, role
