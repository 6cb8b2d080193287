"""Benchmark: one big delivery on one and on two Celery workers, and the memory a worker needs.

    uv run python bench/scale.py                          # 10,000,000 rows: one pass, 1 and 2 workers
    uv run python bench/scale.py --rows 1000000           # a smaller delivery
    uv run python bench/scale.py --rows 1000000 --rows 5000000 --rows 10000000 --runs one-pass
                                                          # peak memory of one pass, as the file grows
    uv run python bench/scale.py --format parquet         # the same rows as Parquet (or csv.gz): fans out too

For each size it generates a realistic CSV delivery (``bench/ingest.py``'s generator),
converted, with ``--format``, to a gzipped CSV or to Parquet (a row group per block of
about a million rows, as pyarrow's writer leaves a big file),
receives it once as a batch of a bench contract whose terms have no thresholds, and
processes that same batch once per run, each time from scratch (its rows dropped, its
status back to received), through ``sla.tasks.batch_process`` sent to real worker
processes (``celery worker --pool=solo``: the worker process is the one that works) on
PostgreSQL and Redis:

- ``one-pass``: one worker, fan-out off (``INGEST_FANOUT_BYTES`` above the file's size):
  parse, validate, store and build the statistics in one task, then evaluate and check;
- ``1`` and ``2``: that many workers, fan-out on (chunks of ``--chunk-mb``): the chunk
  tasks go to whichever worker is free, the last one done merges.

It prints each run's wall time (from sending the task to the batch being evaluated), the
speed-up of 2 workers over 1, the peak resident memory of each worker process (VmHWM,
imports included), the CPU seconds of the workers, of PostgreSQL and of the whole machine
during the run (so the speed-up a machine's cores allow is measured, not guessed), and
checks that every run produced the same metrics document (one batch, so one bootstrap
seed). Targets (issue 20): 2 workers at least 1.6 x faster than 1 on 2 cores; a worker
under 1,500 MB at 10 million rows, flat as the file grows.

Needs PostgreSQL (``DATABASE_URL``, default postgres://postgres@127.0.0.1:5432/vendorscore_bench)
and Redis (``CELERY_BROKER_URL``, default redis://127.0.0.1:6379/14).
"""

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.ingest import DEFAULT_DATABASE_URL, LABELS, _ensure_database, generate  # noqa: E402

DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/14"
RUNS = ("one-pass", "1", "2")


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vendorscore.settings")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
    import django

    django.setup()


def bench_batch(path: Path):
    """The bench batch of this file (received once; its sha256 finds it again)."""
    from django.core.files import File

    from sla import services
    from sla.models import TaskType
    from vendorscore.models import Vendor

    name = f"Scale bench vendor {path.name}"  # one per file: no earlier batch for the check's lineage to read
    vendor = Vendor.objects.filter(name=name).first() or Vendor.objects.create(
        name=name, workforce_model="crowdsourced"
    )
    task_type = TaskType.objects.filter(name="bench-sentiment").first() or services.task_type_create(
        name="bench-sentiment", labels=list(LABELS)
    )
    contract = vendor.contracts.first() or services.contract_create(
        vendor=vendor, title="Scale bench contract", start_date="2026-01-01", unit_price="0.05"
    )
    if not contract.terms.exists():  # no thresholds: no breach, so a run can be undone
        services.terms_create(contract=contract, task_type=task_type, effective_from="2026-01-01")
    with path.open("rb") as handle:
        return services.batch_receive(
            contract=contract,
            task_type=task_type,
            upload=File(handle, name=path.name),
            user=None,
            queue_processing=False,
        ).upload


def batch_reset(batch) -> None:
    """The batch as received: its rows, staged chunks, checks and metrics gone."""
    from django.db import connection

    from sla.constants import BatchStatus
    from sla.models import Batch, CheckRun, ItemContent, QASample
    from sla.services.fanout import batch_chunks_discard
    from sla.storage import partition_name

    batch_chunks_discard(batch=batch)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {partition_name('sla_annotation', batch.pk)}")
    for model in (CheckRun, ItemContent, QASample):
        model.objects.filter(batch=batch).delete()
    Batch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.RECEIVED,
        attempts=0,
        failure="",
        metrics=None,
        verdict="",
        terms_version=None,
        chunks_total=0,
        chunks_done=0,
        started_at=None,
        processed_at=None,
        rows=0,
        errors=[],
        error_count=0,
    )


