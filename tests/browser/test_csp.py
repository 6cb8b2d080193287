"""Issue 14, finding 12: every page and plotly chart works under the Content-Security-Policy.

Chromium reports each blocked script, style or fetch as a ``securitypolicyviolation``
event; the pages must raise none, and the charts must still be drawn.
"""

import pytest

from tests.factories import EvaluationFactory, score_all

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", e => window.__violations.push(
  e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sample || "")));
"""


@pytest.fixture
def scored(lead, vendor_a, vendor_b):
    evaluations = [EvaluationFactory(vendor=vendor, created_by=lead) for vendor in (vendor_a, vendor_b)]
    for evaluation in evaluations:
        score_all(evaluation, lead, value=4)
    return evaluations


def _visit(page, url):
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__violations")


def test_chart_pages_draw_their_plotly_charts_without_any_csp_violation(page, login, lead, scored, live_server):
    page.add_init_script(REPORT_VIOLATIONS)
    login(lead)
    for url in (
        f"/scorecards/{scored[0].pk}/",
        f"/scorecards/compare/?vendors={scored[0].vendor_id},{scored[1].vendor_id}",
    ):
        assert _visit(page, live_server.url + url) == [], url
        assert page.locator("[data-plotly] .main-svg").count() > 0, f"no chart drawn on {url}"


def test_pages_and_api_docs_raise_no_csp_violation(page, login, lead, live_server):
    page.add_init_script(REPORT_VIOLATIONS)
    login(lead)
    for url in ("/", "/vendors/", "/contracts/", "/batches/", "/batches/upload/", "/breaches/", "/api/docs/"):
        assert _visit(page, live_server.url + url) == [], url
    assert page.locator(".swagger-ui").count() == 1


def test_every_response_carries_the_policy(client, lead):
    client.force_login(lead)
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy.split("style-src-attr")[0]
    assert "'unsafe-eval'" not in policy and "frame-ancestors 'none'" in policy
