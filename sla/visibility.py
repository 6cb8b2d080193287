"""What of a metrics document a vendor user may see, and who counts as an outlier annotator.

Gold labels are secret from vendors (DESIGN.md): a vendor who knows which gold label
each item has, or how the gold set is composed, can game accuracy. Aggregates that only
describe the vendor's own labeling (accuracy with its interval, precision, recall, F1,
agreement) stay; the confusion matrix against gold, each label's gold support, errors per
gold label and each annotator's gold-versus-given label counts are removed. The pages,
the API and the PDF reports all use this one rule. Pure: no Django.
"""

GOLD_INTERNAL_KEYS = ("confusion_matrix", "error_concentration")
OUTLIER_MIN_GOLD = 5


def metrics_for_vendor(metrics: dict | None) -> dict | None:
    """A copy of the metrics document without what describes the gold set."""
    if metrics is None:
        return None
    visible = {key: value for key, value in metrics.items() if key not in GOLD_INTERNAL_KEYS}
    visible["by_label"] = [_without(row, "support") for row in metrics.get("by_label", [])]
    visible["by_annotator"] = [_without(row, "wrong_labels") for row in metrics.get("by_annotator", [])]
    return visible


def _without(row: dict, key: str) -> dict:
    return {name: value for name, value in row.items() if name != key}


def is_outlier(annotator_accuracy: dict | None, batch_accuracy: float | None) -> bool:
    """An annotator with enough gold annotations whose whole 95% interval is below the batch's accuracy."""
    if batch_accuracy is None or not annotator_accuracy or annotator_accuracy.get("value") is None:
        return False
    ci95 = annotator_accuracy.get("ci95")
    return bool(ci95) and annotator_accuracy.get("n", 0) >= OUTLIER_MIN_GOLD and ci95[1] < batch_accuracy


def annotator_outliers(metrics: dict | None) -> set[str]:
    batch_accuracy = ((metrics or {}).get("accuracy") or {}).get("value")
    return {
        a["annotator"] for a in (metrics or {}).get("by_annotator", []) if is_outlier(a.get("accuracy"), batch_accuracy)
    }
