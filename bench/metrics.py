"""Benchmark: the metrics engine against the reference-library route on a realistic delivery.

Run with ``uv run python bench/metrics.py [--rows N] [--repeat K]``. It is a benchmark,
not a test: it prints figures, it asserts nothing.

The delivery (issue 3): 1,000,000 annotation rows; 10% of items triple-annotated, the rest
annotated once; 8 ordered severity labels with a skewed prevalence; 400 annotators in 50
teams of 8 (consensus items go to three members of one team, as vendors run consensus);
two queues (60% of items pre-labeled by a model that is wrong 15% of the time, and
annotators who keep a wrong pre-label 45% of the time); a gold subset of 5% of items.

Both routes compute the same measures for the whole batch and for each queue:

- engine: ``sla.metrics.compute_metrics`` (everything in the document, bootstrap
  intervals included);
- library route, the way an analyst would: ``pandas.crosstab``/``pivot`` to shape the
  data, irrCAC for percent agreement, Fleiss' kappa and Gwet's AC1 with missing ratings,
  the ``krippendorff`` package for alpha (on the units with two or more ratings: the others
  are unpairable), scikit-learn and statsmodels for Cohen's and weighted kappa per
  annotator pair (Light's mean), accuracy, per-label figures, confusion matrix and kappa
  against gold, pandas for leave-one-out agreement and anchoring, scipy for the
  chi-squared test.

Printed: both times (engine: best and median of ``--repeat`` runs after one warm-up on a
small batch, so imports are not timed), their ratio, the largest absolute difference over
every value both routes produce, and the process's peak resident memory
(``resource.getrusage``) after the engine runs and at the end. Everything runs on one
core: the process is pinned to one CPU and BLAS/Arrow threads are set to one.
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import multiprocessing  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import krippendorff  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
from irrCAC.raw import CAC  # noqa: E402
from scipy import stats  # noqa: E402
from sklearn.metrics import (  # noqa: E402
    accuracy_score,
    cohen_kappa_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)
from statsmodels.stats.inter_rater import cohens_kappa  # noqa: E402
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sla.metrics import compute_metrics  # noqa: E402
from sla.metrics.cohen import MIN_SHARED_ITEMS  # noqa: E402

LABELS = ["benign", "borderline", "mild", "moderate", "serious", "severe", "critical", "illegal"]
PREVALENCE = [0.34, 0.20, 0.14, 0.10, 0.08, 0.06, 0.05, 0.03]
ANNOTATORS, TEAM = 400, 8
CLAIMED_ACCURACY = 0.95


def generate(rows: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A delivery of ``rows`` annotation rows and its gold set (see the module docstring)."""
    rng = np.random.default_rng(seed)
    q = len(LABELS)
    triple = round(rows * 0.1 / 1.2)
    items = rows - 2 * triple
    truth = rng.choice(q, size=items, p=PREVALENCE)
    ratings = rng.permutation(np.where(np.arange(items) < triple, 3, 1))
    item = np.repeat(np.arange(items), ratings)
    slot = np.arange(rows) - np.repeat(np.cumsum(ratings) - ratings, ratings)
    team = rng.integers(0, ANNOTATORS // TEAM, items)
    members = np.argsort(rng.random((items, TEAM)), axis=1)[:, :3]
    annotator = team[item] * TEAM + members[item, slot]
    prelabeled = rng.random(items) < 0.6
    prelabel = np.where(rng.random(items) < 0.15, np.clip(truth + rng.choice([-1, 1], items), 0, q - 1), truth)
    prelabel = np.where(prelabeled, prelabel, -1)
    skill = rng.uniform(0.78, 0.97, ANNOTATORS)
    slip = np.clip(truth[item] + rng.choice([-2, -1, 1, 2], rows, p=[0.1, 0.4, 0.4, 0.1]), 0, q - 1)
    label = np.where(rng.random(rows) < skill[annotator], truth[item], slip)
    anchored = (prelabel[item] >= 0) & (prelabel[item] != truth[item]) & (rng.random(rows) < 0.45)
    label = np.where(anchored, prelabel[item], label)
    order = rng.permutation(rows)
    item, annotator, label = item[order], annotator[order], label[order]
    names = np.array([f"item-{i:07d}" for i in rng.permutation(items)], dtype=object)
    words = np.array(LABELS + [None], dtype=object)
    frame = pd.DataFrame(
        {
            "item_id": pd.array(names[item], dtype="str"),
            "annotator_id": pd.array(np.array([f"ann-{k:03d}" for k in range(ANNOTATORS)])[annotator], dtype="str"),
            "label": pd.array(words[label], dtype="str"),
            "queue": pd.array(np.where(prelabeled[item], "prelabeled", "full"), dtype="str"),
            "prelabel": pd.array(words[prelabel[item]], dtype="str"),
        }
    )
    gold_items = rng.choice(items, size=items // 20, replace=False)
    gold = pd.DataFrame(
        {"item_id": pd.array(names[gold_items], dtype="str"), "label": pd.array(words[truth[gold_items]], dtype="str")}
    )
    return frame, gold


def write_delivery(folder: str, rows: int) -> None:
    """Generate the delivery in a child process and store it as Parquet, as an upload would be."""
    frame, gold = generate(rows)
    frame.to_parquet(Path(folder) / "delivery.parquet")
    gold.to_parquet(Path(folder) / "gold.parquet")


def read_delivery(rows: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The delivery read from Parquet, so this process's memory holds only what a worker would."""
    with tempfile.TemporaryDirectory() as folder:
        child = multiprocessing.get_context("spawn").Process(target=write_delivery, args=(folder, rows))
        child.start()
        child.join()
        return pd.read_parquet(Path(folder) / "delivery.parquet"), pd.read_parquet(Path(folder) / "gold.parquet")


def engine(frame: pd.DataFrame, gold: pd.DataFrame) -> dict:
    return compute_metrics(frame, level="ordinal", labels=LABELS, gold=gold, claimed_accuracy=CLAIMED_ACCURACY)


class Comparison:
    """Collects (engine, library) value pairs and keeps the largest difference."""

    def __init__(self):
        self.count = 0
        self.skipped: list[str] = []
        self.worst = (0.0, "")

    def add(self, name: str, ours, reference) -> None:
        missing = reference is None or bool(np.isnan(reference))
        if ours is None or missing:
            if (ours is None) != missing:
                self.worst = (float("inf"), f"{name}: engine {ours!r}, library {reference!r}")
            return
        self.count += 1
        difference = abs(float(ours) - float(reference))
        if difference > self.worst[0]:
            self.worst = (difference, name)

    def measure(self, name: str, ours: dict, value, low=None, high=None) -> None:
        """A measure, and its interval when the library gives one."""
        self.add(name, ours["value"], value)
        if low is not None:
            self.add(f"{name} ci low", ours["ci95"][0], low)
            self.add(f"{name} ci high", ours["ci95"][1], min(1.0, high))

    def kappa(self, name: str, ours: dict, value, result) -> None:
        """Cohen's kappa and its asymptotic variance against statsmodels' ``KappaResults``.

        statsmodels computes the variance as a difference of sums and loses ~1e-15 to
        cancellation; where the true variance is 0 (perfect agreement) that becomes 3e-8
        on the standard error, or NaN. So variances are compared, not interval bounds,
        and a NaN variance from statsmodels is counted as skipped.
        """
        self.add(name, ours["value"], value)
        if ours["value"] is None or np.isnan(result.var_kappa):
            self.skipped.append(name)
            return
        se = (ours["value"] - ours["ci95"][0]) / stats.norm.ppf(0.975)
        self.add(f"{name} variance", se**2, result.var_kappa)


def quietly(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


def library_route(frame: pd.DataFrame, gold: pd.DataFrame, document: dict, check: Comparison) -> None:
    """Every comparable measure with the reference libraries, checked against ``document``."""
    codes = {name: index for index, name in enumerate(LABELS)}
    rows = frame.assign(code=frame["label"].map(codes))
    truth = gold.set_index("item_id")["label"].map(codes)
    scopes = [("batch", rows, document)]
    scopes += [(queue, rows[rows["queue"] == queue], document["by_queue"][queue]) for queue in ("prelabeled", "full")]
    for scope, part, section in scopes:
        agreement(scope, part, section["agreement"], check)
        accuracy(scope, part, truth, section, check, detailed=scope == "batch")
    per_annotator(rows, truth, document["by_annotator"], check)
    anchoring(rows, truth, document, check)


def agreement(scope: str, rows: pd.DataFrame, ours: dict, check: Comparison) -> None:
    counts = pd.crosstab(rows["item_id"], rows["code"]).reindex(columns=range(len(LABELS)), fill_value=0)
    slots = rows.assign(slot=rows.groupby("item_id").cumcount())
    wide = slots.pivot(index="item_id", columns="slot", values="code").astype(float)
    cac = quietly(CAC, wide, categories=[float(k) for k in range(len(LABELS))], digits=15)
    fleiss, ac1 = quietly(cac.fleiss)["est"], quietly(cac.gwet)["est"]
    multi = counts[counts.sum(axis=1) >= 2]
    check.measure(f"{scope} percent_agreement", ours["percent_agreement"], fleiss["pa"],
                  *proportion_confint(fleiss["pa"] * len(multi), len(multi), method="wilson"))  # fmt: skip
    for name, result in (("fleiss_kappa", fleiss), ("scott_pi", fleiss), ("gwet_ac1", ac1)):
        check.measure(f"{scope} {name}", ours[name], result["coefficient_value"], *result["confidence_interval"])
    alpha = krippendorff.alpha(
        value_counts=multi.to_numpy(), value_domain=list(range(len(LABELS))), level_of_measurement="ordinal"
    )
    check.measure(f"{scope} krippendorff_alpha", ours["krippendorff_alpha"], alpha)
    pairwise(scope, rows, ours, check)


def pairwise(scope: str, rows: pd.DataFrame, ours: dict, check: Comparison) -> None:
    shared = rows[rows.groupby("item_id")["item_id"].transform("size") >= 2][["item_id", "annotator_id", "code"]]
    pairs = shared.merge(shared, on="item_id", suffixes=("_a", "_b"))
    pairs = pairs[pairs["annotator_id_a"] < pairs["annotator_id_b"]]
    listed = {tuple(entry["annotators"]): entry for entry in ours.get("pairwise", [])}
    means = {"cohen_kappa": [], "weighted_kappa_linear": [], "weighted_kappa_quadratic": []}
    labels = list(range(len(LABELS)))
    for (a, b), pair in pairs.groupby(["annotator_id_a", "annotator_id_b"]):
        if len(pair) < MIN_SHARED_ITEMS:
            continue
        x, y = pair["code_a"].to_numpy(), pair["code_b"].to_numpy()
        table = confusion_matrix(x, y, labels=labels)
        for name, weights in (("cohen_kappa", None), ("weighted_kappa_linear", "linear"),
                              ("weighted_kappa_quadratic", "quadratic")):  # fmt: skip
            kappa = quietly(cohen_kappa_score, x, y, labels=labels, weights=weights)
            means[name].append(kappa)
            if (a, b) in listed:
                result = quietly(cohens_kappa, table, weights=None if weights is None else labels, wt=weights)
                check.kappa(f"{scope} pair {a}-{b} {name}", listed[(a, b)][name], kappa, result)
    for name, values in means.items():
        check.measure(f"{scope} {name} (Light)", ours[name], float(np.nanmean(values)))


def accuracy(scope: str, rows: pd.DataFrame, truth: pd.Series, ours: dict, check: Comparison, detailed: bool) -> None:
    scored = rows[rows["item_id"].isin(truth.index)]
    y_true, y_pred = scored["item_id"].map(truth).to_numpy(), scored["code"].to_numpy()
    value = accuracy_score(y_true, y_pred)
    check.measure(f"{scope} accuracy", ours["accuracy"], value,
                  *proportion_confint((y_true == y_pred).sum(), len(y_true), method="wilson"))  # fmt: skip
    check.add(f"{scope} claimed gap", ours["claimed_accuracy_gap"], CLAIMED_ACCURACY - value)
    check.measure(f"{scope} macro_f1", ours["macro_f1"], f1_score(y_true, y_pred, average="macro", zero_division=0.0))
    labels = list(range(len(LABELS)))
    table = confusion_matrix(y_true, y_pred, labels=labels)
    result = quietly(cohens_kappa, table)
    check.kappa(f"{scope} kappa_vs_gold", ours["kappa_vs_gold"], cohen_kappa_score(y_true, y_pred), result)
    if not detailed:
        return
    precision, recall, f1, support = quietly(precision_recall_fscore_support, y_true, y_pred, labels=labels)
    for k, row in enumerate(ours["by_label"]):
        for name, reference in (("precision", precision), ("recall", recall), ("f1", f1), ("support", support)):
            check.add(f"{scope} {LABELS[k]} {name}", row[name], reference[k])
    for a, b in zip(np.ravel(ours["confusion_matrix"]["counts"]), np.ravel(table), strict=True):
        check.add(f"{scope} confusion", a, b)
    errors = pd.crosstab(y_true, y_true != y_pred)
    statistic, p_value, _, _ = stats.chi2_contingency(errors.to_numpy(), correction=False)
    test = ours["error_concentration"]["equal_error_rates_test"]
    check.add("error concentration chi2", test["statistic"], statistic)
    check.add("error concentration p", test["p_value"], p_value)


def per_annotator(rows: pd.DataFrame, truth: pd.Series, ours: list[dict], check: Comparison) -> None:
    scored = rows[rows["item_id"].isin(truth.index)]
    accuracy_by = (scored["code"] == scored["item_id"].map(truth)).groupby(scored["annotator_id"]).mean()
    counts = pd.crosstab(rows["item_id"], rows["code"])
    multi = rows[rows["item_id"].map(counts.sum(axis=1)) >= 2]
    others = counts.loc[multi["item_id"]].to_numpy() - np.eye(len(LABELS), dtype=int)[multi["code"]]
    top = others.max(axis=1)
    clear = (others == top[:, None]).sum(axis=1) == 1
    agrees = clear & (others[np.arange(len(others)), multi["code"]] == top)
    table = pd.DataFrame({"annotator": multi["annotator_id"].to_numpy(), "clear": clear, "agrees": agrees})
    loo = table.groupby("annotator")[["clear", "agrees"]].sum()
    for entry in ours:
        name = entry["annotator"]
        check.add(f"{name} accuracy", entry["accuracy"]["value"], accuracy_by.get(name))
        check.add(f"{name} agreement", entry["agreement"]["value"], loo.loc[name, "agrees"] / loo.loc[name, "clear"])


def anchoring(rows: pd.DataFrame, truth: pd.Series, document: dict, check: Comparison) -> None:
    scored = rows[rows["item_id"].isin(truth.index) & rows["prelabel"].notna()]
    gold, pre = scored["item_id"].map(truth), scored["prelabel"].map({n: i for i, n in enumerate(LABELS)})
    wrong, right = scored[pre != gold], scored[pre == gold]
    kept = int((wrong["label"] == wrong["prelabel"]).sum())
    errors = int((right["code"] != right["item_id"].map(truth)).sum())
    ours = document["anchoring"]
    check.add("kept wrong prelabel", ours["kept_wrong_prelabel"]["value"], kept / len(wrong))
    check.add("error rate, right prelabel", ours["error_rate_prelabel_right"]["value"], errors / len(right))
    low, high = confint_proportions_2indep(kept, len(wrong), errors, len(right), method="newcomb")
    check.measure("anchoring difference", ours["difference"], kept / len(wrong) - errors / len(right), low, high)


def peak_megabytes() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def library_process(delivery: str, gold: str, document: str) -> None:
    """The library route as a user would run it on the files: read with pandas, then measure.

    ``document`` (the ``batch_metrics`` output) only names the annotator pairs to compare
    and receives the differences; it is not used to compute anything.
    """
    import json

    frame = pd.read_csv(delivery, dtype=str)
    gold_frame = pd.read_csv(gold, dtype=str)
    with open(document) as source:
        ours = json.load(source)
    check = Comparison()
    library_route(frame, gold_frame, ours, check)
    print(f"library route vs command: largest difference over {check.count:,} values: "
          f"{check.worst[0]:.3g} ({check.worst[1]})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--engine-only", action="store_true", help="skip the library route")
    parser.add_argument("--library-process", nargs=3, metavar=("DELIVERY", "GOLD", "DOCUMENT"),
                        help="only the library route on CSV files, checked against a metrics document "
                             "(the library side of bench/process.py)")  # fmt: skip
    options = parser.parse_args()
    if options.library_process:
        library_process(*options.library_process)
        return
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)

    frame, gold = read_delivery(options.rows)
    engine(*generate(2_000, seed=1))
    items = frame["item_id"].nunique()
    print(f"delivery: {len(frame):,} rows, {items:,} items, {frame['annotator_id'].nunique()} annotators, "
          f"{len(LABELS)} labels, {len(gold):,} gold items")  # fmt: skip
    print(f"peak RSS after reading it (libraries imported): {peak_megabytes():,.0f} MB")

    times = []
    for _ in range(options.repeat):
        start = time.perf_counter()
        document = engine(frame, gold)
        times.append(time.perf_counter() - start)
    engine_peak = peak_megabytes()
    best, median = min(times), statistics.median(times)
    print(f"engine:  best {best:.3f} s, median {median:.3f} s over {options.repeat} runs; "
          f"peak RSS {engine_peak:,.0f} MB")  # fmt: skip
    if options.engine_only:
        return

    check = Comparison()
    start = time.perf_counter()
    library_route(frame, gold, document, check)
    library = time.perf_counter() - start
    print(f"library: {library:.3f} s")
    print(f"ratio:   {library / best:.1f}x (library / engine best), {library / median:.1f}x (median)")
    print(f"largest difference over {check.count:,} values: {check.worst[0]:.3g} ({check.worst[1]})")
    if check.skipped:
        print(f"kappa variances not compared where statsmodels' came out NaN: {len(check.skipped)}, "
              f"e.g. {check.skipped[0]}")  # fmt: skip
    print(f"peak RSS of the whole run (library route included): {peak_megabytes():,.0f} MB")


if __name__ == "__main__":
    main()
