"""Real multi-rater data, read as a delivery would be, and every coefficient against the references.

The files of ``tests/fixtures/real/datasets`` (origins in its README) and the Prodigy
dataset of ``tests/fixtures/real/prodigy``: Snow et al. (2008) MTurk anger ratings, the R
``irr`` package's data (Fleiss 1971 diagnoses, video, anxiety), the R ``irrCAC`` package's
data, and a 42-annotator Prodigy dataset. Each goes through the engine and each coefficient
is compared, to 1e-9, with irrCAC (percent agreement, Fleiss, Gwet's AC1, Krippendorff at
nominal), the krippendorff package (alpha at the batch's level), scikit-learn (Cohen's and
weighted kappa of every annotator pair, accuracy, kappa against gold) and statsmodels
(Fleiss' kappa on complete data, weighted kappa on interval values).
"""

import io
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
import pytest
import rdata
from irrCAC.raw import CAC
from sklearn.metrics import accuracy_score, cohen_kappa_score
from statsmodels.stats.inter_rater import cohens_kappa, fleiss_kappa

from sla.ingest import read_delivery, read_gold
from sla.metrics import compute_metrics
from sla.metrics.cohen import MIN_SHARED_ITEMS
from sla.metrics.labels import canonical_labels, order_labels, parse_number

from .helpers import close
from .test_reference_libraries import quietly

REAL = Path(__file__).resolve().parents[2] / "fixtures" / "real"
DATASETS = REAL / "datasets"


def _r_data(name: str) -> pd.DataFrame:
    (frame,) = quietly(rdata.read_rda, DATASETS / name).values()
    return frame


def _rows_of(wide: pd.DataFrame) -> pd.DataFrame:
    """Canonical rows of an items x raters table; NA and "" are missing ratings."""
    rows = [
        (f"unit-{position + 1:03d}", str(rater), str(value))
        for position, (_, ratings) in enumerate(wide.iterrows())
        for rater, value in ratings.items()
        if not pd.isna(value) and str(value) != ""
    ]
    return pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])


