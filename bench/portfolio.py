"""Benchmark: the pages that matter most on a big portfolio (issue 20), on PostgreSQL.

    uv run python bench/portfolio.py                      # 40 vendors, 5,000 batches
    uv run python bench/portfolio.py --vendors 40 --batches 5000 --repeat 9 --keep

It builds a portfolio in a scratch database (``DATABASE_URL``, default
postgres://postgres@127.0.0.1:5432/vs_h20_portfolio, dropped and created again unless
``--keep`` finds it populated): N vendors, each with a contract and terms, and their
batches spread over three years, every one evaluated with a real metrics document (the
engine's, on simulated deliveries of 1,000 items), a check run with accuracy and IAA
findings, and a breach for every rejected batch (about half), a tenth of them escalated.
Batches are written with ``bulk_create`` and carry no annotation rows: the pages timed
here read batches, findings and breaches, not rows (annotation history across batches is
not measured).

Then, signed in as a procurement lead through Django's test client (server time, no
network), it requests each page ``--repeat`` times after one warm-up and prints the
median, the 95th percentile and the query count: the dashboard, ``/batches/`` with
filters, a contract page with its trend charts, a vendor page, the breaches list (page and
API), and the vendor report PDF, rendered afresh (PDF cache emptied, charts from the SVG
cache) and cached. Targets (issue 20): pages under 300 ms at p95 with a query count that
does not grow with the number of batches; the report under 3 s warm, cached under 100 ms.
"""

from __future__ import annotations

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
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/vs_h20_portfolio"
DOCUMENTS = 8  # distinct metrics documents, cycled over the batches


