"""Realistic synthetic deliveries: for the demo, the tests and the benchmarks.

A delivery is simulated from a small generative model rather than typed by hand, so the
numbers in the demo and the tests behave like real ones: every item has a true label
drawn from a skewed prevalence; each annotator has their own accuracy and, when wrong,
picks among the other labels; a share of items is annotated by two or three annotators
(the consensus overlap); items of the pre-labeled queue carry a model's pre-label that
is right with ``prelabel_accuracy`` and that annotators keep with ``anchoring``
whatever it says. The gold set is the true label of a random subset of items.
Pure numpy and pandas, seeded: the same arguments give the same delivery.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class DeliverySpec:
    """What to simulate; the defaults are a typical sentiment batch from a managed vendor."""

    items: int = 1_000
    labels: tuple[str, ...] = ("negative", "neutral", "positive")
    prevalence: tuple[float, ...] | None = None
    annotators: int = 12
    accuracy: float = 0.93
    accuracy_spread: float = 0.03
    overlap: float = 0.10
    triple_share: float = 0.3
    prelabeled_share: float = 0.5
    prelabel_accuracy: float = 0.85
    anchoring: float = 0.2
    gold_share: float = 0.2
    escalation_share: float = 0.0
    escalation_resolution_hours: float = 8.0
    escalation_unresolved_share: float = 0.0
    start: str = "2026-11-02T08:00:00Z"
    seed: int = 0


@dataclass(frozen=True)
class SimulatedDelivery:
    annotations: pd.DataFrame
    gold: pd.DataFrame
    truth: pd.Series


def simulate_delivery(spec: DeliverySpec) -> SimulatedDelivery:
    """Simulate annotation rows, a gold set and the true labels for ``spec``."""
    rng = np.random.default_rng(spec.seed)
    n_labels = len(spec.labels)
    prevalence = np.asarray(spec.prevalence or _skewed_prevalence(n_labels), dtype=float)
    truth = rng.choice(n_labels, size=spec.items, p=prevalence / prevalence.sum())
    item_ids = np.array([f"item-{spec.seed:03d}-{i:06d}" for i in range(spec.items)])
    per_item = _annotations_per_item(rng, spec)
    item_index = np.repeat(np.arange(spec.items), per_item)
    annotator = _distinct_annotators(rng, per_item, spec.annotators)
    prelabeled = rng.random(spec.items) < spec.prelabeled_share
    prelabel = _prelabels(rng, truth, spec.prelabel_accuracy, n_labels)
    label = _labels(rng, spec, truth[item_index], prelabel[item_index], prelabeled[item_index], annotator, n_labels)
    labels = np.asarray(spec.labels, dtype=object)
    annotations = pd.DataFrame(
        {
            "item_id": item_ids[item_index],
            "annotator_id": np.array([f"ann-{a:03d}" for a in range(spec.annotators)])[annotator],
            "label": labels[label],
            "queue": np.where(prelabeled[item_index], "prelabeled", "full"),
            "prelabel": np.where(prelabeled[item_index], labels[prelabel[item_index]], ""),
            "annotated_at": pd.Timestamp(spec.start)
            + pd.to_timedelta(np.sort(rng.integers(0, 8 * 3600, len(item_index))), unit="s"),
        }
    )
    gold_items = rng.random(spec.items) < spec.gold_share
    gold = pd.DataFrame({"item_id": item_ids[gold_items], "label": labels[truth[gold_items]]})
    if spec.escalation_share > 0:
        annotations = _with_escalations(rng, spec, annotations)
    return SimulatedDelivery(annotations, gold, pd.Series(labels[truth], index=item_ids, name="label"))


def _with_escalations(rng: np.random.Generator, spec: DeliverySpec, annotations: pd.DataFrame) -> pd.DataFrame:
    """Rows an annotator escalated as edge cases: most resolved after an exponential delay, some still open.

    Drawn after everything else, so a spec without escalations gives the same rows as before.
    """
    escalated = rng.random(len(annotations)) < spec.escalation_share
    seconds = np.rint(rng.exponential(spec.escalation_resolution_hours * 3600, len(annotations)))
    delay = pd.to_timedelta(seconds, unit="s")
    unresolved = rng.random(len(annotations)) < spec.escalation_unresolved_share
    resolved_at = (annotations["annotated_at"] + delay).where(escalated & ~unresolved)
    return annotations.assign(escalated=escalated, escalation_resolved_at=resolved_at)


def _skewed_prevalence(n_labels: int) -> np.ndarray:
    """A Zipf-like prevalence: real label sets are never balanced."""
    return 1.0 / np.arange(1, n_labels + 1) ** 0.8


def _annotations_per_item(rng: np.random.Generator, spec: DeliverySpec) -> np.ndarray:
    per_item = np.ones(spec.items, dtype=np.int64)
    overlapped = rng.random(spec.items) < spec.overlap
    per_item[overlapped] = np.where(rng.random(overlapped.sum()) < spec.triple_share, 3, 2)
    return np.minimum(per_item, spec.annotators)


def _distinct_annotators(rng: np.random.Generator, per_item: np.ndarray, n_annotators: int) -> np.ndarray:
    """Annotators for each rating, distinct within an item: first + 0, step, 2 * step (mod n).

    With ``step`` at most (n - 1) / 2 the three offsets are distinct modulo n.
    """
    first = np.repeat(rng.integers(0, n_annotators, len(per_item)), per_item)
    within = np.arange(per_item.sum()) - np.repeat(np.cumsum(per_item) - per_item, per_item)
    step = np.repeat(rng.integers(1, max((n_annotators - 1) // 2, 1) + 1, len(per_item)), per_item)
    return (first + within * step) % n_annotators


def _prelabels(rng: np.random.Generator, truth: np.ndarray, accuracy: float, n_labels: int) -> np.ndarray:
    wrong = rng.random(len(truth)) >= accuracy
    return np.where(wrong, _other_label(rng, truth, n_labels), truth)


def _other_label(rng: np.random.Generator, truth: np.ndarray, n_labels: int) -> np.ndarray:
    if n_labels < 2:
        return truth
    return (truth + rng.integers(1, n_labels, len(truth))) % n_labels


def _labels(rng, spec, truth, prelabel, prelabeled, annotator, n_labels) -> np.ndarray:
    skill = np.clip(rng.normal(spec.accuracy, spec.accuracy_spread, spec.annotators), 0.3, 0.999)
    correct = rng.random(len(truth)) < skill[annotator]
    label = np.where(correct, truth, _other_label(rng, truth, n_labels))
    anchored = prelabeled & (rng.random(len(truth)) < spec.anchoring)
    return np.where(anchored, prelabel, label)
