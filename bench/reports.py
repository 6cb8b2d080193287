"""Benchmark: the vendor report PDF with 4 charts and 200 batches, cold, warm and cached.

    uv run python bench/reports.py                 # 200 batches
    uv run python bench/reports.py --batches 500

It builds a throwaway SQLite database under a temporary folder (its own ``var/``): one
vendor with a scored evaluation and a certification, a contract with terms, and N checked
batches carrying a real metrics document and accuracy, IAA and defect-rate findings, so
the report draws its 4 charts (scorecard radar, accuracy and IAA trends, defect rate
against the AQL) and a batch table of N rows. Then it times:

- cold: the first report of the process, including Chromium's start for kaleido;
- warm: the same report again with the cache emptied (Chromium already running), and
  separately the time spent reading the data, drawing the charts and laying out the PDF;
- cached: asking again for the same content (a file read).

Target (issue 9): warm under 3 seconds.
"""

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET_SECONDS = 3.0


def _django(var_dir: Path) -> None:
    os.environ["VENDORSCORE_VAR_DIR"] = str(var_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vendorscore.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _populate(batches: int):
    from django.utils import timezone

    from sla.metrics import compute_metrics
    from sla.models import Batch, CheckRun, Finding
    from sla.simulate import DeliverySpec, simulate_delivery
    from tests.factories import (
        CertificationFactory,
        ContractFactory,
        EvaluationFactory,
        TaskTypeFactory,
        TermsFactory,
        UserFactory,
        VendorFactory,
        default_template,
        score_all,
    )

    lead = UserFactory(username="bench-lead", role="procurement_lead")
    vendor = VendorFactory(name="Bench Annotation Ltd")
    evaluation = EvaluationFactory(vendor=vendor, template=default_template())
    score_all(evaluation, lead, value=lambda criterion: 2 + criterion.pk % 4)
    CertificationFactory(vendor=vendor)
    task_type = TaskTypeFactory()
    start = timezone.now() - dt.timedelta(days=batches)
    contract = ContractFactory(vendor=vendor, start_date=start.date() - dt.timedelta(days=1))
    terms = TermsFactory(contract=contract, task_type=task_type, aql=0.65, iaa_coefficient="fleiss_kappa")
    delivery = simulate_delivery(DeliverySpec(items=1000, seed=3))
    document = compute_metrics(delivery.annotations, gold=delivery.gold, claimed_accuracy=0.93, seed=3)
    rows = Batch.objects.bulk_create(
        Batch(
            contract=contract,
            task_type=task_type,
            file=f"uploads/bench-{i}.csv",
            original_name=f"bench-{i}.csv",
            sha256=f"{i:064x}",
            size=100_000,
            status="evaluated",
            verdict="accepted" if i % 5 else "rejected",
            reference=f"bench-{i:04d}",
            delivered_at=start + dt.timedelta(days=i),
            rows=document["rows"],
            items=document["items"],
            annotators=document["annotators"],
            metrics=document,
            terms_version=terms,
        )
        for i in range(batches)
    )
    runs = CheckRun.objects.bulk_create(CheckRun(batch=b, terms=terms, verdict=b.verdict) for b in rows)
    findings = []
    for index, run in enumerate(runs):
        accuracy = 0.88 + (index % 9) / 100
        for term, measured, threshold in (
            ("accuracy", accuracy, 0.9),
            ("iaa", 0.7 + (index % 7) / 50, 0.78),
            ("defect_rate", 0.004 + (index % 6) / 500, 0.01),
        ):
            findings.append(
                Finding(
                    check_run=run,
                    term=term,
                    verdict="pass" if measured >= threshold or term == "defect_rate" else "fail",
                    measured=measured,
                    threshold=threshold,
                    ci_low=measured * 0.97,
                    ci_high=min(1.0, measured * 1.03),
                    n=300,
                    detail=f"{term} measured {measured:.4f}.",
                )
            )
    Finding.objects.bulk_create(findings)
    return vendor, lead


def _time(function) -> tuple[float, object]:
    began = time.perf_counter()
    result = function()
    return time.perf_counter() - began, result


def _phases(vendor, lead) -> tuple[float, float, float, int]:
    """Reading the data, drawing the charts and laying out the PDF, timed one after the other."""
    from reports import pdf, services
    from reports import selectors as report_selectors

    data_s, data = _time(lambda: report_selectors.vendor_report(vendor=vendor, user=lead))
    chart_set, figures = services._vendor_charts(data, "a4")
    charts_s, _ = _time(chart_set.draw)
    context = {**data, "charts": figures}
    layout_s, _ = _time(
        lambda: pdf.render_pdf(template="reports/vendor_report.html", context=context, paper="a4", charts=chart_set)
    )
    return data_s, charts_s, layout_s, len(chart_set)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="vendorscore-bench-reports-"))
    try:
        _django(var_dir)
        from django.conf import settings

        from reports import services

        vendor, lead = _populate(args.batches)
        cache = Path(settings.MEDIA_ROOT) / "reports"
        cold, report = _time(lambda: services.vendor_report_render(vendor=vendor, user=lead))
        assert report.rendered
        warm, phases = [], []
        for _ in range(args.repeat):
            shutil.rmtree(cache, ignore_errors=True)
            seconds, report = _time(lambda: services.vendor_report_render(vendor=vendor, user=lead))
            assert report.rendered
            warm.append(seconds)
            phases.append(_phases(vendor, lead))
        cached, report = _time(lambda: services.vendor_report_render(vendor=vendor, user=lead))
        assert not report.rendered
        charts = phases[0][3]
        from pypdf import PdfReader

        pages = len(PdfReader(report.path).pages)
        median = statistics.median(warm)
        size = report.path.stat().st_size
        print(f"vendor report: {args.batches} batches, {charts} charts, {pages} pages, {size:,} bytes")
        print(f"  cold (Chromium start included): {cold:6.2f} s")
        print(f"  warm, median of {args.repeat}:         {median:6.2f} s  (min {min(warm):.2f}, max {max(warm):.2f})")
        print("    of which (measured separately):")
        for name, index in (("data (queries)", 0), ("charts (kaleido SVG)", 1), ("layout (WeasyPrint)", 2)):
            print(f"      {name:22s} {statistics.median(p[index] for p in phases):6.2f} s")
        print(f"  cached (same content):          {cached * 1000:6.1f} ms")
        print(f"  target warm < {TARGET_SECONDS:.0f} s: {'met' if median < TARGET_SECONDS else 'NOT met'}")
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
