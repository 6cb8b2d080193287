"""Benchmark: peak memory of a 100,000-row export of the batch list, CSV and XLSX, through the API view.

    uv run python bench/exports.py                  # 100,000 batches
    uv run python bench/exports.py --rows 20000     # a smaller run, to see the peak does not grow with rows

It builds a throwaway SQLite database under a temporary folder (its own ``var/``) with one
vendor, contract and task type and N evaluated batches, then asks
``GET /api/v1/batches/?format=csv`` and ``?format=xlsx`` as a procurement lead and reads
the response to its end, as a download does. For each format it prints the bytes written,
the seconds, and how far the process's resident memory rose above where it was before the
request (the kernel's high-water mark, reset first): the memory an export holds at once.
A streamed export keeps one chunk of the query (``sla.exports.ITERATOR_CHUNK`` rows) and
openpyxl's write-only buffer, so the growth does not depend on N: run it with two sizes.
"""

import argparse
import datetime as dt
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _django(var_dir: Path) -> None:
    os.environ["VENDORSCORE_VAR_DIR"] = str(var_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vendorscore.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _populate(count: int):
    from django.utils import timezone

    from sla.models import Batch
    from tests.factories import ContractFactory, TaskTypeFactory, TermsFactory, UserFactory, VendorFactory

    lead = UserFactory(username="bench-lead", role="procurement_lead")
    vendor = VendorFactory(name="Bench Annotation Ltd")
    task_type = TaskTypeFactory()
    start = timezone.now() - dt.timedelta(days=365)
    contract = ContractFactory(vendor=vendor, start_date=start.date(), time_zone="Europe/Lisbon")
    terms = TermsFactory(contract=contract, task_type=task_type)
    step = dt.timedelta(seconds=365 * 86400 / count)
    for offset in range(0, count, 10_000):
        Batch.objects.bulk_create(
            Batch(
                contract=contract,
                task_type=task_type,
                file=f"uploads/bench-{i}.csv",
                original_name=f"bench-{i}.csv",
                sha256=f"{i:064x}",
                size=100_000,
                status="evaluated",
                verdict="accepted" if i % 5 else "rejected",
                reference=f"=bench-{i:06d}" if i % 1000 == 0 else f"bench-{i:06d}",
                delivered_at=start + step * i,
                rows=1200,
                items=1000,
                annotators=14,
                terms_version=terms,
            )
            for i in range(offset, min(count, offset + 10_000))
        )
    return lead


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _export(client, fmt: str) -> tuple[int, float, float, float]:
    """(bytes, seconds, RSS before in MB, peak RSS growth in MB) of one export read to its end.

    The same export of no row is asked first, so the imports and caches of a first request
    are not counted; then the kernel's high-water mark of resident memory is reset
    (``/proc/self/clear_refs``) and read again after the last byte.
    """
    client.get("/api/v1/batches/", {"format": fmt, "reference": "no such batch"}).getvalue()
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")
    before = _status_kb("VmRSS")
    began = time.perf_counter()
    response = client.get("/api/v1/batches/", {"format": fmt})
    size = sum(len(part) for part in response)
    seconds = time.perf_counter() - began
    assert response.status_code == 200, response.status_code
    return size, seconds, before / 1024, (_status_kb("VmHWM") - before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vendorscore-bench-exports-") as folder:
        _django(Path(folder))
        from rest_framework.test import APIClient

        print(f"populating {args.rows:,} batches ...", flush=True)
        lead = _populate(args.rows)
        client = APIClient()
        client.force_authenticate(lead)
        print(f"{'format':<6} {'rows':>9} {'MB out':>8} {'seconds':>8} {'RSS before MB':>14} {'peak growth MB':>15}")
        for fmt in ("csv", "xlsx"):
            size, seconds, before, growth = _export(client, fmt)
            line = f"{fmt:<6} {args.rows:>9,} {size / 2**20:>8.1f} {seconds:>8.1f} {before:>14.1f} {growth:>15.1f}"
            print(line, flush=True)


if __name__ == "__main__":
    main()