def _database(url: str, keep: bool) -> None:
    """Create the scratch database (dropping an old one unless ``keep``)."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not keep:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        if not exists or not keep:
            connection.execute(f'CREATE DATABASE "{name}"')


def _django(url: str, var_dir: Path) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["VENDORSCORE_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vendorscore.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _populate(vendors: int, batches: int) -> None:
    import numpy as np
    from django.utils import timezone

    from sla.headline import headline_columns
    from sla.metrics import compute_metrics
    from sla.models import Batch, Breach, CheckRun, Finding
    from sla.simulate import DeliverySpec, simulate_delivery
    from tests.factories import ContractFactory, TaskTypeFactory, TermsFactory, UserFactory, VendorFactory

    rng = np.random.default_rng(20)
    UserFactory(username="bench-lead", role="procurement_lead")
    task_type = TaskTypeFactory()
    documents = []
    for seed in range(DOCUMENTS):
        delivery = simulate_delivery(DeliverySpec(items=1000, seed=seed))
        documents.append(compute_metrics(delivery.annotations, gold=delivery.gold, claimed_accuracy=0.93, seed=seed))
    now = timezone.now()
    start = now - dt.timedelta(days=3 * 365)
    per_vendor = batches // vendors
    for v in range(vendors):
        vendor = VendorFactory(name=f"Portfolio vendor {v:02d}")
        contract = ContractFactory(vendor=vendor, start_date=start.date() - dt.timedelta(days=1), unit_price="0.0500")
        terms = TermsFactory(contract=contract, task_type=task_type, iaa_coefficient="fleiss_kappa")
        offsets = np.sort(rng.uniform(0, (now - start).total_seconds() - 86_400, per_vendor))
        rows = []
        for i, offset in enumerate(offsets):
            document = documents[(v + i) % DOCUMENTS]
            rows.append(
                Batch(
                    contract=contract,
                    task_type=task_type,
                    file=f"uploads/portfolio-{v}-{i}.csv",
                    original_name=f"portfolio-{v}-{i}.csv",
                    sha256=f"{v:032x}{i:032x}",
                    size=100_000,
                    status="evaluated",
                    verdict="rejected" if rng.random() < 0.5 else "accepted",
                    reference=f"v{v:02d}-{i:04d}",
                    delivered_at=start + dt.timedelta(seconds=float(offset)),
                    rows=document["rows"],
                    items=document["items"],
                    annotators=document["annotators"],
                    metrics=document,
                    terms_version=terms,
                    **headline_columns(document),  # bulk_create skips Batch.save
                )
            )
        rows = Batch.objects.bulk_create(rows)
        runs = CheckRun.objects.bulk_create(CheckRun(batch=b, terms=terms, verdict=b.verdict) for b in rows)
        findings, breaches = [], []
        for batch, run in zip(rows, runs, strict=True):
            for term, measured, threshold in (("accuracy", batch.accuracy, 0.9), ("iaa", batch.fleiss_kappa, 0.7)):
                failed = batch.verdict == "rejected" and term == "iaa"
                findings.append(
                    Finding(
                        check_run=run,
                        term=term,
                        verdict="fail" if failed else "pass",
                        measured=measured,
                        threshold=threshold,
                        n=300,
                        detail=f"{term} measured.",
                    )  # fmt: skip
                )
            if batch.verdict == "rejected":
                opened = batch.delivered_at + dt.timedelta(hours=1)
                due = opened + dt.timedelta(days=7)
                late = due < now
                status = "escalated" if late and rng.random() < 0.12 else ("remediated" if late else "open")
                breaches.append(
                    Breach(
                        batch=batch,
                        term="iaa",
                        status=status,
                        severity="major",
                        opened_at=opened,
                        remediation_due=due,
                        credit_percent=10,
                        batch_value="50.00",
                        credit_full="5.00",
                        service_credit="5.00",
                        credit_month=opened.date().replace(day=1),
                        escalated_at=due if status == "escalated" else None,
                        closed_at=due if status == "remediated" else None,
                    )  # fmt: skip
                )
        Finding.objects.bulk_create(findings)
        Breach.objects.bulk_create(breaches)


def _measure(client, path: str, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(path)
    assert response.status_code == 200, f"{path}: {response.status_code}"
    times, queries = [], []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - began)
        assert response.status_code == 200, f"{path}: {response.status_code}"
        queries.append(len(captured))
    return {"times": times, "queries": max(queries), "bytes": len(_body(response))}


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _report(client, path: str, repeat: int) -> tuple[dict, dict]:
    """The vendor report rendered afresh each run (PDF cache emptied), then served from the cache."""
    from django.conf import settings

    def fresh():
        for pdf_file in (Path(settings.MEDIA_ROOT) / "reports").glob("**/*.pdf"):
            pdf_file.unlink()

    fresh()
    client.get(path)  # the first render of the process pays Chromium's start for the chart SVGs
    warm = []
    for _ in range(repeat):
        fresh()
        began = time.perf_counter()
        response = client.get(path)
        warm.append(time.perf_counter() - began)
        assert response.status_code == 200
    cached = _measure(client, path, repeat)
    return {"times": warm, "queries": None, "bytes": len(_body(response))}, cached


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[18] if len(times) > 1 else times[0]


def _line(name: str, result: dict) -> str:
    times = result["times"]
    queries = "" if result["queries"] is None else f"{result['queries']:3d} queries"
    return (
        f"  {name:44s} median {statistics.median(times) * 1000:7.0f} ms  p95 {_p95(times) * 1000:7.0f} ms  "
        f"{queries}  {result['bytes'] / 1024:7.0f} KiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vendors", type=int, default=40)
    parser.add_argument("--batches", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--report-repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="reuse a populated scratch database")
    options = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    var_dir = Path(tempfile.mkdtemp(prefix="vendorscore-bench-portfolio-"))
    try:
        _database(url, options.keep)
        _django(url, var_dir)
        from django.test import Client

        from sla.models import Batch, Breach, Contract
        from vendorscore.models import User

        if not Batch.objects.exists():
            began = time.perf_counter()
            _populate(options.vendors, options.batches)
            print(f"portfolio built in {time.perf_counter() - began:.0f} s")
        contract = Contract.objects.order_by("pk").first()
        vendor = contract.vendor
        print(f"portfolio: {Contract.objects.count()} vendors' contracts, {Batch.objects.count():,} batches "
              f"({Batch.objects.filter(contract=contract).count()} on the contract timed), "
              f"{Breach.objects.count():,} breaches ({Breach.objects.filter(status='escalated').count()} escalated); "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")  # fmt: skip
        client = Client()
        client.force_login(User.objects.get(username="bench-lead"))
        pages = {
            "dashboard /": "/",
            "/batches/?status=evaluated&verdict=rejected": "/batches/?status=evaluated&verdict=rejected",
            "/batches/?reference=v07": "/batches/?reference=v07",
            f"contract page /contracts/{contract.pk}/": f"/contracts/{contract.pk}/",
            f"vendor page /vendors/{vendor.pk}/": f"/vendors/{vendor.pk}/",
            "breaches /breaches/": "/breaches/",
            "breaches /breaches/?status=escalated": "/breaches/?status=escalated",
            "breaches API /api/v1/breaches/": "/api/v1/breaches/",
        }
        from django.conf import settings

        print(f"server time over {options.repeat} runs after a warm-up (Django test client, DEBUG={settings.DEBUG}):")
        for name, path in pages.items():
            print(_line(name, _measure(client, path, options.repeat)), flush=True)
        warm, cached = _report(client, f"/vendors/{vendor.pk}/report.pdf", options.report_repeat)
        print(_line(f"vendor report PDF, rendered ({options.report_repeat} runs)", warm))
        print(_line("vendor report PDF, cached", cached))
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
