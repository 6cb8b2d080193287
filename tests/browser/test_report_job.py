"""A report asked for in headless Chromium: the progress page polls until a worker has rendered the PDF.

Celery runs eagerly in tests (settings_test.py), which would render the report inside the
POST, before the progress page is even shown. The first test therefore holds the task back,
as a busy broker would, and plays the worker itself once the page is up: what is tested is
the page's own polling (static/js/report-job.js) turning "waiting" into a download link
without a reload. The second test is the eager path: the job is done before the redirect.
"""

import io
import types

import pytest
from pypdf import PdfReader

from reports import services
from reports.models import ReportJob
from tests.factories import EvaluationFactory, score_all
from tests.reports.test_reports import flat

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def report_cache(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def vendor(vendor_a, lead):
    score_all(EvaluationFactory(vendor=vendor_a), lead, value=4)
    return vendor_a


@pytest.fixture
def broker(monkeypatch):
    """Jobs queued for a worker that has not picked them up yet."""
    queued = []
    monkeypatch.setattr("reports.tasks.report_job_run", types.SimpleNamespace(delay=queued.append))
    return queued


def _download(page) -> bytes:
    """The PDF behind the page's download link, fetched with the browser's session."""
    link = page.locator("#report-download a")
    assert link.is_visible()
    response = page.request.get(link.evaluate("a => a.href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    content = response.body()
    assert content.startswith(b"%PDF-")
    return content


def test_lead_asks_for_a_vendor_report_and_the_page_offers_it_once_the_worker_is_done(
    login, lead, vendor, broker, live_server
):
    page = login(lead)
    page.goto(f"{live_server.url}/vendors/{vendor.pk}/")
    page.click("#vendor-report-form button")
    page.wait_for_url("**/reports/jobs/*/")
    job = ReportJob.objects.get()
    assert broker == [str(job.pk)]
    assert page.locator("h1").inner_text().startswith("Vendor report")
    assert page.locator("#report-stage").inner_text() == "Waiting for a worker…"
    assert page.locator("#report-progress").get_attribute("value") == "0"
    assert not page.locator("#report-download").is_visible()
    page.evaluate("window.sameDocument = true")

    services.report_job_run(job_id=job.pk)  # the worker picks the job up

    page.wait_for_selector("#report-download a", state="visible")
    assert page.evaluate("window.sameDocument") is True, "the page polled; it was not reloaded"
    assert page.locator("#report-stage").inner_text() == "Ready"
    assert page.evaluate("document.getElementById('report-progress').value") == 100
    reader = PdfReader(io.BytesIO(_download(page)))
    text = flat([p.extract_text() for p in reader.pages])
    assert "Vendor A" in text and "80.00 / 100" in text


def test_with_an_eager_worker_the_progress_page_shows_the_download_at_once(login, lead, vendor, live_server):
    page = login(lead)
    page.goto(f"{live_server.url}/vendors/{vendor.pk}/")
    page.click("#vendor-report-form button")
    page.wait_for_url("**/reports/jobs/*/")
    assert ReportJob.objects.get().status == ReportJob.Status.DONE
    assert page.locator("#report-stage").inner_text() == "Ready"
    assert _download(page).startswith(b"%PDF-")
