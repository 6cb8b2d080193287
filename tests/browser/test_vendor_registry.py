"""The vendor registry driven in headless Chromium, as a procurement lead uses it."""

import pytest

from vendorscore.models import Vendor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lead_creates_a_vendor_and_finds_it_in_the_list(login, lead, live_server):
    page = login(lead)
    page.click("text=Vendors")
    page.click("text=Add vendor")
    page.fill("#id_name", "Helix Annotation")
    page.select_option("#id_workforce_model", "in_house")
    page.select_option("#id_status", "pilot")
    page.fill("#id_country", "Ireland")
    page.click("button:has-text('Create vendor')")

    assert page.locator("h1").inner_text().startswith("Helix Annotation")
    assert "Vendor “Helix Annotation” created." in page.locator(".messages").inner_text()

    page.goto(f"{live_server.url}/vendors/?q=helix")
    rows = page.locator("table tbody tr")
    assert rows.count() == 1
    assert "Helix Annotation" in rows.first.inner_text()
    assert "In-house workforce" in rows.first.inner_text()


def test_empty_name_shows_the_error_and_stores_nothing(login, lead, live_server):
    page = login(lead)
    page.goto(f"{live_server.url}/vendors/new/")
    page.select_option("#id_workforce_model", "crowdsourced")
    page.click("button:has-text('Create vendor')")

    assert page.locator("#id_name-error").inner_text() == "This field is required."
    assert "Please correct the 1 field marked below." in page.locator(".alert-error").inner_text()
    assert not Vendor.objects.filter(workforce_model="crowdsourced").exists()


def test_list_sorts_by_a_column_header(login, lead, live_server):
    for name in ("Zeta Labels", "Alpha Labels"):
        Vendor.objects.create(name=name, workforce_model="in_house")
    page = login(lead)
    page.goto(f"{live_server.url}/vendors/")
    assert page.locator("table tbody tr").first.inner_text().startswith("Alpha Labels")
    page.click("th >> text=Name")
    page.wait_for_url("**/vendors/?sort=-name")
    assert page.locator("table tbody tr").first.inner_text().startswith("Zeta Labels")
    page.click("th >> text=Name")
    page.wait_for_url("**/vendors/?sort=name")
    assert page.locator("table tbody tr").first.inner_text().startswith("Alpha Labels")
