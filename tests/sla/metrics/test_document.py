"""The metrics document: its shape, the per-queue and per-annotator figures, reading aids.

Figures here are checked against direct recomputation from the rows (pandas), so the
document says what its keys promise: per-queue accuracy and claim gaps, leave-one-out
agreement that never includes the annotator's own vote, label order, warnings, pairs.
"""

import json
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from sla.metrics import compute_metrics
from sla.metrics.cohen import MIN_SHARED_ITEMS

from .helpers import close, frame_from_matrix, random_delivery

API_KEYS = {
    "rows",
    "items",
    "annotators",
    "overlap_rate",
    "agreement",
    "accuracy",
    "by_queue",
    "by_annotator",
    "by_label",
}
AGREEMENT_KEYS = {
    "percent_agreement",
    "cohen_kappa",
    "fleiss_kappa",
    "krippendorff_alpha",
    "gwet_ac1",
    "scott_pi",
    "weighted_kappa_linear",
    "weighted_kappa_quadratic",
    "pairwise",
}


def _plain(node) -> bool:
    if isinstance(node, dict):
        return all(isinstance(key, str) and _plain(value) for key, value in node.items())
    if isinstance(node, list):
        return all(_plain(value) for value in node)
    return node is None or type(node) in (str, int, float, bool)


@pytest.fixture(scope="module")
def delivery():
    frame, gold, labels = random_delivery(42, items=400, annotators=8)
    return frame, gold, labels, compute_metrics(frame, labels=labels, gold=gold, claimed_accuracy=0.97, level="ordinal")


def test_document_has_the_api_shape_and_only_plain_json(delivery):
    frame, _, labels, document = delivery
    assert document.keys() >= API_KEYS
    assert set(document["agreement"]) == AGREEMENT_KEYS
    assert set(document["by_queue"]) == {"prelabeled", "full"}
    assert document["rows"] == len(frame) and document["labels"] == labels
    assert _plain(document)
    json.dumps(document, allow_nan=False)
    items = frame.groupby("item_id").size()
    assert document["overlap_rate"] == (items >= 2).mean()
    assert document["annotations_per_item"]["distribution"] == [
        {"annotations": int(size), "items": int(count)} for size, count in sorted(Counter(items).items())
    ]


def test_queues_are_measured_separately_with_the_claim_gap(delivery):
    frame, gold, _, document = delivery
    truth = dict(zip(gold["item_id"], gold["label"], strict=True))
    for queue, section in document["by_queue"].items():
        rows = frame[(frame["queue"] == queue) & frame["item_id"].isin(truth)]
        accuracy = (rows["label"] == rows["item_id"].map(truth)).mean()
        assert close(section["accuracy"]["value"], accuracy)
        assert close(section["claimed_accuracy_gap"], 0.97 - accuracy)
        assert section["rows"] == int((frame["queue"] == queue).sum())
    assert close(document["claimed_accuracy_gap"], 0.97 - document["accuracy"]["value"])


def _leave_one_out(frame: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """Direct, slow leave-one-out: (ratings with a clear majority of others, agreements)."""
    result = {}
    for _, item in frame.groupby("item_id"):
        for position, row in enumerate(item.itertuples()):
            others = Counter(item["label"].drop(item.index[position]))
            if not others:
                continue
            (top, count), *rest = others.most_common() + [(None, 0)]
            clear, agrees = result.get(row.annotator_id, (0, 0))
            if rest[0][1] < count:
                result[row.annotator_id] = (clear + 1, agrees + (row.label == top))
    return result


def test_per_annotator_agreement_is_leave_one_out(delivery):
    frame, gold, _, document = delivery
    expected = _leave_one_out(frame)
    truth = dict(zip(gold["item_id"], gold["label"], strict=True))
    for entry in document["by_annotator"]:
        clear, agrees = expected.get(entry["annotator"], (0, 0))
        assert entry["agreement"]["n"] == clear
        assert clear == 0 or close(entry["agreement"]["value"], agrees / clear)
        own = frame[(frame["annotator_id"] == entry["annotator"]) & frame["item_id"].isin(truth)]
        wrong = own[own["label"] != own["item_id"].map(truth)]
        assert sum(cell["count"] for cell in entry["wrong_labels"]) == len(wrong)
    assert [entry["annotator"] for entry in document["by_annotator"]] == sorted(frame["annotator_id"].unique())


def test_numeric_labels_sort_numerically_and_rank_at_the_ordinal_level():
    matrix = [["2", "10"], ["10", "10"], ["1", "2"], ["2", "2"], ["1", "1"], ["10", "2"]]
    document = compute_metrics(frame_from_matrix(matrix), level="ordinal")
    assert document["labels"] == ["1", "2", "10"]
    expected = cohen_kappa_score([int(a) for a, _ in matrix], [int(b) for _, b in matrix], weights="linear")
    assert close(document["agreement"]["weighted_kappa_linear"]["value"], expected)


def test_warnings_name_what_the_data_cannot_support():
    matrix = [["a", "a"]] * 20 + [["b", "a"], ["c", "c"]]
    frame = frame_from_matrix(matrix)
    frame = pd.concat([frame, frame.iloc[[0]]])  # the same annotator rates an item twice
    codes = {warning["code"] for warning in compute_metrics(frame)["warnings"]}
    assert codes == {"kappa_paradox", "few_items", "rare_label", "duplicate_ratings"}


def test_pairs_listed_are_those_that_share_enough_items():
    rng = np.random.default_rng(0)
    matrix = [[str(v) for v in rng.integers(0, 3, 2)] + [None] for _ in range(MIN_SHARED_ITEMS + 5)]
    matrix += [[str(rng.integers(0, 3)), None, str(rng.integers(0, 3))] for _ in range(3)]
    document = compute_metrics(frame_from_matrix(matrix))
    agreement = document["agreement"]
    assert [pair["annotators"] for pair in agreement["pairwise"]] == [["r00", "r01"]]
    only = agreement["pairwise"][0]["cohen_kappa"]
    # Light's mean over one pair is that pair's kappa, and the item-clustered interval
    # reduces to the pair's Fleiss-Cohen-Everitt interval.
    assert agreement["cohen_kappa"]["value"] == only["value"]
    assert np.allclose(agreement["cohen_kappa"]["ci95"], only["ci95"], rtol=0, atol=1e-12)


def test_bootstrap_intervals_are_reproducible_and_seeded(delivery):
    frame, gold, labels, document = delivery
    again = compute_metrics(frame, labels=labels, gold=gold, claimed_accuracy=0.97, level="ordinal")
    other = compute_metrics(frame, labels=labels, gold=gold, claimed_accuracy=0.97, level="ordinal", seed=1)
    assert again == document
    assert other["agreement"]["krippendorff_alpha"]["ci95"] != document["agreement"]["krippendorff_alpha"]["ci95"]
    assert other["agreement"]["krippendorff_alpha"]["value"] == document["agreement"]["krippendorff_alpha"]["value"]
    low, high = document["macro_f1"]["ci95"]
    assert low <= document["macro_f1"]["value"] <= high


def test_anchoring_and_error_concentration_are_reported(delivery):
    _, _, _, document = delivery
    anchoring = document["anchoring"]
    assert anchoring["kept_wrong_prelabel"]["value"] > anchoring["error_rate_prelabel_right"]["value"]
    assert anchoring["difference"]["ci95"][0] > 0
    half = document["error_concentration"]["half_of_errors"]
    assert half["share_of_errors"] >= 0.5 and half["labels"]
