"""Property tests: on random data the engine agrees with the reference libraries to 1e-9.

References: scikit-learn (Cohen's kappa, weighted kappa, accuracy, precision/recall/F1,
confusion matrix), statsmodels (Fleiss' kappa, Cohen's kappa with its asymptotic
interval, Wilson and Newcombe intervals), the ``krippendorff`` package (alpha at every
level) and irrCAC (percent agreement, Fleiss' kappa and Gwet's AC1 with missing ratings).

irrCAC rounds what it reports to ``digits`` places (5 by default); it is asked for 15, so
its rounding (at most 5e-16) stays far below the 1e-9 tolerance.

Random matrices come from a seeded numpy generator inside hypothesis (derandomized), with
an item-level "true" label and a per-run agreement rate, so the cases range from chance
agreement to near-perfect agreement, with and without missing ratings.
"""

import warnings

import krippendorff
import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from irrCAC.raw import CAC
from scipy import stats
from sklearn.metrics import (
    accuracy_score,
    cohen_kappa_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)
from statsmodels.stats.inter_rater import cohens_kappa, fleiss_kappa
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from sla.metrics import compute_metrics

from .helpers import PROPERTY, assert_interval, close, frame_from_matrix, value_counts, wide_frame

SCORES = [0.0, 0.5, 1.0, 2.0, 3.5, 5.0, 8.0]


@st.composite
def matrices(draw, raters=(2, 5), items=(2, 30), categories=(2, 5), missing=(0.0, 0.5)):
    """A rating matrix (items x raters, None = missing) and its number of categories."""
    q = draw(st.integers(*categories))
    shape = (draw(st.integers(*items)), draw(st.integers(*raters)))
    agreement = draw(st.sampled_from([0.0, 0.5, 0.8, 0.95]))
    gap = draw(st.sampled_from(missing)) if isinstance(missing, list) else draw(st.floats(*missing))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    truth = rng.integers(0, q, shape[0])
    noise = rng.integers(0, q, shape)
    values = np.where(rng.random(shape) < agreement, truth[:, None], noise)
    absent = rng.random(shape) < gap
    return [[None if absent[i, j] else int(values[i, j]) for j in range(shape[1])] for i in range(shape[0])], q


def _labels(q):
    return [str(k) for k in range(q)]


def _pair_table(matrix, q):
    table = np.zeros((q, q), dtype=int)
    for a, b in matrix:
        table[a, b] += 1
    return table


