"""What of a batch's metrics and findings a vendor may see, and who counts as an outlier annotator.

Gold labels are secret from vendors (DESIGN.md): a vendor who knows which gold label
each item has, or how the gold set is composed, can game accuracy. A vendor controls what
it uploads, so it can cut a figure down to one gold item: give every (item, label) pair
its own annotator id, and an annotator with accuracy 1.0 over one item names a gold item
and its label. The rule, for every figure computed against gold (accuracy, macro-F1 and
kappa against gold for the batch and each queue, each annotator's accuracy, each label's
precision, recall and F1, and the findings built on them):

- it is shown only when it rests on at least ``min_gold_items`` gold items, counted as
  their effective number (``sla/metrics/gold.py``: one gold item rated a thousand times
  counts as about one), otherwise it is withheld with the reason;
- gold composition is never shown: the confusion matrix, each label's gold support,
  errors per gold label, each annotator's gold-versus-given label counts, the gold item
  counts themselves, and pre-label anchoring (its subsets are chosen by the vendor's own
  pre-labels, so it is withheld whole).

A document without gold item counts (computed before they were recorded) fails closed:
its gold figures are withheld. What stays is the vendor's own labeling: agreement between
its annotators, overlap, prevalence of its labels.

Residual risk, accepted and documented in ``sla/README.md``: a shown figure still carries
its ``n`` (annotations on gold items), so a vendor differencing many near-identical
uploads can learn which items are gold one by one; such uploads are the probes
``probe_signals`` flags for the lead. Whether a figure is withheld also says on which
side of ``min_gold_items`` a subset lies.

The pages, the API and the PDF reports all reach this rule through the selectors
``sla.selectors.batch_metrics_visible`` and ``batch_findings_visible``. Pure: no Django.
"""

from dataclasses import dataclass

GOLD_INTERNAL_KEYS = ("confusion_matrix", "error_concentration", "anchoring")
GOLD_MEASURES = ("accuracy", "macro_f1", "kappa_vs_gold")
GOLD_COUNT_KEYS = ("gold_items", "gold_items_effective")
LABEL_GOLD_FIGURES = ("precision", "recall", "f1")
GOLD_FINDING_TERMS = frozenset({"accuracy"})
OUTLIER_MIN_GOLD = 5

# Probe signals: an upload shaped to isolate gold items rather than to deliver work.
PROBE_MIN_ANNOTATORS = 10
PROBE_SINGLE_ITEM_SHARE = 0.5
PROBE_ANNOTATORS_PER_ITEM = 0.5


def withheld_reason(min_gold_items: int) -> str:
    return f"withheld: fewer than {min_gold_items} gold items"


def _enough(section: dict, min_gold_items: int) -> bool:
    effective = section.get("gold_items_effective")
    return effective is not None and effective >= min_gold_items


def _withheld(reason: str) -> dict:
    return {"value": None, "ci95": None, "n": None, "note": reason, "withheld": True}


def metrics_for_vendor(metrics: dict | None, *, min_gold_items: int) -> dict | None:
    """A copy of the metrics document with gold composition removed and thin gold figures withheld."""
    if metrics is None:
        return None
    reason = withheld_reason(min_gold_items)
    visible = _scope_for_vendor(
        {key: value for key, value in metrics.items() if key not in GOLD_INTERNAL_KEYS}, min_gold_items, reason
    )
    visible["by_queue"] = {
        name: _scope_for_vendor(section, min_gold_items, reason)
        for name, section in (metrics.get("by_queue") or {}).items()
    }
    visible["by_annotator"] = [
        _annotator_for_vendor(row, min_gold_items, reason) for row in metrics.get("by_annotator", [])
    ]
    visible["by_label"] = [_label_for_vendor(row, min_gold_items, reason) for row in metrics.get("by_label", [])]
    return visible


def _scope_for_vendor(section: dict, min_gold_items: int, reason: str) -> dict:
    """The batch or one queue: its gold measures only over enough gold items, never its gold count."""
    visible = {key: value for key, value in section.items() if key not in GOLD_COUNT_KEYS}
    has_gold = any(section.get(name) for name in GOLD_MEASURES)
    if has_gold and not _enough(section, min_gold_items):
        visible.update({name: _withheld(reason) for name in GOLD_MEASURES if section.get(name)})
        if "claimed_accuracy_gap" in section:
            visible["claimed_accuracy_gap"] = None
    if "warnings" in section:
        visible["warnings"] = [_warning_for_vendor(w, min_gold_items) for w in section["warnings"]]
    return visible


