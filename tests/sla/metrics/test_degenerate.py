"""Inputs that cannot support a number give null with a note, never an exception or a guess.

Also: invalid input (unknown level, a label outside the label set, a conflicting gold
set) is refused with a ValueError naming the problem, which callers turn into a 400.
"""

import json
import math

import pandas as pd
import pytest

from sla.metrics import compute_metrics

from .helpers import frame_from_matrix

COEFFICIENTS = ("cohen_kappa", "fleiss_kappa", "krippendorff_alpha", "gwet_ac1", "scott_pi")


def _measures(node):
    """Every measure record (a dict with "value" and "n") in a document."""
    if isinstance(node, dict):
        if "value" in node and "n" in node:
            yield node
        for child in node.values():
            yield from _measures(child)
    elif isinstance(node, list):
        for child in node:
            yield from _measures(child)


def _assert_plain_json(document):
    json.dumps(document, allow_nan=False)
    for measure in _measures(document):
        assert measure["value"] is None or math.isfinite(measure["value"])
        assert (measure["value"] is None) == ("note" in measure), measure
        assert measure["value"] is not None or measure["ci95"] is None


def _null(measure):
    return measure["value"] is None and measure["note"]


def test_empty_input():
    frame = pd.DataFrame({"item_id": [], "annotator_id": [], "label": []}, dtype=str)
    document = compute_metrics(frame)
    _assert_plain_json(document)
    assert (document["rows"], document["items"], document["annotators"]) == (0, 0, 0)
    assert document["overlap_rate"] is None
    assert all(_null(measure) for measure in _measures(document["agreement"]))


def test_all_labels_missing():
    frame = pd.DataFrame({"item_id": ["a", "a", "b"], "annotator_id": ["x", "y", "x"], "label": [None, "", None]})
    document = compute_metrics(frame)
    _assert_plain_json(document)
    assert document["rows_without_rating"] == 3 and document["items"] == 0
    assert all(_null(measure) for measure in _measures(document["agreement"]))


def test_one_item():
    document = compute_metrics(frame_from_matrix([["a", "b", "a"]]))
    _assert_plain_json(document)
    assert all(_null(document["agreement"][name]) for name in COEFFICIENTS)
    assert document["agreement"]["percent_agreement"]["value"] == pytest.approx(1 / 3)


def test_one_annotator():
    document = compute_metrics(frame_from_matrix([["a"], ["b"], ["a"]]))
    _assert_plain_json(document)
    assert document["overlap_rate"] == 0.0
    assert all(_null(measure) for measure in _measures(document["agreement"]))
    assert {warning["code"] for warning in document["warnings"]} >= {"single_rating_items", "few_items"}


def test_one_label():
    matrix = [["yes", "yes"]] * 5
    document = compute_metrics(frame_from_matrix(matrix))
    _assert_plain_json(document)
    agreement = document["agreement"]
    assert agreement["percent_agreement"]["value"] == 1.0
    for name in COEFFICIENTS:
        assert _null(agreement[name]), name
    # With a label set of two labels, AC1's chance agreement is 0 and AC1 = raw agreement (Gwet 2008).
    with_set = compute_metrics(frame_from_matrix(matrix), labels=["yes", "no"])["agreement"]
    assert with_set["gwet_ac1"]["value"] == 1.0
    assert _null(with_set["fleiss_kappa"])
    assert "kappa_paradox" in {warning["code"] for warning in document["warnings"]}


def test_all_agree():
    document = compute_metrics(frame_from_matrix([["a", "a"], ["b", "b"], ["a", "a"], ["b", "b"]]), level="ordinal")
    _assert_plain_json(document)
    for name in (*COEFFICIENTS, "weighted_kappa_linear", "weighted_kappa_quadratic", "percent_agreement"):
        measure = document["agreement"][name]
        assert measure["value"] == pytest.approx(1.0), name
        assert measure["ci95"][1] <= 1.0


def test_items_rated_once_only():
    document = compute_metrics(frame_from_matrix([["a", None], [None, "b"], ["a", None]]))
    _assert_plain_json(document)
    assert all(_null(measure) for measure in _measures(document["agreement"]))


def test_systematic_disagreement_is_negative_not_clipped():
    document = compute_metrics(frame_from_matrix([["a", "b"], ["b", "a"]] * 10))
    assert document["agreement"]["cohen_kappa"]["value"] == pytest.approx(-1.0)
    assert document["agreement"]["fleiss_kappa"]["value"] < 0
    assert document["agreement"]["krippendorff_alpha"]["value"] < 0


def test_gold_without_matching_items():
    gold = pd.DataFrame({"item_id": ["elsewhere"], "label": ["a"]})
    document = compute_metrics(frame_from_matrix([["a", "b"]]), gold=gold)
    _assert_plain_json(document)
    assert _null(document["accuracy"]) and _null(document["macro_f1"]) and _null(document["kappa_vs_gold"])
    assert document["error_concentration"] is None


def test_interval_level_with_words_says_why():
    document = compute_metrics(frame_from_matrix([["low", "high"], ["high", "high"], ["low", "low"]]), level="interval")
    assert "numeric" in document["agreement"]["krippendorff_alpha"]["note"]
    assert "numeric" in document["agreement"]["weighted_kappa_linear"]["note"]


def test_nominal_level_has_no_weighted_kappa():
    document = compute_metrics(frame_from_matrix([["a", "b"], ["b", "b"], ["a", "a"]]))
    assert "ordered level" in document["agreement"]["weighted_kappa_quadratic"]["note"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"level": "cardinal"}, "level must be one of"),
        ({"labels": ["a"]}, "not in the label set"),
        ({"labels": ["a", "b", "a"]}, "twice"),
        ({"claimed_accuracy": 95}, "between 0 and 1"),
        ({"seed": -1}, "non-negative"),
        ({"gold": pd.DataFrame({"item_id": ["u000", "u000"], "label": ["a", "b"]})}, "two different labels"),
        ({"gold": pd.DataFrame({"item": ["u000"], "label": ["a"]})}, "lack column"),
    ],
)
def test_invalid_input_is_refused(change, message):
    with pytest.raises(ValueError, match=message):
        compute_metrics(frame_from_matrix([["a", "b"], ["b", "b"]]), **change)


def test_unknown_queue_is_refused():
    frame = frame_from_matrix([["a", "b"]]).assign(queue=["prelabeled", "express"])
    with pytest.raises(ValueError, match="unknown queue"):
        compute_metrics(frame)
