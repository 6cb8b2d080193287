"""The report caches: charts drawn once per figure, PDFs rendered once per content, and their cleanup."""

import datetime as dt
import gc
import os

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from reports import figures, pdf, services, tasks
from reports.constants import AUDIENCE_BUYER
from reports.models import ReportJob
from sla.models import Batch, Breach, ContractTerms, Finding
from sla.services.breaches import breach_waive
from tests.factories import EvaluationFactory, score_all
from tests.reports.test_reports import flat, get_pdf, pdf_text
from vendorscore.models import Vendor


@pytest.fixture
def kaleido_calls(monkeypatch):
    """The figures Chromium was asked to draw, in order (the drawing itself still happens)."""
    calls = []
    draw = pdf._draw_svg

    def counted(spec, **size):
        calls.append(spec)
        return draw(spec, **size)

    monkeypatch.setattr(pdf, "_draw_svg", counted)
    return calls


@pytest.fixture
def layouts(monkeypatch):
    """How many PDFs WeasyPrint laid out."""
    count = []
    html_to_pdf = pdf.html_to_pdf
    monkeypatch.setattr(pdf, "html_to_pdf", lambda html, **kw: count.append(1) or html_to_pdf(html, **kw))
    return count


def _breaches(count: int):
    return figures.breaches_over_time(months=["2025-01", "2025-02"], series=[("Accuracy floor", [count, 1])])


def test_a_chart_is_drawn_once_per_figure_and_a_changed_figure_is_drawn_afresh(kaleido_calls, report_cache):
    first, drawn = pdf.chart_svg(_breaches(2), width=600, height=260)
    again, drawn_again = pdf.chart_svg(_breaches(2), width=600, height=260)
    assert drawn and not drawn_again and again == first and len(kaleido_calls) == 1
    assert first.lstrip().startswith(b"<svg")
    assert len(list((report_cache / "charts").glob("*.svg"))) == 1

    changed, drawn = pdf.chart_svg(_breaches(3), width=600, height=260)
    assert drawn and changed != first and len(kaleido_calls) == 2
    _, drawn = pdf.chart_svg(_breaches(2), width=300, height=260)
    assert drawn, "another size is another drawing"
    assert len(kaleido_calls) == 3


def test_report_rendered_again_for_other_data_reuses_unchanged_charts(kaleido_calls, lead, batch_a):
    vendor = batch_a.contract.vendor
    score_all(EvaluationFactory(vendor=vendor), lead, value=4)
    first = services.vendor_report_render(vendor=vendor, user=lead)
    charts_drawn = len(kaleido_calls)
    assert first.rendered and charts_drawn >= 2, "radar and the accuracy trend at least"

    vendor.notes = "Renewal talks in March."
    vendor.save()
    second = services.vendor_report_render(vendor=vendor, user=lead)
    assert second.rendered and second.name != first.name
    assert "Renewal talks in March." in flat(pdf_text(second.read())[1])
    assert len(kaleido_calls) == charts_drawn, "no chart changed, none drawn again"

    ContractTerms.objects.filter(pk=batch_a.terms_version_id).update(accuracy_floor=0.5)
    third = services.vendor_report_render(vendor=vendor, user=lead)
    assert third.rendered
    assert charts_drawn < len(kaleido_calls) < 2 * charts_drawn, "only the charts showing the floor are drawn again"


def test_a_chart_that_cannot_be_drawn_fails_the_report_rather_than_leaving_it_out(monkeypatch, batch_a, report_cache):
    def broken(spec, **size):
        raise RuntimeError("Chromium went away")

    monkeypatch.setattr(pdf, "_draw_svg", broken)
    with pytest.raises(RuntimeError, match="Chromium went away"):
        services.batch_report_render(batch=batch_a, audience=AUDIENCE_BUYER)
    assert not list(report_cache.glob("*.pdf"))
    assert gc.isenabled()


def test_the_garbage_collector_comes_back_after_nested_pauses_and_errors():
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), pdf.gc_paused():
        with pdf.gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled(), "the outer render is still running"
        1 / 0  # noqa: B018
    assert gc.isenabled()


def test_api_report_endpoints_render_once_and_share_the_cache_with_the_browser(
    api_client_for, client, lead, batch_a, layouts, report_cache
):
    api = api_client_for(lead)
    client.force_login(lead)
    for url in (f"/batches/{batch_a.pk}/report.pdf", f"/vendors/{batch_a.contract.vendor_id}/report.pdf"):
        first = get_pdf(api, f"/api/v1{url}")
        assert first.startswith(b"%PDF-")
        assert get_pdf(api, f"/api/v1{url}") == first, "the second GET is the cached file"
        assert get_pdf(client, url) == first, "the browser's link reads the same file"
    assert len(layouts) == 2
    assert len(list(report_cache.glob("*.pdf"))) == 2


def _age(path, days_before: dt.datetime) -> None:
    stamp = days_before.timestamp()
    os.utime(path, (stamp, stamp))