def _warning_for_vendor(warning: dict, min_gold_items: int) -> dict:
    """The few-gold-items warning names the gold count; the vendor reads only that it is below the rule."""
    if warning.get("code") == "few_items" and "gold items" in warning.get("message", ""):
        return {**warning, "message": f"accuracy rests on fewer than {min_gold_items} gold items"}
    return warning


def _annotator_for_vendor(row: dict, min_gold_items: int, reason: str) -> dict:
    visible = {k: v for k, v in row.items() if k != "wrong_labels" and k not in GOLD_COUNT_KEYS}
    if row.get("accuracy") and not _enough(row, min_gold_items):
        visible["accuracy"] = _withheld(reason)
    return visible


def _label_for_vendor(row: dict, min_gold_items: int, reason: str) -> dict:
    visible = {k: v for k, v in row.items() if k != "support" and k not in GOLD_COUNT_KEYS}
    if not _enough(row, min_gold_items):
        visible.update({name: None for name in LABEL_GOLD_FIGURES})
        visible["note"] = reason
    return visible


@dataclass(frozen=True)
class FindingView:
    """What of a finding a reader sees; a withheld one keeps its term, verdict and threshold."""

    withheld: bool
    reason: str = ""


def finding_for_vendor(*, term: str, extra: dict | None, metrics: dict | None, min_gold_items: int) -> FindingView:
    """Whether a finding's measured value, interval, n and detail must be withheld from a vendor.

    A finding on accuracy (the batch's or a queue's, or its drift) repeats a gold figure,
    so it follows that figure's rule. Its verdict stays: it is the contract's decision.
    """
    extra = extra or {}
    gold_derived = term in GOLD_FINDING_TERMS or (term == "drift" and extra.get("measure") in GOLD_MEASURES)
    if not gold_derived:
        return FindingView(withheld=False)
    scope = metrics or {}
    if extra.get("queue"):
        scope = (scope.get("by_queue") or {}).get(extra["queue"]) or {}
    if _enough(scope, min_gold_items):
        return FindingView(withheld=False)
    return FindingView(withheld=True, reason=withheld_reason(min_gold_items))


def probe_signals(metrics: dict | None) -> list[str]:
    """Why an upload looks shaped to isolate gold items (empty when it does not).

    A real delivery has annotators who each label many items; a probe gives annotators
    one item each, or as many annotators as items, so each per-annotator figure rests on
    a single item.
    """
    if not metrics:
        return []
    annotators = metrics.get("by_annotator") or []
    if len(annotators) < PROBE_MIN_ANNOTATORS:
        return []
    signals = []
    single = sum(1 for row in annotators if row.get("rows", 0) <= 1)
    if single / len(annotators) >= PROBE_SINGLE_ITEM_SHARE:
        signals.append(f"{single} of {len(annotators)} annotators rated a single row")
    items = metrics.get("items") or 0
    if items and len(annotators) / items >= PROBE_ANNOTATORS_PER_ITEM:
        signals.append(f"{len(annotators)} annotators for {items} items")
    return signals


def is_outlier(annotator_accuracy: dict | None, batch_accuracy: float | None) -> bool:
    """An annotator with enough gold annotations whose whole 95% interval is below the batch's accuracy."""
    if batch_accuracy is None or not annotator_accuracy or annotator_accuracy.get("value") is None:
        return False
    ci95 = annotator_accuracy.get("ci95")
    return bool(ci95) and (annotator_accuracy.get("n") or 0) >= OUTLIER_MIN_GOLD and ci95[1] < batch_accuracy


def annotator_outliers(metrics: dict | None) -> set[str]:
    batch_accuracy = ((metrics or {}).get("accuracy") or {}).get("value")
    return {
        a["annotator"] for a in (metrics or {}).get("by_annotator", []) if is_outlier(a.get("accuracy"), batch_accuracy)
    }
