"""The material-risk warning on the contract form, in headless Chromium, as a lead meets it."""

import pytest

from performance import kpis, services
from performance.models import StandingOverride
from sla.models import Contract
from tests.performance.conftest import september  # noqa: F401 (the fixture: a September in material risk)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_contract_form_warns_about_a_vendor_in_material_risk_and_records_the_reason(
    login,
    lead,
    live_server,
    september,  # noqa: F811
    vendor_a,
    vendor_b,
):
    scorecard = services.scorecard_compute(vendor=vendor_a, period=kpis.parse_period("2026-09"))
    assert scorecard.standing == "material_risk"
    page = login(lead)
    page.goto(f"{live_server.url}/contracts/new/")
    warning = page.locator("#standing-confirm")
    assert not warning.is_visible()

    page.select_option("#id_vendor", str(vendor_b.pk))
    assert not warning.is_visible()
    page.select_option("#id_vendor", str(vendor_a.pk))
    assert warning.is_visible()
    assert "Vendor A stands in material delivery risk: standing 52.00 / 100" in warning.inner_text()

    page.fill("#id_title", "Renewal 2027")
    page.fill("#id_start_date", "2027-01-01")
    page.fill("#id_unit_price", "0.09")
    page.click("button:has-text('Create contract')")
    assert page.locator(".alert-error", has_text="Say why you go ahead").is_visible()
    assert page.locator("p.error").count() == 0  # every other field was fine
    assert not Contract.objects.filter(title="Renewal 2027").exists()

    assert page.locator("#standing-confirm").is_visible()
    page.fill("#id_standing_override_reason", "Sole supplier for Portuguese; weekly QA calls agreed.")
    page.click("button:has-text('Create contract')")
    page.wait_for_url("**/terms/new/")
    contract = Contract.objects.get(title="Renewal 2027")
    override = StandingOverride.objects.get()
    assert (override.object_id, override.user, override.reason) == (
        contract.pk,
        lead,
        "Sole supplier for Portuguese; weekly QA calls agreed.",
    )