def _snow_anger() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The anger file as a vendor would deliver it: the gold column goes to a gold set."""
    table = pd.read_csv(DATASETS / "snow2008_anger.standardized.tsv", sep="\t", dtype=str)
    ratings = table.rename(columns={"!amt_worker_ids": "worker_id", "orig_id": "item_id"})
    delivery_file = ratings[["worker_id", "item_id", "response"]].to_csv(sep="\t", index=False).encode()
    gold_file = ratings[["item_id", "gold"]].drop_duplicates().to_csv(index=False).encode()
    delivery = read_delivery(io.BytesIO(delivery_file), filename="anger.tsv")
    gold = read_gold(io.BytesIO(gold_file), filename="anger_gold.csv")
    assert delivery.ok and gold.ok, (delivery.errors, gold.errors)
    return delivery.frame, gold.frame


def _prodigy_pydata() -> pd.DataFrame:
    path = REAL / "prodigy" / "pydata-ams-2023.jsonl.gz"
    result = read_delivery(path, filename=path.name, duplicates="latest")
    assert result.ok, result.errors
    return result.frame


CASES = {
    "snow_anger_ordinal": (lambda: _snow_anger()[0], "ordinal"),
    "snow_anger_interval": (lambda: _snow_anger()[0], "interval"),
    "prodigy_pydata_nominal": (_prodigy_pydata, "nominal"),
    "irr_diagnoses_nominal": (lambda: _rows_of(_r_data("irr_diagnoses.rda")), "nominal"),
    "irr_video_ordinal": (lambda: _rows_of(_r_data("irr_video.rda")), "ordinal"),
    "irr_video_interval": (lambda: _rows_of(_r_data("irr_video.rda")), "interval"),
    "irr_anxiety_ratio": (lambda: _rows_of(_r_data("irr_anxiety.rda")), "ratio"),
    "irrCAC_raw4raters_nominal": (lambda: _rows_of(_r_data("irrCAC_cac.raw4raters.RData")), "nominal"),
    "irrCAC_raw4raters_ordinal": (lambda: _rows_of(_r_data("irrCAC_cac.raw4raters.RData")), "ordinal"),
    "irrCAC_raw5obser_interval": (lambda: _rows_of(_r_data("irrCAC_cac.raw5obser.RData")), "interval"),
    "irrCAC_raw_gender_nominal": (
        lambda: _rows_of(_r_data("irrCAC_cac.raw.gender.RData").drop(columns="Group")),
        "nominal",
    ),
    "irrCAC_ben_gerry_nominal": (
        lambda: _rows_of(_r_data("irrCAC_cac.ben.gerry.RData").drop(columns=["Group", "Units"])),
        "nominal",
    ),
}


class Coded:
    """The rows as the references read them: label positions (and values), items x raters."""

    def __init__(self, frame: pd.DataFrame, level: str):
        labels = pd.Series(frame["label"].astype(str).to_numpy())
        if level != "nominal":
            labels = pd.Series(canonical_labels(labels))
        self.names = order_labels(labels)
        self.q = len(self.names)
        self.values = (
            np.array([parse_number(name) for name in self.names], dtype=float)
            if level
            in (
                "interval",
                "ratio",
            )
            else np.arange(self.q, dtype=float)
        )
        position = {name: k for k, name in enumerate(self.names)}
        coded = frame.assign(code=labels.map(position).to_numpy())
        self.wide = coded.pivot(index="item_id", columns="annotator_id", values="code").sort_index(axis=1)
        self.counts = np.stack([(self.wide == k).sum(axis=1).to_numpy() for k in range(self.q)], axis=1)


def _pairwise_kappas(coded: Coded, weights: str | None, level: str) -> dict[tuple[str, str], tuple[float, int]]:
    """sklearn's (or, on interval values, statsmodels') kappa of every pair sharing two or more items."""
    found = {}
    raters = list(coded.wide.columns)
    for a, first in enumerate(raters):
        for second in raters[a + 1 :]:
            both = coded.wide[[first, second]].dropna()
            if len(both) < 2:
                continue
            x, y = both[first].astype(int).to_numpy(), both[second].astype(int).to_numpy()
            if weights is not None and level in ("interval", "ratio"):
                table = np.zeros((coded.q, coded.q))
                np.add.at(table, (x, y), 1)
                kappa = quietly(cohens_kappa, table, weights=coded.values, wt=weights).kappa
            else:
                kappa = quietly(cohen_kappa_score, x, y, labels=list(range(coded.q)), weights=weights)
            found[(str(first), str(second))] = (float(kappa), len(both))
    return found


def _light(pairs: dict, *, raters: int) -> float | None:
    if raters == 2:
        (kappa, _), *_ = pairs.values()
        return None if np.isnan(kappa) else kappa
    chosen = [kappa for kappa, n in pairs.values() if n >= MIN_SHARED_ITEMS and not np.isnan(kappa)]
    return float(np.mean(chosen)) if chosen else None


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_coefficient_on_real_data_matches_the_reference_libraries(case):
    load, level = CASES[case]
    frame = load()
    agreement = compute_metrics(frame, level=level)["agreement"]
    coded = Coded(frame, level)

    cac = quietly(CAC, coded.wide.astype(float), categories=[float(k) for k in range(coded.q)], digits=15)
    fleiss, gwet, alpha_nominal = (quietly(getattr(cac, name))["est"] for name in ("fleiss", "gwet", "krippendorff"))
    assert close(agreement["percent_agreement"]["value"], fleiss["pa"])
    assert close(agreement["fleiss_kappa"]["value"], fleiss["coefficient_value"])
    assert close(agreement["gwet_ac1"]["value"], gwet["coefficient_value"])
    assert agreement["scott_pi"]["value"] == agreement["fleiss_kappa"]["value"]
    if len(set(coded.counts.sum(axis=1))) == 1:  # statsmodels needs the same number of ratings per item
        assert close(agreement["fleiss_kappa"]["value"], fleiss_kappa(coded.counts))

    expected_alpha = krippendorff.alpha(
        value_counts=coded.counts, value_domain=coded.values, level_of_measurement=level
    )
    assert close(agreement["krippendorff_alpha"]["value"], expected_alpha)
    if level == "nominal":
        assert close(agreement["krippendorff_alpha"]["value"], alpha_nominal["coefficient_value"])

    raters = coded.wide.shape[1]
    plain = _pairwise_kappas(coded, None, level)
    listed = {tuple(pair["annotators"]): pair for pair in agreement["pairwise"]}
    assert listed, "a real multi-rater dataset has annotator pairs"
    for pair, entry in listed.items():
        kappa, n = plain[pair]
        assert entry["cohen_kappa"]["n"] == n
        assert entry["cohen_kappa"]["value"] is None or close(entry["cohen_kappa"]["value"], kappa)
    expected_light = _light(plain, raters=raters)
    assert (agreement["cohen_kappa"]["value"] is None) == (expected_light is None)
    assert expected_light is None or close(agreement["cohen_kappa"]["value"], expected_light)

    if level != "nominal":
        for kind in ("linear", "quadratic"):
            weighted = _pairwise_kappas(coded, kind, level)
            for pair, entry in listed.items():
                value = entry[f"weighted_kappa_{kind}"]["value"]
                assert value is None or close(value, weighted[pair][0]), (pair, kind)
            expected = _light(weighted, raters=raters)
            ours = agreement[f"weighted_kappa_{kind}"]["value"]
            assert (ours is None) == (expected is None)
            assert expected is None or close(ours, expected)


def test_fleiss_1971_from_r_irr_data_is_the_published_kappa():
    """R irr's ``kappam.fleiss(diagnoses)`` prints 0.4302445 (Fleiss 1971, Table 1: .430)."""
    agreement = compute_metrics(_rows_of(_r_data("irr_diagnoses.rda")))["agreement"]

    assert round(agreement["fleiss_kappa"]["value"], 7) == 0.4302445


