"""The vendor rule on metrics documents built by the real engine: no crafted upload shows a thin gold figure."""

import pandas as pd

from sla.metrics import BatchStatistics
from sla.visibility import finding_for_vendor, metrics_for_vendor, probe_signals

LABELS = ["negative", "neutral", "positive"]
K = 20


def document(rows: list[tuple[str, str, str]], gold: dict[str, str], queues: list[str] | None = None) -> dict:
    frame = pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])
    frame["queue"] = queues
    frame["prelabel"] = None
    gold_frame = pd.DataFrame(list(gold.items()), columns=["item_id", "label"])
    return BatchStatistics.from_frame(frame, labels=LABELS, gold=gold_frame).document(seed=1)


def gold_items(count: int) -> dict[str, str]:
    return {f"g{i}": LABELS[i % 3] for i in range(count)}


def test_every_pair_its_own_annotator_shows_no_annotator_or_label_figure():
    gold = gold_items(30)
    rows = [(item, f"p|{item}|{label}", label) for item in gold for label in LABELS]
    full = document(rows, gold)
    assert sum(1 for a in full["by_annotator"] if a["accuracy"]["value"] == 1.0) == 30, "the buyer's view leaks"
    visible = metrics_for_vendor(full, min_gold_items=K)
    assert all(a["accuracy"]["value"] is None and a["accuracy"]["withheld"] for a in visible["by_annotator"])
    assert all(a["accuracy"]["n"] is None and a["accuracy"]["ci95"] is None for a in visible["by_annotator"])
    assert all(row["precision"] is None and row["recall"] is None for row in visible["by_label"])
    assert visible["accuracy"]["value"] == full["accuracy"]["value"] == 1 / 3, "30 gold items: the batch shows"
    assert "confusion_matrix" not in visible and "anchoring" not in visible
    assert not any("support" in row or "gold_items" in row for row in visible["by_label"])


def test_one_gold_item_rated_many_times_does_not_count_as_many():
    """Duplicates or a crowd on one item weigh it; the effective number of gold items stays about one."""
    gold = gold_items(25)
    rows = [("g0", "a1", "negative")] * 40 + [(item, "a2", "neutral") for item in list(gold)[1:20]]
    full = document(rows, gold)
    a1 = next(a for a in full["by_annotator"] if a["annotator"] == "a1")
    assert a1["accuracy"]["n"] == 40 and a1["gold_items"] == 1
    visible = metrics_for_vendor(full, min_gold_items=K)
    assert next(a for a in visible["by_annotator"] if a["annotator"] == "a1")["accuracy"]["value"] is None
    assert full["gold_items"] == 20 and full["gold_items_effective"] < 3
    assert visible["accuracy"]["value"] is None, "the whole batch rests on g0 alone in effect"
    assert visible["accuracy"]["note"] == "withheld: fewer than 20 gold items"


def test_a_thin_queue_is_withheld_while_a_thick_one_shows():
    gold = gold_items(40)
    items = list(gold)
    rows = [(item, "a1", gold[item]) for item in items[:38]] + [(item, "a2", "neutral") for item in items[38:]]
    queues = ["full"] * 38 + ["prelabeled"] * 2
    visible = metrics_for_vendor(document(rows, gold, queues), min_gold_items=K)
    assert visible["by_queue"]["full"]["accuracy"]["value"] == 1.0
    assert visible["by_queue"]["prelabeled"]["accuracy"]["value"] is None
    assert visible["by_queue"]["prelabeled"]["claimed_accuracy_gap"] is None
    assert "gold_items" not in visible["by_queue"]["full"]
    thin = finding_for_vendor(term="accuracy", extra={"queue": "prelabeled"}, metrics=visible, min_gold_items=K)
    assert thin.withheld and not finding_for_vendor(term="iaa", extra={}, metrics={}, min_gold_items=K).withheld


def test_a_document_without_gold_counts_fails_closed():
    old = {"accuracy": {"value": 1.0, "ci95": [0.2, 1.0], "n": 1}, "by_annotator": [], "by_label": []}
    assert metrics_for_vendor(old, min_gold_items=K)["accuracy"]["value"] is None


def test_probe_signals_flag_one_item_annotators_not_a_real_delivery():
    gold = gold_items(30)
    crafted = document([(item, f"p|{item}|{label}", label) for item in gold for label in LABELS], gold)
    assert probe_signals(crafted)
    real = document([(item, f"a{i % 4}", gold[item]) for i, item in enumerate(gold)], gold)
    assert probe_signals(real) == []
