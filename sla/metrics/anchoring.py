"""Pre-annotation anchoring and whether errors cluster in a few labels.

Anchoring (on annotations of gold items that carried a pre-label):

- ``kept_wrong_prelabel``: where the pre-label was wrong, the share of annotations that kept
  it (annotated label == pre-label);
- ``error_rate_prelabel_right``: where the pre-label was right, the share of annotations that
  are wrong anyway, the baseline error;
- ``difference``: kept share minus baseline, with Newcombe's (1998) hybrid Wilson interval.
  Annotators who judge independently keep a wrong pre-label less often than they err on
  a right one (a kept wrong pre-label is one specific error among many); a kept share
  above the baseline error is the signature of anchoring.

Error concentration (all annotations of gold items): errors and error rate per gold label,
the fewest labels that together hold at least half of the errors with their share of the
annotations, and Pearson's chi-squared test that the error rate is the same for every gold
label (``chi2 = sum (observed - expected)^2 / expected`` over the labels x {error, correct}
table, df = labels - 1; scipy's ``chi2_contingency(correction=False)``). Errors that
cluster show as half of the errors in a small share of the annotations and a small p-value.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from .measures import measure, newcombe_difference, proportion, undefined

NO_WRONG = "no annotation of a gold item carried a wrong pre-label"
NO_RIGHT = "no annotation of a gold item carried a right pre-label"


def anchoring(label: np.ndarray, prelabel: np.ndarray, gold_of_row: np.ndarray) -> dict:
    """Kept-wrong-pre-label share against the error rate under right pre-labels."""
    carried = (gold_of_row >= 0) & (prelabel != -1)
    wrong_pre = carried & (prelabel != gold_of_row)
    right_pre = carried & (prelabel == gold_of_row)
    kept = int((wrong_pre & (label == prelabel)).sum())
    wrong_n = int(wrong_pre.sum())
    right_errors = int((right_pre & (label != gold_of_row)).sum())
    right_n = int(right_pre.sum())
    wrong_errors = int((wrong_pre & (label != gold_of_row)).sum())
    return {
        "annotations_with_prelabel": int(carried.sum()),
        "kept_wrong_prelabel": proportion(kept, wrong_n, NO_WRONG),
        "error_rate_prelabel_wrong": proportion(wrong_errors, wrong_n, NO_WRONG),
        "error_rate_prelabel_right": proportion(right_errors, right_n, NO_RIGHT),
        "difference": _difference((kept, wrong_n), (right_errors, right_n)),
    }


def _difference(kept: tuple[int, int], baseline: tuple[int, int]) -> dict:
    if kept[1] == 0 or baseline[1] == 0:
        return undefined(kept[1] + baseline[1], NO_WRONG if kept[1] == 0 else NO_RIGHT)
    value = kept[0] / kept[1] - baseline[0] / baseline[1]
    return measure(value, newcombe_difference(kept, baseline), kept[1] + baseline[1])


def error_concentration(table: np.ndarray, names: tuple[str, ...]) -> dict:
    """Errors per gold label, the labels that hold half of them, and a chi-squared test."""
    annotations = table.sum(axis=1)
    errors = annotations - np.diag(table)
    present = np.flatnonzero(annotations > 0)
    total_errors = int(errors.sum())
    order = present[np.lexsort((present, -errors[present]))]
    labels = [
        {
            "label": names[index],
            "annotations": int(annotations[index]),
            "errors": int(errors[index]),
            "error_rate": float(errors[index] / annotations[index]),
            "share_of_errors": float(errors[index] / total_errors) if total_errors else 0.0,
        }
        for index in order
    ]
    return {
        "measured_by": "errors per gold label against annotations per gold label",
        "labels": labels,
        "half_of_errors": _half(order, errors, annotations, names, total_errors),
        "equal_error_rates_test": _chi2(errors[present], annotations[present]),
    }


def _half(order, errors, annotations, names, total_errors) -> dict | None:
    if total_errors == 0:
        return None
    cumulative = np.cumsum(errors[order])
    count = int(np.searchsorted(cumulative, total_errors / 2.0)) + 1
    chosen = order[:count]
    return {
        "labels": [names[index] for index in chosen],
        "share_of_errors": float(errors[chosen].sum() / total_errors),
        "share_of_annotations": float(annotations[chosen].sum() / annotations.sum()),
        "labels_with_annotations": int(order.size),
    }


def _chi2(errors: np.ndarray, annotations: np.ndarray) -> dict:
    total = annotations.sum()
    rate = errors.sum() / total if total else 0.0
    if errors.size < 2 or rate in (0.0, 1.0):
        return {
            "statistic": None,
            "df": None,
            "p_value": None,
            "note": "needs two or more gold labels and both errors and correct annotations",
        }
    observed = np.stack([errors, annotations - errors]).astype(float)
    expected = np.stack([annotations * rate, annotations * (1.0 - rate)])
    statistic = float(((observed - expected) ** 2 / expected).sum())
    df = int(errors.size - 1)
    return {"statistic": statistic, "df": df, "p_value": float(special.chdtrc(df, statistic))}  # chi2.sf