def start_workers(count: int, queue: str, *, fan_out: bool, chunk_bytes: int) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "INGEST_FANOUT_BYTES": "1" if fan_out else str(2**62),
        "INGEST_FANOUT_CHUNK_BYTES": str(chunk_bytes),
        "CELERY_TASK_SOFT_TIME_LIMIT": "3000",
        "CELERY_TASK_TIME_LIMIT": "3600",
    }
    workers = []
    for number in range(count):
        command = [sys.executable, "-m", "celery", "-A", "vendorscore", "worker", "--pool=solo", "-Q", queue]
        command += ["-n", f"scale{number}@{queue}", "--without-mingle", "--without-gossip", "--loglevel=INFO"]
        log = (ROOT / "var" / "bench" / f"worker-{queue}-{number}.log").open("w")  # each task's seconds, for a look
        workers.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
    return workers


def wait_ready(app, queue: str, count: int) -> None:
    names = [f"scale{number}@{queue}" for number in range(count)]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if len(app.control.ping(destination=names, timeout=1.0)) == count:
            return
    raise SystemExit("the workers did not start within 2 minutes")


def peak_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int, *, with_children: bool = False) -> float:
    """User and system CPU seconds a process has used (0 when it is gone), and its ended children's if asked."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    own = int(fields[11]) + int(fields[12])
    return (own + (int(fields[13]) + int(fields[14]) if with_children else 0)) / TICKS


def postgres_cpu_seconds() -> float:
    """CPU seconds used so far by PostgreSQL: its live processes, and the backends that ended.

    Django closes a worker's connection after each task, so each chunk's backend (which does
    its ``COPY``) has ended by the time the run does; its CPU is then the postmaster's
    children's, which ``with_children`` adds.
    """
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    total += cpu_seconds(int(entry.name), with_children=True)
            except (FileNotFoundError, ProcessLookupError):
                continue
    return total


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has been busy (all cores, every process), from /proc/stat."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / TICKS


def run(batch, name: str, chunk_bytes: int) -> dict:
    from sla.models import Batch
    from vendorscore.celery import app

    batch_reset(batch)
    queue = f"scale-{uuid.uuid4().hex[:8]}"
    count = 1 if name == "one-pass" else int(name)
    workers = start_workers(count, queue, fan_out=name != "one-pass", chunk_bytes=chunk_bytes)
    try:
        wait_ready(app, queue, count)
        cpu_before = [cpu_seconds(worker.pid) for worker in workers], postgres_cpu_seconds(), machine_busy_seconds()
        started = time.perf_counter()
        app.send_task("sla.tasks.batch_process", args=[batch.pk], queue=queue)
        while not (current := Batch.objects.get(pk=batch.pk)).is_final:
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        peaks = [peak_mb(worker.pid) for worker in workers]
        cpu = {
            "workers": sum(cpu_seconds(worker.pid) for worker in workers) - sum(cpu_before[0]),
            "postgres": postgres_cpu_seconds() - cpu_before[1],
            "machine": machine_busy_seconds() - cpu_before[2],
        }
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=60)
    if current.status != "evaluated":
        raise SystemExit(f"{name}: the batch ended {current.status}: {current.failure or current.errors[:3]}")
    return {
        "name": name,
        "seconds": seconds,
        "peaks": peaks,
        "cpu": cpu,
        "chunks": current.chunks_total,
        "rows": current.rows,
        "metrics": current.metrics,
    }


def delivery_file(rows: int, workdir: Path, kind: str) -> Path:
    """The bench delivery of about ``rows`` rows in that format, generated once and kept in ``workdir``."""
    csv_path = workdir / f"delivery-{rows}.csv"
    path = workdir / f"delivery-{rows}.{kind}"
    if not csv_path.exists():
        started = time.perf_counter()
        generate(rows, csv_path)
        print(f"generated {csv_path} ({csv_path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s")
    if not path.exists():
        started = time.perf_counter()
        CONVERTERS[kind](csv_path, path)
        print(f"converted it to {path} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s")
    return path


def gzipped(source: Path, target: Path) -> None:
    with source.open("rb") as plain, gzip.open(target, "wb", compresslevel=6) as packed:
        shutil.copyfileobj(plain, packed, 2**22)


def as_parquet(source: Path, target: Path) -> None:
    """One row group per block the CSV reader yields (64 MB of text: about a million rows)."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    reader = pacsv.open_csv(source, read_options=pacsv.ReadOptions(block_size=64 * 2**20))
    with pq.ParquetWriter(target, reader.schema) as writer:
        for block in reader:
            writer.write_batch(block)


