"""Benchmark: the full intake of a delivery against a raw PostgreSQL ``COPY`` of the same file.

    uv run python bench/ingest.py                  # 1,000,000 and 10,000,000 rows
    uv run python bench/ingest.py --rows 1000000   # one size
    uv run python bench/ingest.py --repeat 5       # runs of each phase (default 3), medians compared

For each size it generates a realistic CSV delivery (sla.simulate: 10% of items double or
triple annotated, a pre-labeled queue, timestamps), then, in separate processes so peak
memory is each phase's own:

- raw COPY: the file streamed by ``COPY ... FROM STDIN (FORMAT csv)`` into a bare table
  with the file's columns, no index, no validation;
- intake: what a worker does with a delivery: read in chunks, validate every cell,
  check duplicates across the file, and store the rows with ``COPY`` in one transaction
  (``sla.services.intake.annotations_store``), rolled back afterwards;
- metrics: the engine's mergeable statistics for the same chunks and the metrics document.

Each intake is rolled back, which leaves its rows behind as dead tuples; the annotation
table is vacuumed before each timed intake, so every run writes into a clean table as
the raw COPY does, not into the debris of the previous run.

Targets (issue 4): intake <= 2 x raw COPY; peak memory < 1.5 GB at 10 million rows.
Needs PostgreSQL: ``DATABASE_URL`` (default postgres://postgres@127.0.0.1:5432/vendorscore_bench).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/vendorscore_bench"
FILE_COLUMNS = ["item_id", "annotator_id", "label", "queue", "prelabel", "annotated_at"]
LABELS = ("negative", "neutral", "positive", "mixed", "off_topic", "spam", "question", "complaint")


def generate(rows: int, path: Path) -> None:
    """Write a simulated delivery of about ``rows`` rows as CSV (in pieces, to bound memory)."""
    from sla.simulate import DeliverySpec, simulate_delivery

    items_per_piece = 500_000
    pieces = max(1, round(rows / 1.13 / items_per_piece))
    with path.open("w") as out:
        for piece in range(pieces):
            spec = DeliverySpec(
                items=items_per_piece if rows >= items_per_piece else round(rows / 1.13),
                labels=LABELS,
                annotators=400,
                seed=piece,
            )
            frame = simulate_delivery(spec).annotations
            frame.to_csv(out, index=False, header=piece == 0, date_format="%Y-%m-%dT%H:%M:%SZ")


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vendorscore.settings")
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    import django

    django.setup()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_copy(path: Path) -> dict:
    _django()
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_copy")
        cursor.execute(
            "CREATE TABLE bench_raw_copy (item_id text, annotator_id text, label text, "
            "queue text, prelabel text, annotated_at timestamptz)"
        )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        with (
            cursor.cursor.copy("COPY bench_raw_copy FROM STDIN (FORMAT csv, HEADER true)") as copy,
            path.open("rb") as f,
        ):
            while block := f.read(8 * 1024 * 1024):
                copy.write(block)
        seconds = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM bench_raw_copy")
        rows = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_raw_copy")
    return {"seconds": seconds, "rows": rows, "peak_mb": _peak_mb()}


def _bench_batch(path: Path):
    from django.core.files import File

    from sla import services
    from sla.models import Batch, TaskType
    from vendorscore.models import Vendor

    vendor = Vendor.objects.filter(name="Bench vendor").first() or Vendor.objects.create(
        name="Bench vendor", workforce_model="crowdsourced"
    )
    task_type = TaskType.objects.filter(name="bench-sentiment").first() or services.task_type_create(
        name="bench-sentiment", labels=list(LABELS)
    )
    contract = vendor.contracts.first() or services.contract_create(
        vendor=vendor, title="Bench contract", start_date="2026-01-01", unit_price="0.05"
    )
    if not contract.terms.exists():
        services.terms_create(contract=contract, task_type=task_type, effective_from="2026-01-01", iaa_min=0.8)
    Batch.objects.filter(contract=contract).delete()
    with path.open("rb") as handle:
        return services.batch_receive(
            contract=contract,
            task_type=task_type,
            upload=File(handle, name=path.name),
            user=None,
            queue_processing=False,
        ).upload


def _vacuum_annotations() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM sla_annotation")


def phase_intake(path: Path) -> dict:
    _django()
    from django.db import transaction

    from sla.services.intake import ChunkStatistics, annotations_store

    batch = _bench_batch(path)
    _vacuum_annotations()
    started = time.perf_counter()
    with transaction.atomic():
        reader = annotations_store(batch)
        seconds = time.perf_counter() - started
        from sla.models import Annotation

        stored = Annotation.objects.filter(batch=batch).count()
        transaction.set_rollback(True)
    peak_intake = _peak_mb()
    statistics = ChunkStatistics(batch)
    _vacuum_annotations()
    started = time.perf_counter()
    with transaction.atomic():
        annotations_store(batch, on_chunk=statistics.add)
        transaction.set_rollback(True)
    document = statistics.merged().document(seed=1)
    with_metrics = time.perf_counter() - started
    batch.file.delete(save=False)
    batch.delete()
    return {
        "seconds": seconds,
        "rows": reader.rows,
        "stored": stored,
        "errors": reader.error_count,
        "peak_mb": peak_intake,
        "with_metrics_seconds": with_metrics,
        "peak_with_metrics_mb": _peak_mb(),
        "kappa": document["agreement"]["cohen_kappa"]["value"],
    }


def run_phase(name: str, path: Path) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--phase", name, "--file", str(path)], capture_output=True, text=True, cwd=ROOT
    )
    if result.returncode != 0:
        raise SystemExit(f"{name} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def bench(rows: int, workdir: Path, repeat: int) -> None:
    """Time raw COPY and intake ``repeat`` times each, alternating, and compare their medians.

    Alternating spreads whatever else the machine does over both; the median of each is
    compared, and the best of each is printed beside it.
    """
    path = workdir / f"delivery-{rows}.csv"
    if not path.exists():
        started = time.perf_counter()
        generate(rows, path)
        print(f"generated {path} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s")
    runs = [(run_phase("copy", path), run_phase("intake", path)) for _ in range(repeat)]
    raws, intakes = [raw for raw, _ in runs], [intake for _, intake in runs]
    raw, intake = _median_run(raws), _median_run(intakes)
    ratio = intake["seconds"] / raw["seconds"]
    best = min(run["seconds"] for run in intakes) / min(run["seconds"] for run in raws)
    print(f"\n{raw['rows']:,} rows ({path.stat().st_size / 1e6:.0f} MB CSV), median of {repeat} runs (all runs)")
    print(f"  raw COPY into a bare table      {raw['seconds']:8.2f} s   peak {raw['peak_mb']:7.0f} MB   {_all(raws)}")
    print(
        f"  intake (parse, validate, store) {intake['seconds']:8.2f} s   peak {intake['peak_mb']:7.0f} MB   "
        f"{_all(intakes)}   ({intake['stored']:,} rows stored, {intake['errors']} errors)"
    )
    print(
        f"  intake + metrics statistics     {intake['with_metrics_seconds']:8.2f} s   peak "
        f"{intake['peak_with_metrics_mb']:7.0f} MB"
    )
    print(
        f"  intake / raw COPY = {ratio:.2f} (medians), {best:.2f} (bests)  "
        f"(target <= 2.00: {'met' if ratio <= 2 else 'MISSED'})"
    )
    if rows >= 10_000_000:
        peak = max(run["peak_mb"] for run in intakes)
        print(f"  peak memory target < 1500 MB: {'met' if peak < 1500 else 'MISSED'} (largest {peak:.0f} MB)")


def _median_run(runs: list[dict]) -> dict:
    return sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2]


def _all(runs: list[dict]) -> str:
    return "[" + ", ".join(f"{run['seconds']:.2f}" for run in runs) + "]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, action="append", help="rows per delivery (repeatable)")
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each phase (default 3)")
    parser.add_argument("--phase", choices=["copy", "intake"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps({"copy": phase_copy, "intake": phase_intake}[args.phase](args.file)))
        return
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    _ensure_database()
    args.workdir.mkdir(parents=True, exist_ok=True)
    for rows in args.rows or [1_000_000, 10_000_000]:
        bench(rows, args.workdir, args.repeat)


def _ensure_database() -> None:
    """Create the bench database if missing and migrate it."""
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