def quietly(function, *args, **kwargs):
    """A reference call without its warnings (statsmodels divides by a zero null SE)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


def assert_kappa_interval(ours, reference):
    """Our normal interval against statsmodels' ``KappaResults``.

    statsmodels computes the variance as a difference of sums, which loses about 1e-14
    to cancellation; when the true variance is 0 that is 1e-7 after the square root. So
    the standard errors are compared, or their squares when the variance is that small.
    """
    se = (ours["value"] - ours["ci95"][0]) / stats.norm.ppf(0.975)
    variance = max(float(reference.var_kappa), 0.0)
    assert close(se, variance**0.5) or close(se**2, variance, 1e-12), (se, variance)
    assert close(ours["ci95"][1], min(1.0, ours["value"] + se * stats.norm.ppf(0.975)))


@PROPERTY
@given(matrices(raters=(2, 2), missing=(0.0, 0.0)))
def test_cohen_and_weighted_kappa_match_sklearn_and_statsmodels(case):
    matrix, q = case
    agreement = compute_metrics(frame_from_matrix(matrix), level="ordinal", labels=_labels(q))["agreement"]
    first, second = [row[0] for row in matrix], [row[1] for row in matrix]
    table = _pair_table(matrix, q)
    for name, weights, wt in (
        ("cohen_kappa", None, None),
        ("weighted_kappa_linear", "linear", "linear"),
        ("weighted_kappa_quadratic", "quadratic", "quadratic"),
    ):
        ours = agreement[name]
        expected = quietly(cohen_kappa_score, first, second, labels=list(range(q)), weights=weights)
        if ours["value"] is None:
            assert np.isnan(expected) or len(matrix) < 2
            continue
        assert close(ours["value"], expected)
        reference = quietly(cohens_kappa, table, weights=None if wt is None else np.arange(q), wt=wt)
        assert close(ours["value"], reference.kappa)
        assert_kappa_interval(ours, reference)
        assert ours["n"] == len(matrix)


@PROPERTY
@given(matrices(raters=(2, 2), missing=(0.0, 0.0)), st.permutations(SCORES))
def test_weighted_kappa_on_interval_values_matches_statsmodels(case, scores):
    matrix, q = case
    values = sorted(scores[:q])
    labels = [str(value) for value in values]
    frame = frame_from_matrix([[values[v] for v in row] for row in matrix])
    agreement = compute_metrics(frame, level="interval", labels=labels)["agreement"]
    table = _pair_table(matrix, q)
    for kind in ("linear", "quadratic"):
        ours = agreement[f"weighted_kappa_{kind}"]
        if ours["value"] is None:
            continue
        reference = quietly(cohens_kappa, table, weights=np.asarray(values), wt=kind)
        assert close(ours["value"], reference.kappa)
        assert_kappa_interval(ours, reference)


@PROPERTY
@given(matrices(raters=(2, 6), missing=(0.0, 0.0)))
def test_fleiss_kappa_matches_statsmodels_on_complete_data(case):
    matrix, q = case
    ours = compute_metrics(frame_from_matrix(matrix), labels=_labels(q))["agreement"]["fleiss_kappa"]
    counts = value_counts(matrix, list(range(q)))
    if ours["value"] is None:
        assert (counts.sum(axis=0) > 0).sum() < 2
        return
    assert close(ours["value"], fleiss_kappa(counts))


def _irrcac(matrix, q):
    cac = quietly(CAC, wide_frame(matrix), categories=[float(k) for k in range(q)], digits=15)
    return quietly(cac.fleiss)["est"], quietly(cac.gwet)["est"], quietly(cac.krippendorff)["est"]


@PROPERTY
@given(matrices(raters=(2, 6), items=(3, 30)))
def test_gwet_family_with_missing_ratings_matches_irrcac(case):
    matrix, q = case
    agreement = compute_metrics(frame_from_matrix(matrix), labels=_labels(q))["agreement"]
    if agreement["fleiss_kappa"]["value"] is None or agreement["gwet_ac1"]["value"] is None:
        return
    fleiss, ac1, alpha = _irrcac(matrix, q)
    assert close(agreement["percent_agreement"]["value"], fleiss["pa"])
    for ours, reference in ((agreement["fleiss_kappa"], fleiss), (agreement["gwet_ac1"], ac1)):
        assert close(ours["value"], reference["coefficient_value"])
        assert_interval(ours["ci95"], *reference["confidence_interval"])
    assert agreement["scott_pi"]["value"] == agreement["fleiss_kappa"]["value"]
    if agreement["krippendorff_alpha"]["value"] is not None:
        assert close(agreement["krippendorff_alpha"]["value"], alpha["coefficient_value"])


@PROPERTY
@given(matrices(raters=(2, 6)), st.sampled_from(["nominal", "ordinal", "interval", "ratio"]), st.permutations(SCORES))
def test_krippendorff_alpha_matches_package_at_every_level(case, level, scores):
    matrix, q = case
    values = sorted(scores[:q])
    frame = frame_from_matrix([[None if v is None else values[v] for v in row] for row in matrix])
    ours = compute_metrics(frame, level=level, labels=[str(value) for value in values])["agreement"]
    alpha = ours["krippendorff_alpha"]
    counts = value_counts(matrix, list(range(q)))
    pairable = int((counts.sum(axis=1) >= 2).sum())
    if alpha["value"] is None:
        assert pairable < 2 or (counts[counts.sum(axis=1) >= 2].sum(axis=0) > 0).sum() < 2
        return
    expected = krippendorff.alpha(value_counts=counts, value_domain=values, level_of_measurement=level)
    assert close(alpha["value"], expected)
    assert alpha["n"] == pairable


@st.composite
def gold_cases(draw):
    matrix, q = draw(matrices(raters=(1, 4), items=(5, 40), missing=(0.0, 0.4)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    gold = {
        i: int(rng.integers(0, q)) if rng.random() < 0.3 else max((v for v in row if v is not None), default=0)
        for i, row in enumerate(matrix)
        if rng.random() < 0.7
    }
    return matrix, q, gold


@PROPERTY
@given(gold_cases())
def test_accuracy_figures_match_sklearn_and_statsmodels(case):
    matrix, q, gold = case
    frame = frame_from_matrix(matrix)
    gold_frame = pd.DataFrame({"item_id": [f"u{i:03d}" for i in gold], "label": [str(v) for v in gold.values()]})
    document = compute_metrics(frame, labels=_labels(q), gold=gold_frame)
    truth = [gold[i] for i, row in enumerate(matrix) if i in gold for v in row if v is not None]
    given_ = [v for i, row in enumerate(matrix) if i in gold for v in row if v is not None]
    accuracy = document["accuracy"]
    if not truth:
        assert accuracy["value"] is None and document["macro_f1"]["value"] is None
        return
    assert close(accuracy["value"], accuracy_score(truth, given_))
    assert_interval(
        accuracy["ci95"], *proportion_confint(sum(map(int.__eq__, truth, given_)), len(truth), method="wilson")
    )
    assert accuracy["n"] == len(truth)
    assert close(document["macro_f1"]["value"], f1_score(truth, given_, average="macro", zero_division=0.0))
    precision, recall, _, support = quietly(
        precision_recall_fscore_support, truth, given_, labels=list(range(q)), zero_division=np.nan
    )
    for k, row in enumerate(document["by_label"]):
        for ours, reference in ((row["precision"], precision[k]), (row["recall"], recall[k])):
            assert (ours is None) == bool(np.isnan(reference))
            assert ours is None or close(ours, reference)
        assert row["support"] == support[k]
    assert document["confusion_matrix"]["counts"] == confusion_matrix(truth, given_, labels=list(range(q))).tolist()
    kappa = document["kappa_vs_gold"]
    if kappa["value"] is not None:
        assert close(kappa["value"], cohen_kappa_score(truth, given_))
        table = confusion_matrix(truth, given_, labels=list(range(q)))
        assert_kappa_interval(kappa, quietly(cohens_kappa, table))


@PROPERTY
@given(matrices(raters=(3, 5), items=(12, 30), missing=(0.0, 0.0)))
def test_lights_kappa_is_the_mean_of_sklearn_pairwise_kappas(case):
    matrix, q = case
    agreement = compute_metrics(frame_from_matrix(matrix), labels=_labels(q))["agreement"]
    raters = len(matrix[0])
    expected = {
        (f"r{a:02d}", f"r{b:02d}"): quietly(
            cohen_kappa_score, [r[a] for r in matrix], [r[b] for r in matrix], labels=list(range(q))
        )
        for a in range(raters)
        for b in range(a + 1, raters)
    }
    listed = {tuple(pair["annotators"]): pair["cohen_kappa"]["value"] for pair in agreement["pairwise"]}
    assert listed.keys() == expected.keys()
    for pair, kappa in expected.items():
        assert (listed[pair] is None) == bool(np.isnan(kappa))
        assert listed[pair] is None or close(listed[pair], kappa)
    defined = [kappa for kappa in expected.values() if not np.isnan(kappa)]
    if defined:
        assert close(agreement["cohen_kappa"]["value"], float(np.mean(defined)))
    else:
        assert agreement["cohen_kappa"]["value"] is None


@PROPERTY
@given(st.integers(0, 2**32 - 1))
def test_anchoring_and_error_concentration_match_direct_counts(seed):
    rng = np.random.default_rng(seed)
    n = 200
    gold = rng.integers(0, 3, n)
    prelabel = np.where(rng.random(n) < 0.7, gold, (gold + 1) % 3)
    label = np.where(rng.random(n) < 0.5, prelabel, np.where(rng.random(n) < 0.8, gold, (gold + 2) % 3))
    frame = pd.DataFrame(
        {
            "item_id": [f"i{i}" for i in range(n)],
            "annotator_id": [f"a{i % 7}" for i in range(n)],
            "label": label.astype(str),
            "queue": "prelabeled",
            "prelabel": prelabel.astype(str),
        }
    )
    gold_frame = pd.DataFrame({"item_id": [f"i{i}" for i in range(n)], "label": gold.astype(str)})
    document = compute_metrics(frame, gold=gold_frame)
    anchoring = document["anchoring"]
    wrong, right = prelabel != gold, prelabel == gold
    kept, errors = int((wrong & (label == prelabel)).sum()), int((right & (label != gold)).sum())
    assert anchoring["kept_wrong_prelabel"]["value"] == kept / wrong.sum()
    assert anchoring["error_rate_prelabel_right"]["value"] == errors / right.sum()
    low, high = confint_proportions_2indep(kept, wrong.sum(), errors, right.sum(), method="newcomb")
    assert_interval(anchoring["difference"]["ci95"], low, high)
    table = np.array([[((gold == k) & (label != gold)).sum() for k in range(3)],
                      [((gold == k) & (label == gold)).sum() for k in range(3)]])  # fmt: skip
    chi2, p_value, df, _ = stats.chi2_contingency(table, correction=False)
    test = document["error_concentration"]["equal_error_rates_test"]
    assert close(test["statistic"], chi2) and close(test["p_value"], p_value) and test["df"] == df
