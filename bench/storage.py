"""Benchmark: a delivery parsed as it streams from an S3-compatible bucket, against the same file on local disk.

    uv run python bench/storage.py                        # 1,000,000 and 4,000,000 rows
    uv run python bench/storage.py --rows 500000 2000000  # other sizes

It starts moto's S3 server (a development dependency) on a free local port, writes a CSV
delivery of each size (``item_id, annotator_id, label``, three annotators per item), and
keeps it both under a temporary ``MEDIA_ROOT`` and in a bucket. Then, in a fresh process
per run, as a worker would, it opens the stored file with the storage's ``open_stream``
(``vendorscore.files``) and either reads it to its end ("read") or parses and validates it
with the intake's reader in chunks of ``INGEST_CHUNK_ROWS`` ("parse"), and prints the
seconds, the process's resident memory just before the file was opened, and its peak
while the file was read (the kernel's high-water mark, reset first). A bucket's stream
holds a megabyte of buffer whatever the file's size, so the "read" peak stays flat as the
file grows, and "parse" costs the same from the bucket as from the disk.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BUCKET = "vendorscore-bench"
NAME = "uploads/delivery.csv"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_S3_REGION_NAME": "us-east-1"}

CHILD = """
import gc, json, sys, time
from pathlib import Path
import django
django.setup()
from django.conf import settings
from django.core.files.storage import storages
from sla import ingest
from sla.services.intake import ingest_limits

mode, name = sys.argv[1], sys.argv[2]
storage = storages["default"]
storage.size(name)  # the bucket's client is set up once per process, not per file: not counted


def status_mb(field):
    line = next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith(field + ":"))
    return int(line.split()[1]) / 1024


gc.collect()
Path("/proc/self/clear_refs").write_text("5")  # the kernel's high-water mark starts again from here
before = status_mb("VmRSS")
start = time.perf_counter()
with storage.open_stream(name) as stream:
    if mode == "read":
        size = 0
        while block := stream.read(1024 * 1024):
            size += len(block)
        rows = None
    else:
        reader = ingest.iter_delivery(
            stream, filename="delivery.csv", labels=["negative", "neutral", "positive"],
            max_bytes=settings.MAX_UPLOAD_BYTES, chunk_rows=settings.INGEST_CHUNK_ROWS, limits=ingest_limits(),
        )
        rows = sum(chunk.table.num_rows for chunk in reader)
        assert reader.error_count == 0, reader.errors[:3]
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "before_mb": before, "peak_mb": status_mb("VmHWM"), "rows": rows}))
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _delivery(path: Path, rows: int) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    index = np.arange(rows)
    labels = np.array(["negative", "neutral", "positive"])[np.random.default_rng(7).integers(0, 3, rows)]
    table = pa.table(
        {
            "item_id": pa.array(np.char.add("item-", (index // 3).astype(str))),
            "annotator_id": pa.array(np.char.add("ann-", (index % 3).astype(str))),
            "label": pa.array(labels),
        }
    )
    pacsv.write_csv(table, str(path))


def _run(mode: str, env: dict) -> dict:
    command = [sys.executable, "-c", CHILD, mode, NAME]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 4_000_000])
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vendorscore-bench-storage-"))
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import boto3

        endpoint = f"http://127.0.0.1:{port}"
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                client.create_bucket(Bucket=BUCKET)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        base = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "vendorscore.settings",
            "VENDORSCORE_VAR_DIR": str(work / "var"),
            "MEDIA_ROOT": str(work / "media"),
            "LOG_LEVEL": "WARNING",
        }
        base.pop("DATABASE_URL", None)
        sources = {
            "disk": {**base, "VENDORSCORE_STORAGE": "local"},
            "bucket": {
                **base,
                **CREDENTIALS,
                "VENDORSCORE_STORAGE": "s3",
                "AWS_STORAGE_BUCKET_NAME": BUCKET,
                "AWS_S3_ENDPOINT_URL": endpoint,
            },
        }
        print(f"{'rows':>10} {'MB':>7}  {'source':6} {'mode':5} {'seconds':>8} {'RSS before':>11} {'peak reading':>14}")
        for rows in args.rows:
            local = work / "media" / NAME
            local.parent.mkdir(parents=True, exist_ok=True)
            _delivery(local, rows)
            client.upload_file(str(local), BUCKET, NAME)
            megabytes = local.stat().st_size / 1e6
            for source, env in sources.items():
                for mode in ("read", "parse"):
                    result = _run(mode, env)
                    if mode == "parse":
                        assert result["rows"] == rows, result
                    print(
                        f"{rows:>10,} {megabytes:>7.1f}  {source:6} {mode:5} {result['seconds']:>8.2f}"
                        f" {result['before_mb']:>8.1f} MB {result['peak_mb']:>11.1f} MB"
                    )
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
