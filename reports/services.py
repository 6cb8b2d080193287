"""Render report PDFs, once per content: the cache key is a hash of the report's data.

Asking twice for the same report renders it once. The key covers the data the report
shows (see ``reports/selectors.py``), the audience, the paper size and the layout version,
and nothing else, so a new finding, a corrected score or a new batch changes the key and
the next request renders afresh, while a second download is a file read. The vendor report
hashes its data's version instead (``selectors.vendor_report_version``: aggregates, so a
cached download does not build the data of hundreds of batches to find its file). Files
live under ``MEDIA_ROOT/reports/`` so every web process and worker shares them.
"""

import datetime as dt
import hashlib
import json
import logging
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from reports import charts, pdf
from reports import selectors as report_selectors
from reports.constants import AUDIENCE_BUYER, PAPERS, REPORT_LAYOUT_VERSION
from reports.models import ReportJob
from sla.models import Batch
from sla.visibility import OUTLIER_MIN_GOLD
from vendorscore.broker import delay_on_commit
from vendorscore.models import Vendor

logger = logging.getLogger(__name__)

ANNOTATORS_CHARTED = 30


@dataclass(frozen=True)
class ReportFile:
    """A rendered report: where it is, what to call it, and whether this request rendered it."""

    path: Path
    filename: str
    rendered: bool

    def read(self) -> bytes:
        return self.path.read_bytes()


def report_key(*, kind: str, data: dict, paper: str) -> str:
    payload = {"kind": kind, "paper": paper, "layout": REPORT_LAYOUT_VERSION, "data": data}
    encoded = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


def _cache_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _no_progress(percent: int, stage: str) -> None:
    """The default progress callback: synchronous callers have nobody to tell."""


def _cached(*, kind: str, data: dict, paper: str, filename: str, render) -> ReportFile:
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {', '.join(PAPERS)}")
    path = _cache_dir() / f"{kind}-{report_key(kind=kind, data=data, paper=paper)}.pdf"
    if path.exists():
        os.utime(path)  # last used now: the cleanup keeps what is still asked for
        return ReportFile(path, filename, rendered=False)
    pdf.write_atomically(path, render())
    return ReportFile(path, filename, rendered=True)


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
    chart_set, figures = charts
    on_progress(30, f"Drawing {len(chart_set)} charts and laying out the PDF")
    context = {**data, "charts": figures, "generated_at": timezone.now()}
    return pdf.render_pdf(template=template, context=context, paper=paper, charts=chart_set)


def _batch_charts(data: dict, paper: str) -> tuple[pdf.ChartSet, dict]:
    chart_set, figures = pdf.ChartSet(paper), {}
    if data.get("confusion"):
        confusion = data["confusion"]
        figure = charts.confusion_heatmap(labels=confusion["labels"], counts=confusion["counts"])
        figures["confusion"] = chart_set.add(figure, share=0.8)
    rows = [
        {**a["accuracy"], "annotator": a["annotator"], "outlier": a["outlier"]}
        for a in data["annotators"]
        if a["accuracy"] and a["accuracy"]["value"] is not None and a["accuracy"]["n"] >= OUTLIER_MIN_GOLD
    ]
    if rows:
        lowest = sorted(rows, key=lambda r: (r["value"], -r["n"]))[:ANNOTATORS_CHARTED]
        reference = next((m["value"] for m in data["measures"] if m["label"] == "Accuracy against gold"), None)
        figure = charts.annotator_accuracy(rows=lowest, reference=reference)
        figures["annotators"] = chart_set.add(figure)
        figures["annotators_shown"] = len(lowest)
    return chart_set, figures


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
    chart_set, figures = pdf.ChartSet(paper), {"compliance": {}, "defects": {}}
    scorecard = data["scorecard"]
    if scorecard:
        radar = charts.scorecard_radar(
            dimensions=[d["name"] for d in scorecard["dimensions"]],
            series=[(data["vendor"]["name"], [d["score"] for d in scorecard["dimensions"]])],
        )
        figures["radar"] = chart_set.add(radar, share=0.62, height=330)
    for index, section in enumerate(data["compliance"]):
        terms = section["terms"]
        images = []
        if section["accuracy"] and terms["accuracy_floor"] is not None:
            title = f"{section['accuracy_metric']} against gold"
            figure = charts.compliance_trend(
                measure=title,
                points=section["accuracy"],
                thresholds=[("floor", terms["accuracy_floor"])],
                unit=section["accuracy_unit"],
                rule=section["decision_rule"],
            )
            images.append(chart_set.add(figure, share=0.5, height=260))
        lines = [(n, v) for n, v in (("target", section["iaa_min"]), ("fails below", section["iaa_fail_below"])) if v]
        if section["iaa"] and lines:
            figure = charts.compliance_trend(
                measure=terms["iaa_coefficient"], points=section["iaa"], thresholds=lines, rule=section["decision_rule"]
            )
            images.append(chart_set.add(figure, share=0.5, height=260))
        figures["compliance"][index] = images
    for section in data["defect_rates"]:
        figure = charts.defect_rate_against_aql(
            points=section["points"], ceiling=section["ceiling"], aql=section["aql"]
        )
        figures["defects"][section["task_type"]] = chart_set.add(figure, height=260)
    breaches = data["breaches"]
    if breaches and breaches["rows"]:
        figures["breaches"] = chart_set.add(_breach_figure(breaches["rows"]), height=260)
    return chart_set, figures


