"""The SLA check: a batch's terms and measurements in, one finding per term and a verdict out.

Pure: no Django. The service layer turns a ``ContractTerms`` row into ``Terms``, the
metrics document (API.md) and a few facts read from the stored rows into the arguments
here, and stores the returned findings.

Decision rules (API.md): with ``point`` the estimate is compared with the threshold;
with ``confidence`` a term fails only when the whole 95% interval is on the wrong side,
passes when the whole interval is on the right side, and is ``inconclusive`` when the
interval straddles the threshold. An inconclusive finding says how many more items
would have decided it: interval half-widths shrink as 1/sqrt(n), so with half-width h
at n items and a distance d between estimate and threshold, about n * (h / d)^2 items
decide it if the estimate holds.

Counts that are exact rather than sampled (overlap share, items routed through the wrong
queue, late escalations, throughput, timeliness) are compared directly under both rules.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime

PASS, FAIL, INCONCLUSIVE = "pass", "fail", "inconclusive"
ACCEPTED, REJECTED = "accepted", "rejected"


@dataclass(frozen=True)
class Terms:
    """The thresholds of one terms version; None means the term is not part of the contract."""

    version: int | None = None
    accuracy_floor: float | None = None
    accuracy_metric: str = "accuracy"
    accuracy_scope: str = "batch"
    iaa_coefficient: str = "cohen_kappa"
    iaa_min: float | None = None
    iaa_fail_below: float | None = None
    overlap_min: float | None = None
    overlap_max: float | None = None
    defect_rate_max: float | None = None
    escalation_hours: int | None = None
    throughput_per_day: int | None = None
    safety_critical_labels: tuple[str, ...] = ()
    decision_rule: str = "point"


@dataclass(frozen=True)
class Facts:
    """What the check needs beyond the metrics document, read from the stored rows."""

    delivered_at: datetime | None = None
    due_at: datetime | None = None
    first_annotated_at: datetime | None = None
    last_annotated_at: datetime | None = None
    escalated: int = 0
    escalations_late: int = 0
    safety_items_prelabeled: int = 0
    safety_items: int = 0
    reviewed: int = 0
    defects: int = 0
    review_decision: str | None = None


@dataclass(frozen=True)
class Finding:
    term: str
    verdict: str
    measured: float | None
    threshold: float | None
    detail: str
    ci95: tuple[float, float] | None = None
    n: int = 0
    more_items_needed: int | None = None
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "term": self.term,
            "measured": self.measured,
            "threshold": self.threshold,
            "ci95": list(self.ci95) if self.ci95 else None,
            "n": self.n,
            "verdict": self.verdict,
            "detail": self.detail,
            "more_items_needed": self.more_items_needed,
            **self.extra,
        }


def check_batch(terms: Terms, metrics: dict, facts: Facts) -> list[Finding]:
    """One finding per term of the contract that this batch can be measured against."""
    checks = (_accuracy, _iaa, _overlap, _defect_rate, _throughput, _timeliness, _escalation, _safety_routing)
    findings = []
    for check in checks:
        findings.extend(check(terms, metrics, facts))
    return findings


def batch_verdict(findings: list[Finding]) -> str:
    """Rejected if any finding fails; inconclusive if none fails and one is; accepted otherwise."""
    verdicts = {finding.verdict for finding in findings}
    if FAIL in verdicts:
        return REJECTED
    if INCONCLUSIVE in verdicts:
        return INCONCLUSIVE
    return ACCEPTED


def decide_at_least(value: float, threshold: float, ci95, rule: str) -> str:
    """Verdict for "value must be at least threshold" under the decision rule."""
    if rule != "confidence" or ci95 is None:
        return PASS if value >= threshold else FAIL
    low, high = ci95
    if low >= threshold:
        return PASS
    if high < threshold:
        return FAIL
    return INCONCLUSIVE


def decide_at_most(value: float, threshold: float, ci95, rule: str) -> str:
    """Verdict for "value must be at most threshold" (defect rates)."""
    mirrored = (-ci95[1], -ci95[0]) if ci95 else None
    return decide_at_least(-value, -threshold, mirrored, rule)


def items_to_decide(value: float, threshold: float, ci95, n: int) -> int | None:
    """Roughly how many more items would put the whole interval on one side, if the estimate held."""
    if ci95 is None or n <= 0:
        return None
    distance = abs(value - threshold)
    if distance == 0:
        return None
    half_width = (ci95[1] - ci95[0]) / 2
    return max(math.ceil(n * (half_width / distance) ** 2) - n, 1)


def _measured(
    term: str, measure: dict | None, threshold: float, rule: str, describe, *, at_most=False, unit: str = "items"
) -> Finding:
    """A finding for a sampled measure M = {value, ci95, n} of the metrics document."""
    if not measure or measure.get("value") is None:
        note = (measure or {}).get("note", "not measured in this batch")
        return Finding(
            term, INCONCLUSIVE, None, threshold, f"Cannot be decided: {note}.", n=(measure or {}).get("n", 0)
        )
    value, ci95, n = measure["value"], _interval(measure.get("ci95")), measure.get("n", 0)
    decide = decide_at_most if at_most else decide_at_least
    verdict = decide(value, threshold, ci95, rule)
    more = items_to_decide(value, threshold, ci95, n) if verdict == INCONCLUSIVE else None
    detail = describe(value, verdict)
    if more is not None:
        detail += f" The 95% interval straddles {threshold:g}; about {more} more {unit} would decide it."
    return Finding(term, verdict, value, threshold, detail, ci95, n, more)


def _interval(ci95) -> tuple[float, float] | None:
    return (float(ci95[0]), float(ci95[1])) if ci95 else None


ACCURACY_SOURCES = {"accuracy": "accuracy", "macro_f1": "macro_f1", "kappa_vs_gold": "kappa_vs_gold"}


def _accuracy(terms: Terms, metrics: dict, facts: Facts) -> list[Finding]:
    if terms.accuracy_floor is None:
        return []
    name = terms.accuracy_metric.replace("_", " ")
    if terms.accuracy_scope == "each_queue":
        return [
            _queue_accuracy(terms, metrics, queue)
            for queue in ("prelabeled", "full")
            if (metrics.get("by_queue") or {}).get(queue)
        ]
    measure = metrics.get(ACCURACY_SOURCES[terms.accuracy_metric])
    return [
        _measured(
            "accuracy",
            measure,
            terms.accuracy_floor,
            terms.decision_rule,
            lambda v, verdict: (
                f"{name.capitalize()} against gold is {v:.4f}, "
                f"{'at or above' if verdict == PASS else 'below' if verdict == FAIL else 'near'} "
                f"the floor of {terms.accuracy_floor:g}."
            ),
            unit="gold items",
        )
    ]


def _queue_accuracy(terms: Terms, metrics: dict, queue: str) -> Finding:
    measure = metrics["by_queue"][queue].get(ACCURACY_SOURCES[terms.accuracy_metric])
    finding = _measured(
        "accuracy",
        measure,
        terms.accuracy_floor,
        terms.decision_rule,
        lambda v, verdict: (
            f"In the {queue} queue, {terms.accuracy_metric.replace('_', ' ')} "
            f"is {v:.4f} against a floor of {terms.accuracy_floor:g}."
        ),
        unit="gold items",
    )
    return Finding(**{**finding.__dict__, "extra": {"queue": queue}})


def _iaa(terms: Terms, metrics: dict, facts: Facts) -> list[Finding]:
    if terms.iaa_min is None and terms.iaa_fail_below is None:
        return []
    fail_line = terms.iaa_fail_below if terms.iaa_fail_below is not None else terms.iaa_min
    target = terms.iaa_min if terms.iaa_min is not None else fail_line
    measure = (metrics.get("agreement") or {}).get(terms.iaa_coefficient)
    coefficient = terms.iaa_coefficient.replace("_", " ")

    def describe(value, verdict):
        text = f"{coefficient.capitalize()} is {value:.4f}"
        if verdict == FAIL:
            return f"{text}, below the fail threshold of {fail_line:g}."
        if value < target:
            return f"{text}: below the {target:g} target but not below the {fail_line:g} fail threshold."
        return f"{text}, meeting the {target:g} target."

    finding = _measured("iaa", measure, fail_line, terms.decision_rule, describe, unit="overlapping items")
    return [Finding(**{**finding.__dict__, "extra": {"target": target, "coefficient": terms.iaa_coefficient}})]


def _overlap(terms: Terms, metrics: dict, facts: Facts) -> list[Finding]:
    if terms.overlap_min is None and terms.overlap_max is None:
        return []
    rate = metrics.get("overlap_rate")
    items = metrics.get("items", 0)
    low = terms.overlap_min if terms.overlap_min is not None else 0.0
    high = terms.overlap_max if terms.overlap_max is not None else 1.0
    if rate is None or items == 0:
        return [Finding("overlap", INCONCLUSIVE, None, low, "The batch has no items.", n=0)]
    within = low <= rate <= high
    side = "below the minimum" if rate < low else "above the maximum" if rate > high else "within the range"
    detail = f"{rate:.1%} of items were annotated by two or more annotators, {side} of {low:.0%}-{high:.0%}."
    return [
        Finding(
            "overlap",
            PASS if within else FAIL,
            rate,
            low if rate < low else high,
            detail,
            n=items,
            extra={"range": [low, high]},
        )
    ]


def _defect_rate(terms: Terms, metrics: dict, facts: Facts) -> list[Finding]:
    if terms.defect_rate_max is None or facts.reviewed == 0:
        return []
    rate = facts.defects / facts.reviewed
    ci95 = wilson_interval(facts.defects, facts.reviewed)
    if facts.review_decision in (PASS, FAIL):
        verdict = facts.review_decision
        how = "by the sampling plan's accept and reject numbers"
    else:
        verdict = decide_at_most(rate, terms.defect_rate_max, ci95, terms.decision_rule)
        how = "against the ceiling"
    detail = (
        f"{facts.defects} defect{'s' if facts.defects != 1 else ''} in {facts.reviewed} reviewed items "
        f"({rate:.2%}), {how} of {terms.defect_rate_max:.2%}."
    )
    return [Finding("defect_rate", verdict, rate, terms.defect_rate_max, detail, ci95, facts.reviewed)]


def wilson_interval(successes: int, n: int) -> tuple[float, float]:
    """Wilson score interval at 95%: sound near 0 and 1, where defect rates live."""
    z = 1.959963984540054
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _throughput(terms: Terms, metrics: dict, facts: Facts) -> list[Finding]:
    if terms.throughput_per_day is None or facts.first_annotated_at is None or facts.last_annotated_at is None:
        return []
    days = max((facts.last_annotated_at - facts.first_annotated_at).total_seconds() / 86_400, 1.0)
    per_day = metrics.get("items", 0) / days
    verdict = PASS if per_day >= terms.throughput_per_day else FAIL
    detail = (
        f"{metrics.get('items', 0)} items over {days:.1f} day{'s' if days != 1 else ''}: "
        f"{per_day:,.0f} a day against a commitment of {terms.throughput_per_day:,}."
    )
    return [Finding("throughput", verdict, per_day, float(terms.throughput_per_day), detail, n=metrics.get("items", 0))]


def _timeliness(terms: Terms, metrics: dict, facts: Facts) -> list[Finding]:
    if facts.due_at is None or facts.delivered_at is None:
        return []
    late_hours = (facts.delivered_at - facts.due_at).total_seconds() / 3600
    if late_hours <= 0:
        return [Finding("timeliness", PASS, late_hours, 0.0, f"Delivered {-late_hours:.1f} hours before the due time.")]
    return [Finding("timeliness", FAIL, late_hours, 0.0, f"Delivered {late_hours:.1f} hours after the due time.")]


def _escalation(terms: Terms, metrics: dict, facts: Facts) -> list[Finding]:
    if terms.escalation_hours is None or facts.escalated == 0:
        return []
    late = facts.escalations_late
    detail = (
        f"{late} of {facts.escalated} escalated item{'s' if facts.escalated != 1 else ''} "
        f"{'was' if late == 1 else 'were'} not resolved within {terms.escalation_hours} hours."
    )
    return [Finding("escalation", FAIL if late else PASS, float(late), 0.0, detail, n=facts.escalated)]


def _safety_routing(terms: Terms, metrics: dict, facts: Facts) -> list[Finding]:
    if not terms.safety_critical_labels:
        return []
    labels = ", ".join(terms.safety_critical_labels)
    wrong = facts.safety_items_prelabeled
    if wrong:
        detail = (
            f"{wrong} item{'s' if wrong != 1 else ''} with a safety-critical label ({labels}) went through "
            f"the pre-labeled queue, which the contract forbids."
        )
    else:
        detail = f"No item with a safety-critical label ({labels}) went through the pre-labeled queue."
    return [Finding("safety_routing", FAIL if wrong else PASS, float(wrong), 0.0, detail, n=facts.safety_items)]


DRIFT_ALPHA = 0.01
Z95 = 1.959963984540054


def drift_findings(terms: Terms, metrics: dict, baseline: list[dict]) -> list[Finding]:
    """Compare accuracy and the contract's IAA coefficient with the baseline of the first accepted batches.

    A one-sided test at ``DRIFT_ALPHA``: accuracy by a two-proportion z-test against the
    pooled baseline; a coefficient by a z-test of the difference, each side's standard
    error read off its 95% interval (baseline batches pooled by inverse variance). A
    significant drop is ``inconclusive``: the floor may still be met, but the batch needs a
    full review before it is accepted.
    """
    if not baseline:
        return []
    findings = []
    if terms.accuracy_floor is not None:
        findings.extend(_accuracy_drift(metrics.get("accuracy"), [b.get("accuracy") for b in baseline]))
    if terms.iaa_min is not None or terms.iaa_fail_below is not None:
        current = (metrics.get("agreement") or {}).get(terms.iaa_coefficient)
        earlier = [(b.get("agreement") or {}).get(terms.iaa_coefficient) for b in baseline]
        findings.extend(_coefficient_drift(terms.iaa_coefficient, current, earlier))
    return findings


def _defined(measure) -> bool:
    return bool(measure) and measure.get("value") is not None and measure.get("n", 0) > 0


def _normal_upper_tail(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2))


def _accuracy_drift(current, earlier) -> list[Finding]:
    earlier = [m for m in earlier if _defined(m)]
    if not _defined(current) or not earlier:
        return []
    n_base = sum(m["n"] for m in earlier)
    p_base = sum(m["value"] * m["n"] for m in earlier) / n_base
    p_now, n_now = current["value"], current["n"]
    pooled = (p_base * n_base + p_now * n_now) / (n_base + n_now)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n_base + 1 / n_now))
    p_value = _normal_upper_tail((p_base - p_now) / spread) if spread > 0 else (0.0 if p_now < p_base else 1.0)
    return [_drift_finding("accuracy", p_base, p_now, p_value, len(earlier), n_now)]


def _coefficient_drift(name: str, current, earlier) -> list[Finding]:
    earlier = [m for m in earlier if _defined(m) and m.get("ci95")]
    if not _defined(current) or not current.get("ci95") or not earlier:
        return []
    weights = [1 / _standard_error(m) ** 2 for m in earlier if _standard_error(m) > 0]
    if len(weights) != len(earlier) or _standard_error(current) == 0:
        return []
    base = sum(w * m["value"] for w, m in zip(weights, earlier, strict=True)) / sum(weights)
    spread = math.sqrt(1 / sum(weights) + _standard_error(current) ** 2)
    p_value = _normal_upper_tail((base - current["value"]) / spread)
    return [_drift_finding(name, base, current["value"], p_value, len(earlier), current["n"])]


def _standard_error(measure: dict) -> float:
    low, high = measure["ci95"]
    return (high - low) / (2 * Z95)


def _drift_finding(measure: str, baseline: float, now: float, p_value: float, batches: int, n: int) -> Finding:
    label = measure.replace("_", " ")
    base_text = f"the baseline of {batches} accepted batch{'es' if batches != 1 else ''}"
    if p_value < DRIFT_ALPHA and now < baseline:
        detail = (
            f"{label.capitalize()} fell from {baseline:.4f} ({base_text}) to {now:.4f}; a drop this large "
            f"by chance has p = {p_value:.2g}. Review the full batch before accepting it."
        )
        verdict = INCONCLUSIVE
    else:
        detail = f"{label.capitalize()} {now:.4f} against {baseline:.4f} for {base_text}: no significant drop."
        verdict = PASS
    return Finding(
        "drift",
        verdict,
        now,
        baseline,
        detail,
        n=n,
        extra={"measure": measure, "p_value": p_value, "baseline_batches": batches},
    )
