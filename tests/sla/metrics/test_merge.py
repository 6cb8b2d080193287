"""Chunked-and-merged statistics give exactly the whole batch's document.

Chunks are cut at random rows, so one item's ratings land in several chunks; they are
merged in shuffled order and in uneven groups. Equality is exact (``==`` on the JSON
document), bootstrap intervals included, because every figure is computed from canonical
forms of the merged statistics.
"""

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sla.metrics import BatchStatistics, compute_metrics, merge_statistics

from .helpers import PROPERTY, random_delivery


def _chunks(frame: pd.DataFrame, count: int, rng: np.random.Generator) -> list[pd.DataFrame]:
    chunk_of_row = rng.integers(0, count, len(frame))
    return [frame[chunk_of_row == index] for index in range(count)]


@PROPERTY
@given(
    seed=st.integers(0, 2**32 - 1),
    count=st.integers(2, 6),
    level=st.sampled_from(["nominal", "ordinal"]),
    given_labels=st.booleans(),
)
def test_merged_chunks_equal_the_whole_batch(seed, count, level, given_labels):
    frame, gold, labels = random_delivery(seed)
    labels = labels if given_labels else None
    rng = np.random.default_rng(seed)
    whole = compute_metrics(frame, level=level, labels=labels, gold=gold, claimed_accuracy=0.9, seed=seed % 1000)
    stats = [
        BatchStatistics.from_frame(chunk, labels=labels, level=level, gold=gold) for chunk in _chunks(frame, count, rng)
    ]
    order = rng.permutation(count)
    merged = merge_statistics([stats[index] for index in order])
    assert merged.document(claimed_accuracy=0.9, seed=seed % 1000) == whole
    pairwise = stats[order[0]]
    for index in order[1:]:
        pairwise = pairwise.merge(stats[index])
    assert pairwise.document(claimed_accuracy=0.9, seed=seed % 1000) == whole


def test_row_order_does_not_change_the_document():
    frame, gold, labels = random_delivery(11, items=300, annotators=9)
    shuffled = frame.sample(frac=1.0, random_state=3)
    assert compute_metrics(shuffled, labels=labels, gold=gold) == compute_metrics(frame, labels=labels, gold=gold)


def test_merging_is_associative_and_keeps_gold_of_items_split_across_chunks():
    frame, gold, labels = random_delivery(5, items=200, annotators=8)
    ordered = frame.sort_values("item_id")
    bounds = np.linspace(0, len(ordered), 6).astype(int)
    parts = [ordered.iloc[start:end] for start, end in zip(bounds[:-1], bounds[1:], strict=True)]
    stats = [BatchStatistics.from_frame(part, labels=labels, gold=gold) for part in parts]
    left = stats[0].merge(stats[1]).merge(stats[2].merge(stats[3])).merge(stats[4])
    right = merge_statistics(stats[::-1])
    document = compute_metrics(frame, labels=labels, gold=gold)
    assert left.document() == right.document() == document
    assert document["accuracy"]["n"] == int(frame["item_id"].isin(gold["item_id"]).sum())
    json.dumps(document, allow_nan=False)


def test_chunks_with_different_label_vocabularies_merge_to_the_sorted_union():
    frame = pd.DataFrame(
        {
            "item_id": ["a", "a", "b", "b", "c", "c"],
            "annotator_id": ["x", "y"] * 3,
            "label": ["2", "10", "2", "2", "1", "1"],
        }
    )
    parts = [BatchStatistics.from_frame(frame.iloc[:2]), BatchStatistics.from_frame(frame.iloc[2:])]
    document = merge_statistics(parts).document()
    assert document["labels"] == ["1", "2", "10"]
    assert document == compute_metrics(frame)


def test_chunks_that_give_one_item_two_gold_labels_are_refused():
    frame = pd.DataFrame({"item_id": ["a", "b"], "annotator_id": ["x", "x"], "label": ["1", "2"]})
    first = BatchStatistics.from_frame(frame, gold=pd.DataFrame({"item_id": ["a"], "label": ["1"]}))
    second = BatchStatistics.from_frame(frame, gold=pd.DataFrame({"item_id": ["a"], "label": ["2"]}))
    with pytest.raises(ValueError, match="different gold labels for the same item"):
        merge_statistics([first, second])


def test_a_chunk_keeps_only_the_gold_of_its_own_items():
    frame, gold, labels = random_delivery(7, items=300, annotators=6)
    part = frame[frame["item_id"].isin(frame["item_id"].unique()[:40])]
    statistics = BatchStatistics.from_frame(part, labels=labels, gold=gold)
    assert len(statistics.item_ids) == part["item_id"].nunique() == len(statistics.gold)
    assert statistics.document() == compute_metrics(part, labels=labels, gold=gold)


def test_chunks_that_disagree_on_settings_are_refused():
    frame, gold, labels = random_delivery(1)
    with pytest.raises(ValueError, match="cannot be merged"):
        BatchStatistics.from_frame(frame, labels=labels).merge(
            BatchStatistics.from_frame(frame, labels=labels, level="ordinal")
        )
    with pytest.raises(ValueError, match="cannot be merged"):
        BatchStatistics.from_frame(frame, labels=labels).merge(
            BatchStatistics.from_frame(frame, labels=labels, gold=gold)
        )
    with pytest.raises(ValueError, match="nothing to merge"):
        merge_statistics([])


def test_statistics_without_some_ratings_are_those_of_the_rows_left():
    frame, gold, labels = random_delivery(7, items=200, annotators=8)
    rng = np.random.default_rng(7)
    repeats = frame.sample(n=60, random_state=7).assign(label=lambda rows: rng.permutation(rows["label"].to_numpy()))
    given = pd.concat([frame, repeats], ignore_index=True).sample(frac=1.0, random_state=5).reset_index(drop=True)
    dropped = np.flatnonzero(given.duplicated(["item_id", "annotator_id"], keep="last").to_numpy())

    stats = BatchStatistics.from_frame(given, labels=labels, gold=gold).without_ratings(dropped)

    left = given.drop(index=dropped)
    assert stats.rows == len(left) == len(frame)
    assert stats.document(seed=3) == compute_metrics(left, labels=labels, gold=gold, seed=3)
    assert stats.document(seed=3) != BatchStatistics.from_frame(given, labels=labels, gold=gold).document(seed=3)