def test_snow_anger_accuracy_against_its_gold_matches_sklearn():
    frame, gold = _snow_anger()
    document = compute_metrics(frame, level="ordinal", gold=gold)
    truth = canonical_labels(frame["item_id"].map(dict(zip(gold["item_id"], gold["label"], strict=True))))
    given = canonical_labels(frame["label"])  # the file spells one rating "00"

    assert close(document["accuracy"]["value"], accuracy_score(truth, given))
    assert close(
        document["kappa_vs_gold"]["value"], cohen_kappa_score(truth, given, labels=order_labels(truth + given))
    )


def test_snow_anger_file_as_published_is_refused_for_its_gold_column():
    """The published file has the expert's ``gold`` next to each worker's ``response``."""
    path = DATASETS / "snow2008_anger.standardized.tsv"
    result = read_delivery(path, filename=path.name)

    assert not result.ok
    assert any(error.column == "gold" and "gold set" in error.message for error in result.errors)


@pytest.mark.parametrize("level", ["ordinal", "interval", "ratio"])
def test_numbers_spelled_differently_are_one_value_on_snow_anger(level):
    """``0``, ``00``, ``-0`` and ``0.0`` are one rating: every coefficient is unchanged and the
    ordinal ranks are those of the reference libraries (once alpha moved by 2e-3)."""
    frame, _ = _snow_anger()
    respelled = frame.copy()
    zeros = np.flatnonzero(respelled["label"].to_numpy() == "0")
    for spelling, chosen in zip(["00", "-0", "0.0"], np.array_split(zeros, 4)[1:], strict=True):
        respelled.iloc[chosen, respelled.columns.get_loc("label")] = spelling
    assert set(respelled["label"]) >= {"0", "00", "-0", "0.0"}

    ours = compute_metrics(respelled, level=level)["agreement"]
    same = compute_metrics(frame, level=level)["agreement"]
    for name in ("percent_agreement", "fleiss_kappa", "gwet_ac1", "krippendorff_alpha", "cohen_kappa"):
        assert ours[name]["value"] == same[name]["value"], name
    for kind in ("linear", "quadratic"):
        assert ours[f"weighted_kappa_{kind}"]["value"] == same[f"weighted_kappa_{kind}"]["value"]
    coded = Coded(frame, level)
    expected = krippendorff.alpha(value_counts=coded.counts, value_domain=coded.values, level_of_measurement=level)
    assert close(ours["krippendorff_alpha"]["value"], expected)
