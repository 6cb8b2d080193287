"""Benchmark: ``manage.py batch_metrics FILE --json`` against the library route, as whole processes.

    uv run python bench/process.py [--rows N] [--repeat K] [--workdir DIR]

``bench/metrics.py`` times the engine inside a warm process; a user waits for the whole
process: interpreter start, imports, reading and validating the file, the measures, the
JSON. So both routes run here as fresh subprocesses on the same CSV delivery (the
``bench/metrics.py`` delivery with an ``annotated_at`` column, as exports carry one) and
its gold file, alternately, ``--repeat`` times each, and the medians are compared:

- command: ``python manage.py batch_metrics delivery.csv --level ordinal --labels ...
  --gold gold.csv --claimed-accuracy 0.95 --json`` (output to a file);
- library route: ``python bench/metrics.py --library-process delivery.csv gold.csv
  document.json``: pandas reads the CSV, then crosstab + irrCAC + krippendorff +
  statsmodels + scikit-learn + scipy compute every comparable measure (the command's
  document is read only to pick the same annotator pairs and to report the largest
  difference).

Both use the same interpreter and environment; install it with compiled bytecode
(``uv sync --compile-bytecode``, as ``make env`` does), or every process recompiles the
libraries it imports when ``PYTHONDONTWRITEBYTECODE`` is set. Each process is pinned to
one CPU. Printed: every run's wall time, the medians and their ratio.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# One thread each, as bench/metrics.py runs both routes.
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def write_files(folder: Path, rows: int) -> tuple[Path, Path]:
    """The ``bench/metrics.py`` delivery and gold set as CSV, with realistic timestamps."""
    import numpy as np
    import pandas as pd

    from bench.metrics import generate

    frame, gold = generate(rows)
    rng = np.random.default_rng(11)
    start = pd.Timestamp("2026-03-01T08:00:00Z").value // 1000
    moments = np.sort(start + rng.integers(0, 14 * 86_400_000_000, len(frame)))
    frame["annotated_at"] = pd.to_datetime(moments, unit="us", utc=True)
    delivery, gold_path = folder / "delivery.csv", folder / "gold.csv"
    frame.to_csv(delivery, index=False, date_format="%Y-%m-%dT%H:%M:%SZ")
    gold.to_csv(gold_path, index=False)
    return delivery, gold_path


def timed(command: list[str], output: Path | None = None) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of ``command`` in a fresh process; fails loudly.

    On a machine shared with other work the wall time includes waiting for the CPU; the
    CPU time does not, so both are reported.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(output or os.devnull, "w") as out:
        completed = subprocess.run(command, cwd=ROOT, stdout=out, stderr=subprocess.PIPE, text=True, env=ENV)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{completed.stderr}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    from bench.metrics import CLAIMED_ACCURACY, LABELS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workdir", type=Path, help="keep the generated files here (default: a temporary folder)")
    options = parser.parse_args()
    cpu = str(min(os.sched_getaffinity(0)))
    with tempfile.TemporaryDirectory() as scratch:
        folder = options.workdir or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        delivery, gold = folder / "delivery.csv", folder / "gold.csv"
        if not (delivery.exists() and gold.exists()):
            write_files(folder, options.rows)
        document = folder / "document.json"
        pin = ["taskset", "-c", cpu]
        command = [*pin, sys.executable, "manage.py", "batch_metrics", str(delivery), "--level", "ordinal",
                   "--labels", ",".join(LABELS), "--gold", str(gold), "--claimed-accuracy", str(CLAIMED_ACCURACY),
                   "--json"]  # fmt: skip
        library = [*pin, sys.executable, "bench/metrics.py", "--library-process", str(delivery), str(gold),
                   str(document)]  # fmt: skip
        print(f"delivery: {delivery} ({delivery.stat().st_size / 1e6:,.0f} MB), load average {os.getloadavg()[0]:.1f}")
        ours, theirs = [], []
        for _ in range(options.repeat):
            ours.append(timed(command, document))
            theirs.append(timed(library, folder / "library.txt"))
            print(f"  command {ours[-1][0]:6.2f} s wall {ours[-1][1]:6.2f} s CPU   "
                  f"library route {theirs[-1][0]:6.2f} s wall {theirs[-1][1]:6.2f} s CPU", flush=True)  # fmt: skip
        print((folder / "library.txt").read_text().strip())
        for index, kind in ((0, "wall"), (1, "CPU")):
            command_median = statistics.median(run[index] for run in ours)
            library_median = statistics.median(run[index] for run in theirs)
            print(f"{kind:>4}: command median {command_median:.2f} s, library route median {library_median:.2f} s "
                  f"over {options.repeat} runs each: {library_median / command_median:.1f}x")  # fmt: skip
        print(f"load average at the end: {os.getloadavg()[0]:.1f} (on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
