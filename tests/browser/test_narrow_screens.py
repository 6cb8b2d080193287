"""Every main page of the demo at a phone's 390 px and a laptop's 1280 px: no sideways scrolling.

The demo data is what a lead shows a vendor, so it is what the walk loads. At 390 px the
menu is a button reached with the keyboard, and a skip link leads past it.
"""

import pytest

from sla.models import Batch, Breach, Contract
from vendorscore.models import Vendor
from vendorscore.scorecards.models import Evaluation

pytestmark = pytest.mark.browser

OVERFLOW = "() => [document.documentElement.scrollWidth, window.innerWidth]"
CHARTS_DRAWN = "() => [...document.querySelectorAll('[data-plotly]')].every(e => e.querySelector('.main-svg'))"


def _lead_pages() -> list[str]:
    rejected = Batch.objects.filter(verdict="rejected").order_by("pk").first()
    accepted = Batch.objects.filter(verdict="accepted").order_by("pk").first()
    vendors = ",".join(str(pk) for pk in Vendor.objects.order_by("pk").values_list("pk", flat=True)[:3])
    contract = Contract.objects.order_by("pk").first()
    return [
        "/",
        "/vendors/",
        f"/vendors/{contract.vendor_id}/",
        "/scorecards/",
        f"/scorecards/{Evaluation.objects.order_by('pk').first().pk}/",
        f"/scorecards/compare/?vendors={vendors}",
        "/contracts/",
        contract.get_absolute_url(),
        f"/contracts/{contract.pk}/terms/new/",
        "/batches/",
        rejected.get_absolute_url(),
        accepted.get_absolute_url(),
        f"/batches/{accepted.pk}/review/",
        "/batches/upload/",
        "/breaches/",
        Breach.objects.order_by("pk").first().get_absolute_url(),
        "/gold-sets/",
        "/task-types/",
        "/notifications/",
        "/notifications/preferences/",
    ]


def _vendor_pages(vendor: Vendor) -> list[str]:
    own = Batch.objects.filter(contract__vendor=vendor)
    return [
        "/",
        "/batches/",
        own.filter(verdict="rejected").order_by("pk").first().get_absolute_url(),
        "/batches/upload/",
        "/breaches/",
        Breach.objects.filter(batch__contract__vendor=vendor).order_by("pk").first().get_absolute_url(),
        "/contracts/",
        "/notifications/preferences/",
    ]


def _log_in(browser, server_url, width, username, password):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{server_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server_url}/")
    return context, page


@pytest.mark.parametrize("width", [390, 1280])
def test_main_pages_never_scroll_sideways(browser, demo_server, width):
    meridian = Vendor.objects.get(name="Meridian Data Services")
    walks = [("lead", "lead-demo-pass", _lead_pages()), ("meridian", "vendor-demo-pass", _vendor_pages(meridian))]
    wide = []
    for username, password, paths in walks:
        context, page = _log_in(browser, demo_server, width, username, password)
        for path in paths:
            response = page.goto(f"{demo_server}{path}")
            assert response.status == 200, (username, path)
            page.wait_for_load_state("load")
            page.wait_for_function(CHARTS_DRAWN)  # the plotly bundle carries every chart the page draws
            scroll_width, inner_width = page.evaluate(OVERFLOW)
            if scroll_width > inner_width:
                wide.append((username, path, scroll_width))
        context.close()
    assert wide == [], f"pages wider than {width} px"


def test_menu_and_skip_link_work_from_the_keyboard_at_390(browser, live_server, lead, password):
    context, page = _log_in(browser, live_server.url, 390, lead.username, password)
    page.goto(f"{live_server.url}/batches/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    page.goto(f"{live_server.url}/batches/")
    assert not page.locator("#mainnav").is_visible()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "nav-toggle":
            break
    assert page.evaluate("document.activeElement.id") == "nav-toggle"
    page.keyboard.press("Enter")
    assert page.locator("#mainnav").is_visible()
    assert page.get_attribute("#nav-toggle", "aria-expanded") == "true"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#mainnav') !== null")
    page.keyboard.press("Escape")
    assert not page.locator("#mainnav").is_visible()
    context.close()
