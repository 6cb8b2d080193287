"""Merging many ids goes through hash groups (bounded memory): the document is still the one-pass document."""

import pandas as pd

from sla.metrics import BatchStatistics, compute_metrics, merge_statistics
from sla.metrics import statistics as statistics_module
from sla.simulate import DeliverySpec, simulate_delivery


def test_merging_ids_in_hash_groups_gives_the_one_pass_document(monkeypatch):
    monkeypatch.setattr(statistics_module, "UNION_BUCKET_ABOVE", 10)
    delivery = simulate_delivery(DeliverySpec(items=600, seed=5))
    frame = delivery.annotations[["item_id", "annotator_id", "label", "queue", "prelabel"]]
    gold = delivery.gold
    labels = sorted(frame["label"].dropna().unique())
    chunks = [
        BatchStatistics.from_frame(frame.iloc[start : start + 97], labels=labels, gold=gold)
        for start in range(0, len(frame), 97)
    ]
    merged = merge_statistics(chunks)

    assert len(merged.item_ids) == pd.concat([frame["item_id"], gold["item_id"]]).nunique()
    assert merged.document(seed=4) == compute_metrics(frame, labels=labels, gold=gold, seed=4)