def _breach_figure(rows: list[dict]):
    """Breaches per month and term, by the one month rule of ``sla.credits``: the month the batch was delivered."""
    months = sorted({f"{r['credit_month']:%Y-%m}" for r in rows})
    terms = sorted({r["term_label"] for r in rows})
    tally = Counter((f"{r['credit_month']:%Y-%m}", r["term_label"]) for r in rows)
    series = [(term, [tally.get((month, term), 0) for month in months]) for term in terms]
    return charts.breaches_over_time(months=months, series=series)


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
    from reports import tasks  # the tasks module imports this one

    def queued() -> None:
        ReportJob.objects.filter(pk=job.pk).update(queued_at=timezone.now())

    delay_on_commit(tasks.report_job_run, str(job.pk), on_queued=queued)


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
        with transaction.atomic():
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
        file_name=report.path.name,
        download_name=report.filename,
        finished_at=timezone.now(),
    )


def _render_job(job: ReportJob, on_progress) -> ReportFile:
    if job.kind == ReportJob.Kind.BATCH:
        batch = Batch.objects.select_related("contract__vendor", "task_type", "terms_version").get(pk=job.object_id)
        return batch_report_render(batch=batch, audience=job.audience, paper=job.paper, on_progress=on_progress)
    if job.kind == ReportJob.Kind.COMPARISON:
        return comparison_report_render(
            vendor_ids=job.vendor_ids, user=job.requested_by, paper=job.paper, on_progress=on_progress
        )
    vendor = Vendor.objects.get(pk=job.object_id)
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
    path = _cache_dir() / job.file_name
    return ReportFile(path, job.download_name, rendered=False) if path.exists() else None


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
    ``pdf.chart_svg``), so a report still downloaded every week stays however old its
    rendering is. A file a remaining job points to is kept whatever its time, so a progress
    page's download link never breaks while the job is listed. A report deleted here is
    simply rendered again the next time someone asks for it.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.REPORT_CACHE_DAYS)
    jobs, _ = ReportJob.objects.filter(created_at__lt=cutoff).delete()
    kept = set(ReportJob.objects.exclude(file_name="").values_list("file_name", flat=True))
    folder = _cache_dir()
    reports = _delete_unused(folder.glob("*.pdf"), before=cutoff, keep=kept)
    charts = _delete_unused(pdf.chart_cache_dir().glob("*.svg"), before=cutoff, keep=set())
    # Leftovers of a write interrupted by a crash (pdf.write_atomically) are never used.
    _delete_unused([*folder.glob("*.part"), *pdf.chart_cache_dir().glob("*.part")], before=cutoff, keep=set())
    result = CacheCleanup(jobs=jobs, reports=reports, charts=charts)
    logger.info("report cache cleaned: %s", result)
    return result


def _delete_unused(paths, *, before: dt.datetime, keep: set[str]) -> int:
    deleted = 0
    for path in paths:
        try:
            if path.name in keep or path.stat().st_mtime >= before.timestamp():
                continue
            path.unlink()
        except FileNotFoundError:  # another worker's cleanup got there first
            continue
        deleted += 1
    return deleted


@pdf.gc_paused()
def comparison_report_render(*, vendor_ids: list[int], user, paper: str = "a4", on_progress=_no_progress) -> ReportFile:
    """Several vendors' scorecards and SLA records side by side, for a selection meeting."""
    on_progress(5, "Reading the scorecards and SLA records")
    data = report_selectors.comparison_report(user=user, vendor_ids=sorted(set(vendor_ids)))

    def render() -> bytes:
        chart_set, figures = pdf.ChartSet(paper), {}
        if data["columns"]:
            names = [row["dimension"] for row in data["rows"]]
            points = [(c["vendor"], _column(data, i, "points")) for i, c in enumerate(data["columns"])]
            scores = [(c["vendor"], _column(data, i, "score")) for i, c in enumerate(data["columns"])]
            bars = charts.vendor_comparison_bars(dimensions=names, series=points)
            figures["bars"] = chart_set.add(bars)
            radar = charts.scorecard_radar(dimensions=names, series=scores)
            figures["radar"] = chart_set.add(radar, share=0.75, height=400)
        return _render("reports/comparison_report.html", data, (chart_set, figures), paper, on_progress)

    return _cached(kind="comparison", data=data, paper=paper, filename="vendor-comparison-report.pdf", render=render)


def _column(data: dict, index: int, key: str) -> list:
    """One vendor's ``key`` (points or score) down the dimensions; None where it lacks the dimension."""
    return [row["cells"][index][key] if row["cells"][index] else None for row in data["rows"]]


def credit_statement_render(*, statement: dict, paper: str = "a4") -> bytes:
    """The month's credit statement as PDF, to attach to an invoice dispute (rendered on request: it is small)."""
    context = {"statement": statement, "generated_at": timezone.now()}
    return pdf.render_pdf(template="reports/credit_statement.html", context=context, paper=paper)