CONVERTERS = {"csv": lambda source, target: None, "csv.gz": gzipped, "parquet": as_parquet}


def bench(rows: int, workdir: Path, runs: list[str], chunk_bytes: int, kind: str = "csv") -> None:
    path = delivery_file(rows, workdir, kind)
    batch = bench_batch(path)
    size = path.stat().st_size / 1e6
    print(f"\n{path.name} ({size:.0f} MB), chunks of {chunk_bytes / 2**20:.0f} MiB when fanned out", flush=True)
    results = []
    for name in runs:
        result = run(batch, name, chunk_bytes)
        results.append(result)
        label = "one pass, 1 worker" if result["name"] == "one-pass" else f"fan-out, {result['name']} worker(s)"
        chunks = f"{result['chunks']} chunks" if result["chunks"] else "no chunks"
        peaks = ", ".join(f"{peak:.0f}" for peak in result["peaks"])
        print(
            f"  {label:22} {result['seconds']:8.1f} s   {result['rows']:,} rows   {chunks:>10}   "
            f"peak RSS per worker: {peaks} MB",
            flush=True,
        )
        cpu = result["cpu"]
        print(
            f"  {'':22} CPU: workers {cpu['workers']:.1f} s, PostgreSQL {cpu['postgres']:.1f} s, "
            f"the whole machine {cpu['machine']:.1f} s = {cpu['machine'] / result['seconds']:.2f} of "
            f"{os.cpu_count()} cores busy on average",
            flush=True,
        )
    by_name = {result["name"]: result for result in results}
    if "1" in by_name and "2" in by_name:
        speedup = by_name["1"]["seconds"] / by_name["2"]["seconds"]
        print(
            f"  speed-up of 2 workers over 1: {speedup:.2f}x (target >= 1.6: {'met' if speedup >= 1.6 else 'MISSED'})"
        )
        one = by_name["1"]
        busy = one["cpu"]["machine"] / one["seconds"]
        print(
            f"  at most {os.cpu_count() / busy:.2f}x possible: 1 worker already keeps {busy:.2f} of "
            f"{os.cpu_count()} cores busy (itself, PostgreSQL's COPY and everything else on the machine)"
        )
    same = all(result["metrics"] == results[0]["metrics"] for result in results)
    print(f"  metrics documents equal across runs: {'yes' if same else 'NO'}")
    peak = max(max(result["peaks"]) for result in results)
    print(f"  largest worker peak: {peak:.0f} MB (target < 1500 MB: {'met' if peak < 1500 else 'MISSED'})")
    print(
        json.dumps(
            {"rows": results[0]["rows"], "runs": [{k: v for k, v in r.items() if k != "metrics"} for r in results]}
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, action="append", help="rows per delivery (repeatable; default 10,000,000)")
    parser.add_argument("--runs", default=",".join(RUNS), help=f"comma-separated, of {', '.join(RUNS)}")
    parser.add_argument("--chunk-mb", type=int, default=32, help="fan-out chunk size in MiB (default 32)")
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--format", choices=sorted(CONVERTERS), default="csv", help="the delivery's format")
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("CELERY_BROKER_URL", DEFAULT_BROKER_URL)
    _ensure_database()
    _django()
    args.workdir.mkdir(parents=True, exist_ok=True)
    runs = [name for name in args.runs.split(",") if name]
    for rows in args.rows or [10_000_000]:
        bench(rows, args.workdir, runs, args.chunk_mb * 2**20, args.format)


if __name__ == "__main__":
    main()
