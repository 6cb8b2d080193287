"""Load test (issue 20): gunicorn and two Celery workers on PostgreSQL and Redis under locust, then checked.

    uv run python bench/load/run.py                          # 50 users for 5 minutes
    uv run python bench/load/run.py --users 10 --minutes 1   # a short proof that it works

It builds a portfolio to browse in a scratch database (``DATABASE_URL``, default
postgres://postgres@127.0.0.1:5432/vendorscore_load, dropped and created again):
``--vendors`` vendors with ``--batches`` evaluated batches and their breaches, by
``bench/portfolio.py``'s builder, plus sign-ins for three procurement leads and one vendor
user per vendor. Then it starts gunicorn (``--web-workers``, DEBUG off) and two Celery
workers (``--pool=solo``, one task at a time each) on the broker ``CELERY_BROKER_URL``
(default redis://127.0.0.1:6379/0, flushed first), and runs ``bench/load/locustfile.py``
headless: ``--users`` users (four in five leads browsing, one in five vendors uploading
10,000-row deliveries through the API), started at ``--spawn-rate`` per second, for
``--minutes``. Once locust stops, it waits (up to ``--drain`` seconds) for every upload to
be judged and checks:

- no request failed (locust's count of failures, any status >= 400 or connection error);
- every page a lead opens has a 95th percentile under ``--p95-ms`` (500) ms;
- every upload was evaluated exactly once: one batch per reference, evaluated, with one check run.

It prints locust's table, the figures and each check, and exits 1 when a check fails.
Servers and workers it started are stopped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import csv
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/vendorscore_load"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/0"
PASSWORD = "load-test-password"
LEADS = ("load-lead-1", "load-lead-2", "load-lead-3")
FINAL = ("evaluated", "invalid", "failed")


def _environment(options, var_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", DEFAULT_BROKER_URL),
        "VENDORSCORE_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "vendorscore.settings",
        "DEBUG": "false",
        "SECRET_KEY": "load-test",
        "STATIC_HASHED": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        # Every simulated user signs in from 127.0.0.1 and the leads share three usernames: the
        # token throttle (issue 14) is per address and per username, so at its production rates
        # it would refuse the test's own sign-ins, which real users make from their own addresses.
        "TOKEN_RATE_PER_ADDRESS": "1000/min",
        "TOKEN_RATE_PER_USERNAME": "1000/min",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        "LOAD_PASSWORD": PASSWORD,
        "LOAD_LEADS": ",".join(LEADS),
        "LOAD_ROWS": str(options.rows),
        "LOAD_UPLOADS": str(var_dir / "uploads.csv"),
    }


def _prepare(options, env: dict[str, str]) -> list[str]:
    """A fresh database with a portfolio and the sign-ins; a flushed broker. Returns the vendor usernames."""
    import portfolio
    import redis

    os.environ.update(env)
    portfolio._database(env["DATABASE_URL"], keep=False)
    redis.Redis.from_url(env["CELERY_BROKER_URL"]).flushdb()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    portfolio._populate(options.vendors, options.batches, options.batches // options.vendors, rows_per_batch=0)
    portfolio._analyze()
    from vendorscore.models import Vendor

    for username in LEADS:
        call_command("add_user", username, role="procurement_lead", password=PASSWORD)
    vendors = []
    for vendor in Vendor.objects.order_by("pk"):
        username = f"load-vendor-{vendor.pk}"
        call_command("add_user", username, role="vendor", vendor=vendor.pk, password=PASSWORD)
        vendors.append(username)
    return vendors


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """A process in a session of its own, so stopping it stops its children (gunicorn's and celery's workers)."""
    return subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_for_server(url: str, web_workers: int, seconds: float = 120) -> None:
    """Until the login page answers, then a few more requests so every web worker has loaded the URL conf."""
    deadline, answered = time.monotonic() + seconds, 0
    while answered < 4 * web_workers:
        try:
            with urllib.request.urlopen(url + "/accounts/login/", timeout=30) as response:
                answered += response.status == 200
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def _drain(uploaded: list[tuple[int, str]], seconds: float) -> float:
    """Wait until every uploaded batch is judged (or ``seconds`` pass); returns the seconds waited."""
    from sla.models import Batch

    began = time.monotonic()
    ids = [batch for batch, _ in uploaded]
    while Batch.objects.filter(pk__in=ids).exclude(status__in=FINAL).exists() and time.monotonic() - began < seconds:
        time.sleep(2)
    return time.monotonic() - began


def _uploads(path: Path) -> list[tuple[int, str]]:
    if not path.exists():
        return []
    return [(int(batch), reference) for batch, reference in csv.reader(path.open())]


def _stats(prefix: Path) -> list[dict]:
    with open(f"{prefix}_stats.csv") as handle:
        return list(csv.DictReader(handle))


def _is_page(row: dict) -> bool:
    """A page a lead opens in the browser (not the API, not the sign-in)."""
    return row["Type"] == "GET" and not row["Name"].startswith(("/api/", "/accounts/"))


def _check_uploads(uploaded: list[tuple[int, str]]) -> list[str]:
    """Problems with "every upload evaluated exactly once", one line each (none when it holds)."""
    from django.db.models import Count

    from sla.models import Batch

    problems = []
    references = [reference for _, reference in uploaded]
    batches = {
        b.reference: b for b in Batch.objects.filter(reference__in=references).annotate(runs=Count("check_runs"))
    }
    stray = Batch.objects.filter(reference__startswith="load-").exclude(reference__in=references).count()
    if stray:
        problems.append(f"{stray} batches from the load test that no accepted upload answered for")
    for batch_id, reference in uploaded:
        batch = batches.get(reference)
        if batch is None or batch.pk != batch_id:
            problems.append(f"upload {reference}: no batch #{batch_id} with that reference")
        elif batch.status != "evaluated" or batch.runs != 1:
            problems.append(f"batch #{batch.pk} ({reference}): {batch.status}, {batch.runs} check runs {batch.failure}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument(
        "--spawn-rate", type=float, default=1, help="users started per second (each signs in: a password hash)"
    )
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--rows", type=int, default=10_000, help="rows per uploaded delivery")
    parser.add_argument("--vendors", type=int, default=10)
    parser.add_argument("--batches", type=int, default=1000, help="evaluated batches of the portfolio browsed")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--drain", type=float, default=600, help="seconds to wait for uploads to be judged")
    parser.add_argument("--p95-ms", type=float, default=500)
    options = parser.parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="vendorscore-load-"))
    env = _environment(options, var_dir)
    print(
        f"preparing {env['DATABASE_URL']} ({options.vendors} vendors, {options.batches:,} batches) in {var_dir}",
        flush=True,
    )
    env["LOAD_VENDORS"] = ",".join(_prepare(options, env))
    url = f"http://127.0.0.1:{options.port}"
    processes = []
    try:
        processes.append(
            _start(
                [sys.executable, "-m", "gunicorn", "vendorscore.wsgi", "--workers", str(options.web_workers),
                 "--bind", f"127.0.0.1:{options.port}", "--timeout", "120"],
                env, var_dir / "gunicorn.log",
            )
        )  # fmt: skip
        for number in (1, 2):
            processes.append(
                _start(
                    [sys.executable, "-m", "celery", "-A", "vendorscore", "worker", "--pool=solo",
                     "-n", f"load{number}@%h", "--loglevel=WARNING"],
                    env, var_dir / f"worker{number}.log",
                )
            )  # fmt: skip
        _wait_for_server(url, options.web_workers)
        prefix = var_dir / "locust"
        print(f"locust: {options.users} users for {options.minutes:g} min against {url}; load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)  # fmt: skip
        subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "bench/load/locustfile.py"), "--headless",
             "--users", str(options.users), "--spawn-rate", str(options.spawn_rate),
             "--run-time", f"{int(options.minutes * 60)}s", "--stop-timeout", "60", "--host", url,
             "--csv", str(prefix), "--only-summary", "--exit-code-on-error", "0"],
            env=env, cwd=ROOT, check=True,
        )  # fmt: skip
        load_after = os.getloadavg()[0]
        uploaded = _uploads(var_dir / "uploads.csv")
        waited = _drain(uploaded, options.drain)
        print(f"{len(uploaded)} uploads judged {waited:.0f} s after locust stopped; load average {load_after:.1f}")
        return _verdict(_stats(prefix), uploaded, options)
    finally:
        for process in processes:
            _stop(process)


def _verdict(stats: list[dict], uploaded: list[tuple[int, str]], options) -> int:
    total = next(row for row in stats if row["Name"] == "Aggregated")
    pages = [row for row in stats if _is_page(row)]
    slow = [row for row in pages if float(row["95%"]) >= options.p95_ms]
    problems = _check_uploads(uploaded)
    print("pages (GET, browsed by leads):")
    for row in pages:
        count, median, p95 = int(row["Request Count"]), row["50%"], row["95%"]
        print(f"  {row['Name']:32s} {count:6d} requests  median {median:>5s} ms  p95 {p95:>5s} ms")
    checks = [
        (f"no failed request ({total['Failure Count']} of {total['Request Count']})", int(total["Failure Count"]) == 0),
        (f"every page p95 < {options.p95_ms:g} ms" + "".join(f"; {r['Name']} {r['95%']} ms" for r in slow), not slow),
        (f"every upload evaluated exactly once ({len(uploaded)} uploads)" + "".join(f"; {p}" for p in problems[:5]),
         bool(uploaded) and not problems),
    ]  # fmt: skip
    for text, passed in checks:
        print(f"{'PASS' if passed else 'FAIL'}  {text}")
    return 0 if all(passed for _, passed in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
