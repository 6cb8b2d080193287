"""Reports asked for in the browser: a worker renders them, the page polls, the download is checked again."""

import datetime as dt

import pytest
from django.utils import timezone

from reports import services
from reports.models import ReportJob
from tests.reports.test_reports import flat, get_pdf, pdf_text
from vendorscore.celery import app as celery_app
from vendorscore.constants import Role


@pytest.fixture
def ask(client, django_capture_on_commit_callbacks):
    """Post the report form as the given user, running the queued task as a worker would."""

    def post(user, kind, pk, paper="a4", **extra):
        client.force_login(user)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/reports/", {"kind": kind, "id": pk, "paper": paper, **extra})

    return post


def test_report_job_is_rendered_by_the_worker_with_progress_then_downloaded(client, ask, lead, batch_a, report_cache):
    response = ask(lead, "batch", batch_a.pk)
    assert response.status_code == 302
    job = ReportJob.objects.get()
    assert response["Location"] == f"/reports/jobs/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "report-progress" in page and "Download the PDF" in page
    state = client.get(f"/reports/jobs/{job.pk}/status.json").json()
    assert state == {"status": "done", "progress": 100, "stage": "Ready", "error": False}
    text = flat(pdf_text(get_pdf(client, f"/reports/jobs/{job.pk}/download/"))[1])
    assert f"Batch #{batch_a.pk}" in text
    ask(lead, "batch", batch_a.pk)
    assert ReportJob.objects.count() == 2
    assert len(list(report_cache.glob("*.pdf"))) == 1, "the same content is rendered once"


def test_a_job_runs_once_even_if_the_task_is_delivered_twice(ask, lead, batch_a):
    ask(lead, "batch", batch_a.pk)
    job = ReportJob.objects.get()
    finished = job.finished_at
    services.report_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "done" and job.finished_at == finished


def test_vendor_user_gets_404_for_other_vendors_report_jobs(client, ask, users, batch_a, batch_b):
    vendor_user, lead = users[Role.VENDOR], users[Role.PROCUREMENT_LEAD]
    assert ask(vendor_user, "batch", batch_b.pk).status_code == 404
    assert ask(vendor_user, "vendor", batch_b.contract.vendor_id).status_code == 404
    ask(lead, "batch", batch_a.pk)
    buyer_job = ReportJob.objects.get()
    client.force_login(vendor_user)
    for suffix in ("", "status.json", "download/"):
        assert client.get(f"/reports/jobs/{buyer_job.pk}/{suffix}").status_code == 404
    ask(vendor_user, "batch", batch_a.pk)
    own = ReportJob.objects.exclude(pk=buyer_job.pk).get()
    assert own.audience == "vendor"
    text = flat(pdf_text(get_pdf(client, f"/reports/jobs/{own.pk}/download/"))[1])
    assert "vendor copy" in text and "Confusion matrix" not in text


def test_vendor_user_asking_for_the_buyers_copy_gets_the_vendor_copy(ask, users, batch_a):
    ask(users[Role.VENDOR], "vendor", batch_a.contract.vendor_id, audience="buyer")
    assert ReportJob.objects.get().audience == "vendor"


def test_lead_queues_the_vendor_copy_and_reads_it(client, ask, lead, batch_a):
    ask(lead, "vendor", batch_a.contract.vendor_id, audience="vendor")
    job = ReportJob.objects.get()
    assert job.audience == "vendor"
    text = flat(pdf_text(get_pdf(client, f"/reports/jobs/{job.pk}/download/"))[1])
    assert "vendor copy" in text.lower() and "buyer internal" not in text


def test_report_form_rejects_bad_input(ask, lead):
    assert ask(lead, "batch", 1, audience="auditor").status_code == 400
    assert ask(lead, "invoice", 1).status_code == 400
    assert ask(lead, "batch", "x").status_code == 400
    assert ask(lead, "batch", 1, paper="a0").status_code == 400


def test_a_report_asked_for_while_the_broker_is_down_is_kept_and_the_sweep_renders_it(
    broker_down, client, lead, batch_a, django_capture_on_commit_callbacks, monkeypatch, settings
):
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reports/", {"kind": "batch", "id": batch_a.pk, "paper": "a4"})
    assert response.status_code == 302
    job = ReportJob.objects.get()
    assert (job.status, job.queued_at) == ("queued", None)

    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)  # the broker is back
    with django_capture_on_commit_callbacks(execute=True):
        assert services.report_jobs_sweep() == (0, 0), "queued again before the grace period"
        later = timezone.now() + dt.timedelta(seconds=settings.SWEEP_REQUEUE_AFTER + 1)
        assert services.report_jobs_sweep(now=later) == (1, 0)
    job.refresh_from_db()
    assert job.status == "done" and job.queued_at is not None


def test_the_sweep_fails_a_report_job_whose_worker_was_lost(lead, batch_a, settings):
    started = timezone.now() - dt.timedelta(seconds=settings.SWEEP_STUCK_AFTER + 1)
    job = ReportJob.objects.create(
        kind="batch", object_id=batch_a.pk, audience="buyer", requested_by=lead, status="rendering", started_at=started
    )
    assert services.report_jobs_sweep() == (0, 1)
    job.refresh_from_db()
    assert job.status == "failed" and "The worker rendering this report was lost" in job.error


def test_comparison_report_goes_through_the_same_job_and_progress_page(
    client, lead, users, vendor_a, vendor_b, django_capture_on_commit_callbacks
):
    from tests.factories import EvaluationFactory, score_all

    for vendor, value in ((vendor_a, 4), (vendor_b, 2)):
        score_all(EvaluationFactory(vendor=vendor), lead, value=value)
    client.force_login(lead)
    page = client.get(f"/scorecards/compare/?vendor={vendor_a.pk}&vendor={vendor_b.pk}").content.decode()
    assert 'name="kind" value="comparison"' in page and f'value="{vendor_a.pk},{vendor_b.pk}"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reports/", {"kind": "comparison", "vendors": f"{vendor_b.pk},{vendor_a.pk}"})
    job = ReportJob.objects.get()
    assert response["Location"] == f"/reports/jobs/{job.pk}/"
    assert (job.kind, job.vendor_ids) == ("comparison", sorted([vendor_a.pk, vendor_b.pk]))
    assert "Vendor comparison report" in client.get(response["Location"]).content.decode()
    assert client.get(f"/reports/jobs/{job.pk}/status.json").json()["status"] == "done"
    text = flat(pdf_text(get_pdf(client, f"/reports/jobs/{job.pk}/download/"))[1])
    assert "Vendor A" in text and "Vendor B" in text and "80.00" in text and "40.00" in text

    assert client.post("/reports/", {"kind": "comparison", "vendors": f"{vendor_a.pk}"}).status_code == 400
    assert client.post("/reports/", {"kind": "comparison", "vendors": f"{vendor_a.pk},99999"}).status_code == 404
    client.force_login(users[Role.VENDOR])
    assert client.post("/reports/", {"kind": "comparison", "vendors": f"{vendor_a.pk},{vendor_b.pk}"}).status_code in (
        403,
        404,
    )
    for suffix in ("", "status.json", "download/"):
        assert client.get(f"/reports/jobs/{job.pk}/{suffix}").status_code == 404
