"""Benchmark: the pages that matter most on a big portfolio (issue 20), on PostgreSQL.

    uv run python bench/portfolio.py                      # 40 vendors, 5,000 batches, 20 million rows
    uv run python bench/portfolio.py --compare 1000       # and the query counts of a 1,000-batch portfolio
    uv run python bench/portfolio.py --keep --repeat 21   # reuse the built portfolio

It builds a portfolio in a scratch database (``DATABASE_URL``, default
postgres://postgres@127.0.0.1:5432/vs_h20_portfolio, dropped and created again unless
``--keep`` finds it populated): N vendors, each with a contract and terms, and their
batches spread over three years (the first vendor, the one timed, has ``--big-vendor``
of them, as the issue's 442-batch contract; the others share the rest), every one
evaluated with a real metrics document (the engine's, on simulated deliveries of 1,000
items), a check run with accuracy and IAA findings, and a breach for every rejected batch
(about half), a tenth of them escalated. Batches are written with ``bulk_create``; their
annotation rows (``--rows-per-batch``, 4,000: 20 million at 5,000 batches) go through the
intake's storage path (``sla.storage.rows_replace``: a ``COPY`` into each batch's partition),
each batch delivering 1,000 items of which 200 were in the batch before (redeliveries), by
40 annotators of its vendor. The build ends with ``ANALYZE``, as autovacuum would soon after a
real load (without statistics the planner probed every partition once per batch).

Then, signed in as a procurement lead through Django's test client (server time, no
network), it requests each page ``--repeat`` times after one warm-up and prints the
median, the 95th percentile and the query count: the dashboard, ``/batches/`` with
filters, a contract page with its trend charts, a vendor page, the breaches list (page and
API), an item's history across batches (``/batches/<id>/lineage/``: the page that reads
annotation rows across batches; no page lists an annotator across batches, and neither
API.md nor DESIGN.md asks for one), and the vendor report PDF, rendered afresh (PDF cache
emptied, charts from the SVG cache) and cached. ``--compare N`` builds a second portfolio
of N batches (database ``<name>_small``, in a child process) and prints both query counts
per page: they must not grow with the number of batches.

Targets (issue 20): pages under 300 ms at p95 with a query count that does not grow with the
number of batches; the report under 3 s warm, cached under 100 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/vs_h20_portfolio"
DOCUMENTS = 8  # distinct metrics documents, cycled over the batches
ITEMS = 1000  # items per batch, REDELIVERED of them from the batch before
REDELIVERED = 200
ANNOTATORS = 40  # per vendor


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
    # Timed as in production: no query log kept per request (the counts are captured all the same).
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-portfolio")
    os.environ.setdefault("STATIC_HASHED", "false")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _populate(vendors: int, batches: int, big_vendor: int, rows_per_batch: int) -> None:
    import numpy as np
    from django.db import transaction
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
    big_vendor = min(big_vendor, batches - (vendors - 1))
    others, extra = divmod(batches - big_vendor, max(vendors - 1, 1))
    for v in range(vendors):
        per_vendor = big_vendor if v == 0 else others + (v <= extra)
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
                    rows=rows_per_batch or document["rows"],
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
        if rows_per_batch:
            with transaction.atomic():
                _annotations(v, rows, rows_per_batch, rng)


def _analyze() -> None:
    """Planner statistics, as autovacuum would gather them soon after a real load."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _annotation_rows() -> int:
    """The rows of every batch's partition, from the planner's statistics.

    ``COUNT(*)`` over ``sla_annotation`` locks each of its thousands of partitions in one
    transaction, more than PostgreSQL's default lock table holds ("out of shared memory";
    see ``max_locks_per_transaction``).
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(c.reltuples), 0) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'sla_annotation'::regclass"
        )
        return int(cursor.fetchone()[0])


def _annotations(vendor_index: int, batches: list, rows_per_batch: int, rng) -> None:
    """Each batch's rows through the intake's storage path: a partition loaded by ``COPY``, then keyed."""
    import numpy as np
    import pyarrow as pa

    from sla.storage import rows_replace

    annotators = pa.array([f"v{vendor_index:02d}-annotator-{a:02d}" for a in range(ANNOTATORS)])
    labels = pa.array(["positive", "negative", "neutral"])
    row = pa.array(np.arange(1, rows_per_batch + 1, dtype=np.int64))
    for index, batch in enumerate(batches):
        first_item = index * (ITEMS - REDELIVERED)
        items = first_item + np.arange(rows_per_batch) % ITEMS
        data = pa.table(
            {
                "batch_id": pa.array(np.full(rows_per_batch, batch.pk, dtype=np.int64)),
                "row": row,
                "item_id": pa.array([f"item-{i:07d}" for i in range(first_item, first_item + ITEMS)]).take(
                    pa.array(items - first_item)
                ),
                "annotator_id": annotators.take(pa.array(rng.integers(0, ANNOTATORS, rows_per_batch))),
                "label": labels.take(pa.array(rng.integers(0, 3, rows_per_batch))),
            }
        )
        with rows_replace(
            table="sla_annotation", key_column="batch_id", key=batch.pk, primary_key=("batch_id", "row")
        ) as stream:
            stream.write(data)


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


def _pages(contract, vendor, lineage_batch, item: str) -> dict[str, str]:
    return {
        "dashboard /": "/",
        "/batches/?status=evaluated&verdict=rejected": "/batches/?status=evaluated&verdict=rejected",
        "/batches/?reference=v07": "/batches/?reference=v07",
        "/batches/?vendor=<timed>&delivered_after=...": f"/batches/?vendor={vendor.pk}&delivered_after=2020-01-01",
        "contract page /contracts/<timed>/": f"/contracts/{contract.pk}/",
        "vendor page /vendors/<timed>/": f"/vendors/{vendor.pk}/",
        "breaches /breaches/": "/breaches/",
        "breaches /breaches/?status=escalated": "/breaches/?status=escalated",
        "breaches API /api/v1/breaches/": "/api/v1/breaches/",
        "item history /batches/<id>/lineage/?item=": f"/batches/{lineage_batch.pk}/lineage/?item={item}",
    }


def _compare(url: str, options) -> dict[str, int]:
    """The query counts of a smaller portfolio, measured by a child process on its own database."""
    small = url + "_small"
    command = [sys.executable, __file__, "--batches", str(options.compare), "--vendors", str(options.vendors),
               "--big-vendor", str(options.big_vendor * options.compare // options.batches),
               "--rows-per-batch", str(options.rows_per_batch), "--repeat", "1", "--queries-only"]  # fmt: skip
    if options.keep:
        command.append("--keep")
    output = subprocess.run(
        command, env={**os.environ, "DATABASE_URL": small}, check=True, capture_output=True, text=True
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vendors", type=int, default=40)
    parser.add_argument("--batches", type=int, default=5000)
    parser.add_argument("--big-vendor", type=int, default=442, help="batches of the first vendor, the one timed")
    parser.add_argument("--rows-per-batch", type=int, default=4000, help="annotation rows per batch (0: none)")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--report-repeat", type=int, default=3)
    parser.add_argument("--compare", type=int, default=0, help="also count queries on a portfolio of this many batches")
    parser.add_argument("--keep", action="store_true", help="reuse a populated scratch database")
    parser.add_argument("--queries-only", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    var_dir = Path(tempfile.mkdtemp(prefix="vendorscore-bench-portfolio-"))
    try:
        _database(url, options.keep)
        _django(url, var_dir)
        from django.test import Client

        from sla.models import Annotation, Batch, Breach, Contract
        from vendorscore.models import User

        if not Batch.objects.exists():
            began = time.perf_counter()
            _populate(options.vendors, options.batches, options.big_vendor, options.rows_per_batch)
            _analyze()
            if not options.queries_only:
                print(f"portfolio built in {time.perf_counter() - began:.0f} s", flush=True)
        contract = Contract.objects.order_by("pk").first()
        vendor = contract.vendor
        lineage_batch = Batch.objects.filter(contract=contract).order_by("delivered_at")[10]
        item = Annotation.objects.filter(batch=lineage_batch).values_list("item_id", flat=True).first() or "item-0"
        client = Client()
        client.force_login(User.objects.get(username="bench-lead"))
        pages = _pages(contract, vendor, lineage_batch, item)
        if options.queries_only:
            print(json.dumps({name: _measure(client, path, 1)["queries"] for name, path in pages.items()}))
            return
        rows = _annotation_rows()
        print(f"portfolio: {Contract.objects.count()} vendors' contracts, {Batch.objects.count():,} batches "
              f"({Batch.objects.filter(contract=contract).count()} on the contract timed), {rows:,} annotation rows, "
              f"{Breach.objects.count():,} breaches ({Breach.objects.filter(status='escalated').count()} escalated); "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")  # fmt: skip
        from django.conf import settings

        print(f"server time over {options.repeat} runs after a warm-up (Django test client, DEBUG={settings.DEBUG}):")
        results = {}
        for name, path in pages.items():
            results[name] = _measure(client, path, options.repeat)
            print(_line(name, results[name]), flush=True)
        warm, cached = _report(client, f"/vendors/{vendor.pk}/report.pdf", options.report_repeat)
        print(_line(f"vendor report PDF, rendered ({options.report_repeat} runs)", warm))
        print(_line("vendor report PDF, cached", cached))
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")
        if options.compare:
            small = _compare(url, options)
            print(f"query counts, {options.compare:,} batches against {Batch.objects.count():,}:")
            for name, count in small.items():
                grows = "" if count == results[name]["queries"] else "  <- differs"
                print(f"  {name:44s} {count:3d} {results[name]['queries']:3d}{grows}")
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