def test_cleanup_deletes_what_was_not_used_for_n_days_but_never_a_file_a_recent_job_points_to(
    settings, lead, batch_a, report_cache, django_capture_on_commit_callbacks
):
    settings.REPORT_CACHE_DAYS = 30
    with django_capture_on_commit_callbacks(execute=True):
        services.report_job_create(kind="batch", obj=batch_a, user=lead, audience=AUDIENCE_BUYER, paper="a4")
    old_job = ReportJob.objects.get()
    rendered = report_cache / old_job.file_name
    assert rendered.exists()
    charts_dir = report_cache / "charts"
    old_charts = list(charts_dir.glob("*.svg"))
    assert old_charts

    later = timezone.now() + dt.timedelta(days=31)  # a month later
    pointed_to = report_cache / "vendor-pointed-to.pdf"
    pointed_to.write_bytes(b"%PDF-1.7 rendered a month ago, its job is recent")
    recent_job = ReportJob.objects.create(
        kind="vendor", object_id=batch_a.contract.vendor_id, audience=AUDIENCE_BUYER, requested_by=lead
    )
    ReportJob.objects.filter(pk=recent_job.pk).update(
        created_at=later - dt.timedelta(days=2), status="done", file_name=pointed_to.name
    )
    read_lately = report_cache / "vendor-read-lately.pdf"
    read_lately.write_bytes(b"%PDF-1.7 downloaded last week")
    _age(read_lately, later - dt.timedelta(days=7))
    chart_lately = charts_dir / "recent.svg"
    chart_lately.write_bytes(b"<svg/>")
    _age(chart_lately, later - dt.timedelta(days=1))
    interrupted = report_cache / "tmpx.part"
    interrupted.write_bytes(b"half a PDF")

    assert services.report_cache_clean() == services.CacheCleanup(jobs=0, reports=0, charts=0), "nothing is old yet"

    result = services.report_cache_clean(now=later)
    assert result == services.CacheCleanup(jobs=1, reports=1, charts=len(old_charts))
    assert not ReportJob.objects.filter(pk=old_job.pk).exists()
    assert ReportJob.objects.filter(pk=recent_job.pk).exists()
    assert not rendered.exists() and not interrupted.exists()
    assert not any(chart.exists() for chart in old_charts)
    assert pointed_to.exists() and read_lately.exists() and chart_lately.exists()

    services.batch_report_render(batch=batch_a, audience=AUDIENCE_BUYER)
    assert rendered.exists(), "a report deleted by the cleanup is rendered again when asked for"


def test_cleanup_runs_daily_from_the_database_schedule(db, settings, report_cache):
    schedule = PeriodicTask.objects.get(name="Clean the report cache")
    assert schedule.task == tasks.report_cache_clean.name and schedule.enabled
    assert (schedule.crontab.minute, schedule.crontab.hour, schedule.crontab.day_of_week) == ("40", "3", "*")
    stale = report_cache / "batch-buyer-stale.pdf"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"%PDF-1.7")
    _age(stale, timezone.now() - dt.timedelta(days=settings.REPORT_CACHE_DAYS + 1))
    tasks.report_cache_clean.delay()
    assert not stale.exists()


def test_vendor_report_data_takes_the_same_queries_for_10_or_100_batches(lead, vendor_a, contract_a, sentiment):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.selectors import vendor_report
    from tests.reports.test_reports import _many_batches

    counts = []
    for batches in (10, 100):
        Batch.objects.filter(contract=contract_a).delete()
        _many_batches(contract_a, sentiment, batches)
        with CaptureQueriesContext(connection) as queries:
            data = vendor_report(vendor=vendor_a, user=lead)
        assert data["batch_count"] == batches
        counts.append(len(queries))
    assert counts[0] == counts[1], "no query per batch (N+1)"


def test_a_cached_vendor_report_is_served_until_something_it_shows_changes(lead, batch_a, layouts):
    vendor = batch_a.contract.vendor
    assert services.vendor_report_render(vendor=vendor, user=lead).rendered
    assert not services.vendor_report_render(vendor=vendor, user=lead).rendered, "nothing changed: the cached file"
    run = batch_a.check_runs.get(is_current=True)
    changes = {
        "a verdict": lambda: Batch.objects.filter(pk=batch_a.pk).update(verdict="rejected"),
        "an accuracy": lambda: Batch.objects.filter(pk=batch_a.pk).update(accuracy=0.5),
        "a finding": lambda: Finding.objects.filter(check_run=run).update(measured=0.25),
        "a breach": lambda: _breach(batch_a),
        "a breach's transition": lambda: breach_waive(
            breach=Breach.objects.get(batch=batch_a), user=lead, reason="Agreed at the quarterly review."
        ),
        "a term": lambda: ContractTerms.objects.filter(pk=batch_a.terms_version_id).update(accuracy_floor=0.5),
        "the vendor": lambda: Vendor.objects.filter(pk=vendor.pk).update(notes="Renewal talks in March."),
    }
    for change, make in changes.items():
        make()
        assert services.vendor_report_render(vendor=vendor, user=lead).rendered, f"{change} changed: rendered afresh"
    assert len(layouts) == 1 + len(changes)


def _breach(batch: Batch) -> Breach:
    opened = timezone.now()
    return Breach.objects.create(
        batch=batch,
        term="accuracy",
        severity="major",
        opened_at=opened,
        remediation_due=opened + dt.timedelta(days=7),
        batch_value="50.00",
        credit_full="5.00",
        service_credit="5.00",
        credit_month=opened.date().replace(day=1),
    )


def test_a_missing_browser_is_a_clear_error_not_a_wait_forever(monkeypatch, report_cache):
    monkeypatch.setattr(pdf, "_kaleido_started", False)
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    with pytest.raises(pdf.ChartsUnavailable, match="no Chromium at /nonexistent/chromium"):
        pdf.chart_svg(_breaches(7), width=400, height=300)


def test_a_browser_named_on_path_is_accepted(monkeypatch, tmp_path):
    browser = tmp_path / "my-chromium"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    pdf._browser_check("my-chromium")
    with pytest.raises(pdf.ChartsUnavailable):
        pdf._browser_check("no-such-browser")
