"""Render report PDFs, once per content: the cache key is a hash of the report's data.

Asking twice for the same report renders it once. The key covers the data the report
shows (see ``reports/selectors.py``), the audience, the paper size and the layout version,
and nothing else, so a new finding, a corrected score or a new batch changes the key and
the next request renders afresh, while a second download is a file read. The vendor report
hashes its data's version instead (``selectors.vendor_report_version``: aggregates, so a
cached download does not build the data of hundreds of batches to find its file). Files live
in the ``reports`` storage under ``reports/`` (``vendorscore.files``: local disk or the shared
bucket), so every web process and worker, on any machine, shares them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import posixpath
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import Q
from django.utils import timezone

from reports import figures, pdf
from reports import selectors as report_selectors
from reports.constants import AUDIENCE_BUYER, PAPERS, REPORT_LAYOUT_VERSION
from reports.models import ReportJob
from sla import selectors as sla_selectors
from sla.visibility import OUTLIER_MIN_GOLD
from vendorscore.broker import enqueue_on_commit
from vendorscore.models import Vendor

if TYPE_CHECKING:  # annotations only: reports reads sla through its selectors
    from sla.models import Batch

logger = logging.getLogger(__name__)

ANNOTATORS_CHARTED = 30
CACHE_FOLDER = "reports"


@dataclass(frozen=True)
class ReportFile:
    """A rendered report: its name in the report cache, what to call it, and whether this request rendered it."""

    name: str
    filename: str
    rendered: bool

    def open(self) -> BinaryIO:
        """The PDF as a stream (served to the browser as it is read)."""
        return pdf.report_cache().open_stream(self.name)

    def read(self) -> bytes:
        with self.open() as stream:
            return stream.read()


def report_key(*, kind: str, data: dict, paper: str) -> str:
    payload = {"kind": kind, "paper": paper, "layout": REPORT_LAYOUT_VERSION, "data": data}
    encoded = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


def _no_progress(percent: int, stage: str) -> None:
    """The default progress callback: synchronous callers have nobody to tell."""


def _cached(*, kind: str, data: dict, paper: str, filename: str, render) -> ReportFile:
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {', '.join(PAPERS)}")
    name = posixpath.join(CACHE_FOLDER, f"{kind}-{report_key(kind=kind, data=data, paper=paper)}.pdf")
    cache = pdf.report_cache()
    if cache.mark_used(name):  # last used now: the cleanup keeps what is still asked for
        return ReportFile(name, filename, rendered=False)
    cache.save(name, ContentFile(render()))
    return ReportFile(name, filename, rendered=True)


@pdf.gc_paused()
def batch_report_render(*, batch: Batch, audience: str, paper: str = "a4", on_progress=_no_progress) -> ReportFile:
    """The batch report for the buyer or, leaving out gold-derived internals, for the vendor."""
    on_progress(5, "Reading the batch")
    data = report_selectors.batch_report(batch=batch, audience=audience)
    suffix = "" if audience == AUDIENCE_BUYER else "-vendor"
    return _cached(
        kind=f"batch-{audience}",
        data=data,
        paper=paper,
        filename=f"batch-{batch.pk}{suffix}-report.pdf",
        render=lambda: _render("reports/batch_report.html", data, _batch_charts(data, paper), paper, on_progress),
    )


def _render(template: str, data: dict, charts: tuple[pdf.ChartSet, dict], paper: str, on_progress) -> bytes:
    chart_set, drawn = charts
    on_progress(30, f"Drawing {len(chart_set)} charts and laying out the PDF")
    context = {**data, "charts": drawn, "generated_at": timezone.now()}
    return pdf.render_pdf(template=template, context=context, paper=paper, charts=chart_set)


def _batch_charts(data: dict, paper: str) -> tuple[pdf.ChartSet, dict]:
    chart_set, drawn = pdf.ChartSet(paper), {}
    if data.get("confusion"):
        confusion = data["confusion"]
        figure = figures.confusion_heatmap(labels=confusion["labels"], counts=confusion["counts"])
        drawn["confusion"] = chart_set.add(figure, share=0.8)
    rows = [
        {**a["accuracy"], "annotator": a["annotator"], "outlier": a["outlier"]}
        for a in data["annotators"]
        if a["accuracy"] and a["accuracy"]["value"] is not None and a["accuracy"]["n"] >= OUTLIER_MIN_GOLD
    ]
    if rows:
        lowest = sorted(rows, key=lambda r: (r["value"], -r["n"]))[:ANNOTATORS_CHARTED]
        reference = next((m["value"] for m in data["measures"] if m["label"] == "Accuracy against gold"), None)
        figure = figures.annotator_accuracy(rows=lowest, reference=reference)
        drawn["annotators"] = chart_set.add(figure)
        drawn["annotators_shown"] = len(lowest)
    return chart_set, drawn


@pdf.gc_paused()
def vendor_report_render(
    *,
    vendor: Vendor,
    user,
    audience: str = AUDIENCE_BUYER,
    paper: str = "a4",
    on_progress=_no_progress,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> ReportFile:
    """The vendor report: the buyer's dossier, or the vendor's copy without the buyer's internals.

    ``start``/``end`` limit it to the batches delivered in a period (both days included).
    """
    subject = {"vendor": vendor, "user": user, "audience": audience, "start": start, "end": end}
    suffix = "" if audience == AUDIENCE_BUYER else "-vendor"
    period = "".join(f"-{'from' if i == 0 else 'to'}-{day:%Y-%m-%d}" for i, day in enumerate((start, end)) if day)

    def render() -> bytes:
        on_progress(5, "Reading scorecard, contracts and batches")
        data = report_selectors.vendor_report(**subject)
        return _render("reports/vendor_report.html", data, _vendor_charts(data, paper), paper, on_progress)

    return _cached(
        kind="vendor" if audience == AUDIENCE_BUYER else f"vendor-{audience}",
        data=report_selectors.vendor_report_version(**subject),
        paper=paper,
        filename=f"vendor-{vendor.pk}{suffix}-report{period}.pdf",
        render=render,
    )


def _vendor_charts(data: dict, paper: str) -> tuple[pdf.ChartSet, dict]:
    chart_set, drawn = pdf.ChartSet(paper), {"compliance": {}, "defects": {}}
    scorecard = data["scorecard"]
    if scorecard:
        scores = {d["name"]: d["score"] for d in scorecard["dimensions"]}
        radar = figures.vendors_radar(vendors=[(data["vendor"]["name"], scores)])
        drawn["radar"] = chart_set.add(radar, share=0.62, height=330)
    for index, section in enumerate(data["compliance"]):
        terms = section["terms"]
        trends = figures.compliance_trends(
            accuracy=section["accuracy"],
            iaa=section["iaa"],
            accuracy_metric=section["accuracy_metric"],
            accuracy_unit=section["accuracy_unit"],
            accuracy_floor=terms["accuracy_floor"],
            iaa_coefficient=terms["iaa_coefficient"],
            iaa_min=section["iaa_min"],
            iaa_fail_below=section["iaa_fail_below"],
            decision_rule=section["decision_rule"],
        )
        drawn["compliance"][index] = [chart_set.add(figure, share=0.5, height=260) for _, _, figure in trends]
    for section in data["defect_rates"]:
        figure = figures.defect_rate_against_aql(
            points=section["points"], ceiling=section["ceiling"], aql=section["aql"]
        )
        drawn["defects"][section["task_type"]] = chart_set.add(figure, height=260)
    breaches = data["breaches"]
    if breaches and breaches["rows"]:
        drawn["breaches"] = chart_set.add(_breach_figure(breaches["rows"]), height=260)
    return chart_set, drawn


def _breach_figure(rows: list[dict]):
    """Breaches per month and term, by the one month rule of ``sla.credits``: the month the batch was delivered."""
    months = sorted({f"{r['credit_month']:%Y-%m}" for r in rows})
    terms = sorted({r["term_label"] for r in rows})
    tally = Counter((f"{r['credit_month']:%Y-%m}", r["term_label"]) for r in rows)
    series = [(term, [tally.get((month, term), 0) for month in months]) for term in terms]
    return figures.breaches_over_time(months=months, series=series)


# Jobs: reports asked for in the browser ---------------------------------------------------


def report_job_create(
    *,
    kind: str,
    obj,
    user,
    audience: str,
    paper: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    vendor_ids: list[int] | None = None,
) -> ReportJob:
    """Queue a report for a worker; the caller has already checked that ``user`` may read ``obj``.

    A comparison has no single object: ``obj`` is its first vendor and ``vendor_ids`` all of them.
    """
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {', '.join(PAPERS)}")
    job = ReportJob(
        kind=kind,
        object_id=obj.pk,
        vendor_ids=sorted(set(vendor_ids or [])),
        audience=audience,
        paper=paper,
        requested_by=user,
        period_start=start,
        period_end=end,
    )
    job.full_clean()
    job.save()
    _job_enqueue(job)
    return job


def _job_enqueue(job: ReportJob) -> None:
    """Queue the job once committed; with the broker down it stays queued for ``report_jobs_sweep``."""

    def queued() -> None:
        ReportJob.objects.filter(pk=job.pk).update(queued_at=timezone.now())

    enqueue_on_commit("reports.tasks.report_job_run", str(job.pk), on_queued=queued)


def report_jobs_sweep(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Queue again the jobs the broker never took; fail the ones a worker started and never finished.

    Uses the uploads' deadlines (``SWEEP_REQUEUE_AFTER``, ``SWEEP_STUCK_AFTER``: README,
    "Lost and stuck work"). Returns (queued again, failed).
    """
    now = now or timezone.now()
    requeue_before = now - dt.timedelta(seconds=settings.SWEEP_REQUEUE_AFTER)
    stuck_before = now - dt.timedelta(seconds=settings.SWEEP_STUCK_AFTER)
    lost = ReportJob.objects.filter(status=ReportJob.Status.QUEUED).filter(
        Q(queued_at__isnull=True, created_at__lt=requeue_before) | Q(queued_at__lt=stuck_before)
    )
    requeued = 0
    for job in lost:
        _job_enqueue(job)
        requeued += 1
    failed = ReportJob.objects.filter(status=ReportJob.Status.RENDERING, started_at__lt=stuck_before).update(
        status=ReportJob.Status.FAILED,
        error="The worker rendering this report was lost; ask for the report again.",
        finished_at=now,
    )
    return requeued, failed


def report_job_run(*, job_id) -> None:
    """Render a queued job, telling its page how far it got. Safe to run twice: only a queued job runs."""
    claimed = ReportJob.objects.filter(pk=job_id, status=ReportJob.Status.QUEUED).update(
        status=ReportJob.Status.RENDERING, stage="Starting", started_at=timezone.now()
    )
    if not claimed:
        return
    job = ReportJob.objects.select_related("requested_by").get(pk=job_id)

    def on_progress(percent: int, stage: str) -> None:
        ReportJob.objects.filter(pk=job.pk).update(progress=percent, stage=stage)

    try:
        report = _render_job(job, on_progress)
    except Exception as error:
        ReportJob.objects.filter(pk=job.pk).update(
            status=ReportJob.Status.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        raise
    ReportJob.objects.filter(pk=job.pk).update(
        status=ReportJob.Status.DONE,
        progress=100,
        stage="Ready",
        file_name=posixpath.basename(report.name),
        download_name=report.filename,
        finished_at=timezone.now(),
    )


def _render_job(job: ReportJob, on_progress) -> ReportFile:
    if job.kind == ReportJob.Kind.BATCH:
        batch = sla_selectors.batch_get(user=job.requested_by, pk=job.object_id)
        return batch_report_render(batch=batch, audience=job.audience, paper=job.paper, on_progress=on_progress)
    if job.kind == ReportJob.Kind.COMPARISON:
        return comparison_report_render(
            vendor_ids=job.vendor_ids, user=job.requested_by, paper=job.paper, on_progress=on_progress
        )
    vendor = report_selectors.vendor_report_subject(user=job.requested_by, pk=job.object_id)
    return vendor_report_render(
        vendor=vendor,
        user=job.requested_by,
        audience=job.audience,
        paper=job.paper,
        on_progress=on_progress,
        start=job.period_start,
        end=job.period_end,
    )


def report_job_file(*, job: ReportJob) -> ReportFile | None:
    """The finished job's file, or None while it renders (or if the cache was cleared since)."""
    if job.status != ReportJob.Status.DONE:
        return None
    name = posixpath.join(CACHE_FOLDER, job.file_name)
    return ReportFile(name, job.download_name, rendered=False) if pdf.report_cache().mark_used(name) else None


# Cleanup: the cache is content-addressed, so nothing else ever deletes from it -----------------


@dataclass(frozen=True)
class CacheCleanup:
    """What one cleanup deleted."""

    jobs: int
    reports: int
    charts: int


def report_cache_clean(*, now: dt.datetime | None = None) -> CacheCleanup:
    """Delete report jobs older than ``REPORT_CACHE_DAYS`` and cached files not used for as long.

    A file's modification time is its last use: a cache hit touches it (``_cached``,
    ``pdf.chart_svg``; in a bucket to within half a day, ``vendorscore.bucket``), so a
    report still downloaded every week stays however old its rendering is. A file a
    remaining job points to is kept whatever its time, so a progress page's download link
    never breaks while the job is listed. A report deleted here is simply rendered again
    the next time someone asks for it.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.REPORT_CACHE_DAYS)
    jobs, _ = ReportJob.objects.filter(created_at__lt=cutoff).delete()
    pointed_to = ReportJob.objects.exclude(file_name="").values_list("file_name", flat=True)
    kept = {posixpath.join(CACHE_FOLDER, name) for name in pointed_to}
    reports = _delete_unused(CACHE_FOLDER, ".pdf", before=cutoff, keep=kept)
    charts = _delete_unused(pdf.CHART_FOLDER, ".svg", before=cutoff, keep=set())
    # Leftovers of a local write interrupted by a crash (vendorscore.files.LocalCache) are never used.
    for folder in (CACHE_FOLDER, pdf.CHART_FOLDER):
        _delete_unused(folder, ".part", before=cutoff, keep=set())
    result = CacheCleanup(jobs=jobs, reports=reports, charts=charts)
    logger.info("report cache cleaned: %s", result)
    return result


def _delete_unused(folder: str, suffix: str, *, before: dt.datetime, keep: set[str]) -> int:
    """Delete the files of ``folder`` ending in ``suffix`` last used before ``before``, but those in ``keep``."""
    cache = pdf.report_cache()
    unused = [
        name
        for name, modified in cache.modified_times(folder)
        if name.endswith(suffix) and name not in keep and modified < before
    ]
    for name in unused:
        cache.delete(name)  # a file another worker's cleanup deleted first is no error
    return len(unused)


@pdf.gc_paused()
def comparison_report_render(*, vendor_ids: list[int], user, paper: str = "a4", on_progress=_no_progress) -> ReportFile:
    """Several vendors' scorecards and SLA records side by side, for a selection meeting."""
    on_progress(5, "Reading the scorecards and SLA records")
    data = report_selectors.comparison_report(user=user, vendor_ids=sorted(set(vendor_ids)))

    def render() -> bytes:
        chart_set, drawn = pdf.ChartSet(paper), {}
        if data["columns"]:
            bars = figures.vendors_bars(vendors=_by_dimension(data, "points"))
            drawn["bars"] = chart_set.add(bars)
            radar = figures.vendors_radar(vendors=_by_dimension(data, "score"))
            drawn["radar"] = chart_set.add(radar, share=0.75, height=400)
        return _render("reports/comparison_report.html", data, (chart_set, drawn), paper, on_progress)

    return _cached(kind="comparison", data=data, paper=paper, filename="vendor-comparison-report.pdf", render=render)


def _by_dimension(data: dict, key: str) -> list[tuple[str, dict]]:
    """Each vendor's ``key`` (points or score) by dimension, leaving out the dimensions it lacks."""
    return [
        (column["vendor"], {row["dimension"]: row["cells"][i][key] for row in data["rows"] if row["cells"][i]})
        for i, column in enumerate(data["columns"])
    ]


def credit_statement_render(*, statement: dict, paper: str = "a4") -> bytes:
    """The month's credit statement as PDF, to attach to an invoice dispute (rendered on request: it is small)."""
    context = {"statement": statement, "generated_at": timezone.now()}
    return pdf.render_pdf(template="reports/credit_statement.html", context=context, paper=paper)
