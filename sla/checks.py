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

An IAA between its fail line and its target is ``below_target`` (API.md v1.1): it does
not reject the batch, and it is not a pass either. Every sentence names measures and
formats numbers through ``sla.formatting``, the module the pages, PDFs and e-mails use.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime

from sla import formatting as fmt

PASS, FAIL, INCONCLUSIVE, BELOW_TARGET = "pass", "fail", "inconclusive", "below_target"
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
    # The QA sample's plan, when its accept and reject numbers decided ``review_decision``.
    review_sample_size: int | None = None
    review_accept: int | None = None
    review_aql: float | None = None


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
    # False for a finding that informs but cannot move the batch verdict (a drift test
    # without the power to tell, or one whose measure already fails its own term).
    decisive: bool = True

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
    """Rejected if any finding fails; inconclusive if none fails and one is; accepted otherwise.

    ``below_target`` accepts (API.md v1.1), and findings marked not decisive do not count.
    """
    verdicts = {finding.verdict for finding in findings if finding.decisive}
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
    term: str,
    measure: dict | None,
    threshold: float,
    rule: str,
    describe,
    *,
    at_most=False,
    unit: str = "items",
    value_unit: str = fmt.COEFFICIENT,
) -> Finding:
    """A finding for a sampled measure M = {value, ci95, n} of the metrics document."""
    if not measure or measure.get("value") is None:
        note = (measure or {}).get("note", "not measured in this batch")
        return Finding(
            term,
            INCONCLUSIVE,
            None,
            threshold,
            f"Cannot be decided: {note}.",
            n=(measure or {}).get("n", 0),
            extra={"unit": value_unit},
        )
    value, ci95, n = measure["value"], _interval(measure.get("ci95")), measure.get("n", 0)
    decide = decide_at_most if at_most else decide_at_least
    verdict = decide(value, threshold, ci95, rule)
    more = items_to_decide(value, threshold, ci95, n) if verdict == INCONCLUSIVE else None
    detail = describe(value, verdict)
    if more is not None:
        line = fmt.limit(threshold, value_unit, term=term)
        detail += f" The 95% interval straddles {line}; about {more:,} more {unit} would decide it."
    return Finding(term, verdict, value, threshold, detail, ci95, n, more, extra={"unit": value_unit})


def _interval(ci95) -> tuple[float, float] | None:
    return (float(ci95[0]), float(ci95[1])) if ci95 else None


ACCURACY_SOURCES = {"accuracy": "accuracy", "macro_f1": "macro_f1", "kappa_vs_gold": "kappa_vs_gold"}


def _accuracy(terms: Terms, metrics: dict, facts: Facts) -> list[Finding]:
    if terms.accuracy_floor is None:
        return []
    name = fmt.measure_name(terms.accuracy_metric)
    unit = fmt.accuracy_unit(terms.accuracy_metric)
    floor = fmt.limit(terms.accuracy_floor, unit, term="accuracy")
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
                f"{name} against gold is {fmt.value(v, unit, term='accuracy')}, {_side(verdict)} the floor of {floor}."
            ),
            unit="gold items",
            value_unit=unit,
        )
    ]


def _side(verdict: str) -> str:
    return "at or above" if verdict == PASS else "below" if verdict == FAIL else "too close to tell against"


def _queue_accuracy(terms: Terms, metrics: dict, queue: str) -> Finding:
    measure = metrics["by_queue"][queue].get(ACCURACY_SOURCES[terms.accuracy_metric])
    unit = fmt.accuracy_unit(terms.accuracy_metric)
    name = fmt.measure_name(terms.accuracy_metric).lower()
    floor = fmt.limit(terms.accuracy_floor, unit, term="accuracy")
    finding = _measured(
        "accuracy",
        measure,
        terms.accuracy_floor,
        terms.decision_rule,
        lambda v, verdict: (
            f"In the {fmt.QUEUE_NAMES.get(queue, queue)} queue, {name} against gold is "
            f"{fmt.value(v, unit, term='accuracy')}, {_side(verdict)} the floor of {floor}."
        ),
        unit="gold items",
        value_unit=unit,
    )
    return Finding(**{**finding.__dict__, "extra": {**finding.extra, "queue": queue}})


def _iaa(terms: Terms, metrics: dict, facts: Facts) -> list[Finding]:
    if terms.iaa_min is None and terms.iaa_fail_below is None:
        return []
    fail_line = terms.iaa_fail_below if terms.iaa_fail_below is not None else terms.iaa_min
    target = terms.iaa_min if terms.iaa_min is not None else fail_line
    measure = (metrics.get("agreement") or {}).get(terms.iaa_coefficient)
    name = fmt.measure_name(terms.iaa_coefficient)
    line, goal = fmt.limit(fail_line, fmt.COEFFICIENT), fmt.limit(target, fmt.COEFFICIENT)

    def describe(value, verdict):
        text = f"{name} is {fmt.coefficient(value)}"
        if verdict == FAIL:
            return f"{text}, below the fail line of {line}" + (f" (target {goal})." if target != fail_line else ".")
        if verdict == INCONCLUSIVE:
            return f"{text}, too close to the fail line of {line} to tell."
        if value < target:
            return (
                f"{text}: above the fail line of {line} but below the {goal} target. "
                "The batch is not rejected for it; agreement should rise to the target."
            )
        return f"{text}, meeting the {goal} target."

    finding = _measured("iaa", measure, fail_line, terms.decision_rule, describe, unit="overlapping items")
    verdict = finding.verdict
    if verdict == PASS and finding.measured < target:
        verdict = BELOW_TARGET
    extra = {**finding.extra, "target": target, "coefficient": terms.iaa_coefficient}
    return [Finding(**{**finding.__dict__, "verdict": verdict, "extra": extra})]


def _overlap(terms: Terms, metrics: dict, facts: Facts) -> list[Finding]:
    if terms.overlap_min is None and terms.overlap_max is None:
        return []
    rate = metrics.get("overlap_rate")
    items = metrics.get("items", 0)
    low = terms.overlap_min if terms.overlap_min is not None else 0.0
    high = terms.overlap_max if terms.overlap_max is not None else 1.0
    extra = {"range": [low, high], "unit": fmt.SHARE}
    if rate is None or items == 0:
        return [Finding("overlap", INCONCLUSIVE, None, low, "The batch has no items.", n=0, extra=extra)]
    within = low <= rate <= high
    bounds = f"{fmt.percent(low, 1)}–{fmt.percent(high, 1)}"
    side = (
        f"below the contract's range of {bounds}"
        if rate < low
        else f"above the contract's range of {bounds}"
        if rate > high
        else f"within the contract's range of {bounds}"
    )
    detail = f"{fmt.percent(rate, 1)} of items were annotated by two or more annotators, {side}."
    return [
        Finding(
            "overlap",
            PASS if within else FAIL,
            rate,
            low if rate < low else high,
            detail,
            n=items,
            extra=extra,
        )
    ]


def _defect_rate(terms: Terms, metrics: dict, facts: Facts) -> list[Finding]:
    if terms.defect_rate_max is None or facts.reviewed == 0:
        return []
    rate = facts.defects / facts.reviewed
    ci95 = wilson_interval(facts.defects, facts.reviewed)
    ceiling = fmt.percent(terms.defect_rate_max, 2)
    found = f"{fmt.count(facts.defects, 'defect')} in {fmt.count(facts.reviewed, 'reviewed item')}"
    found += f" ({fmt.percent(rate)})"
    if facts.review_decision in (PASS, FAIL):
        verdict = facts.review_decision
        detail = f"{found}. {_plan_sentence(facts, verdict)}"
        if verdict == PASS and rate > terms.defect_rate_max:
            detail += f" The sample's rate is above the {ceiling} ceiling, but the plan judges the lot, not the sample."
    else:
        verdict = decide_at_most(rate, terms.defect_rate_max, ci95, terms.decision_rule)
        side = {PASS: "within", FAIL: "above"}.get(verdict, "too close to tell against")
        detail = f"{found}, {side} the ceiling of {ceiling}."
    extra = {"unit": fmt.SHARE}
    return [Finding("defect_rate", verdict, rate, terms.defect_rate_max, detail, ci95, facts.reviewed, extra=extra)]


def _plan_sentence(facts: Facts, verdict: str) -> str:
    """The acceptance sampling plan's rule in words, with its numbers when the service passed them."""
    if facts.review_accept is None:
        outcome = "accepts" if verdict == PASS else "does not accept"
        return f"The QA sampling plan's accept and reject numbers decide: it {outcome} the lot."
    plan = f"The sampling plan (AQL {fmt.number_text(facts.review_aql)}%, sample of {facts.review_sample_size})"
    allowed = f"accepts the lot with up to {fmt.count(facts.review_accept, 'defective item')}"
    outcome = "so the lot is accepted" if verdict == PASS else "so the lot is not accepted"
    return f"{plan} {allowed}, {outcome}."


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
        f"{fmt.count(metrics.get('items', 0), 'item')} over {days:.1f} day{'s' if days != 1 else ''}: "
        f"{fmt.value(per_day, fmt.PER_DAY)} against a commitment of {fmt.value(terms.throughput_per_day, fmt.PER_DAY)}."
    )
    extra = {"unit": fmt.PER_DAY}
    threshold = float(terms.throughput_per_day)
    return [Finding("throughput", verdict, per_day, threshold, detail, n=metrics.get("items", 0), extra=extra)]


def _timeliness(terms: Terms, metrics: dict, facts: Facts) -> list[Finding]:
    if facts.due_at is None or facts.delivered_at is None:
        return []
    late_hours = (facts.delivered_at - facts.due_at).total_seconds() / 3600
    extra = {"unit": fmt.HOURS}
    if late_hours <= 0:
        detail = f"Delivered {-late_hours:.1f} hours before the due time."
        return [Finding("timeliness", PASS, late_hours, 0.0, detail, extra=extra)]
    detail = f"Delivered {late_hours:.1f} hours after the due time."
    return [Finding("timeliness", FAIL, late_hours, 0.0, detail, extra=extra)]


def _escalation(terms: Terms, metrics: dict, facts: Facts) -> list[Finding]:
    if terms.escalation_hours is None or facts.escalated == 0:
        return []
    late = facts.escalations_late
    if late:
        detail = (
            f"{late} of {fmt.count(facts.escalated, 'escalated item')} "
            f"{'was' if late == 1 else 'were'} not resolved within {terms.escalation_hours} hours."
        )
    else:
        every = "The escalated item was" if facts.escalated == 1 else f"All {facts.escalated} escalated items were"
        detail = f"{every} resolved within {terms.escalation_hours} hours."
    extra = {"unit": fmt.COUNT}
    return [Finding("escalation", FAIL if late else PASS, float(late), 0.0, detail, n=facts.escalated, extra=extra)]


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
    extra = {"unit": fmt.COUNT}
    return [
        Finding("safety_routing", FAIL if wrong else PASS, float(wrong), 0.0, detail, n=facts.safety_items, extra=extra)
    ]


DRIFT_ALPHA = 0.01
DRIFT_POWER = 0.80
Z95 = 1.959963984540054
Z_ALPHA = 2.3263478740408408  # one-sided, DRIFT_ALPHA
Z_POWER = 0.8416212335729143  # DRIFT_POWER


def drift_findings(terms: Terms, metrics: dict, baseline: list[dict], beside: list[Finding] = ()) -> list[Finding]:
    """Compare accuracy and the contract's IAA coefficient with the baseline of the first accepted batches.

    A one-sided test at ``DRIFT_ALPHA``: accuracy by a two-proportion z-test against the
    pooled baseline; a coefficient by a z-test of the difference, each side's standard
    error read off its 95% interval (baseline batches pooled by inverse variance). A
    significant drop is ``inconclusive`` and decisive: the floor may still be met, but the
    batch needs a full review before it is accepted.

    No significant drop is a ``pass`` only when the test could have seen one: with
    ``DRIFT_POWER`` it must detect a fall from the baseline down to the contract's line
    (the accuracy floor, the IAA fail line). A test that could not is ``inconclusive``
    ("not enough items to tell") and not decisive, so a small overlap does not hold up a
    batch whose threshold findings decide it. ``beside`` are the threshold findings of the
    same check: a measure that fails its own term never gets a drift ``pass`` next to it.
    """
    if not baseline:
        return []
    verdicts = {finding.term: finding.verdict for finding in beside if "queue" not in finding.extra}
    findings = []
    if terms.accuracy_floor is not None:
        # The floor is a line on accuracy only when the contract measures accuracy itself.
        floor = terms.accuracy_floor if terms.accuracy_metric == "accuracy" else None
        drift = _accuracy_drift(metrics.get("accuracy"), [b.get("accuracy") for b in baseline])
        findings.extend(_settled(d, floor, verdicts.get("accuracy")) for d in drift)
    if terms.iaa_min is not None or terms.iaa_fail_below is not None:
        current = (metrics.get("agreement") or {}).get(terms.iaa_coefficient)
        earlier = [(b.get("agreement") or {}).get(terms.iaa_coefficient) for b in baseline]
        line = terms.iaa_fail_below if terms.iaa_fail_below is not None else terms.iaa_min
        drift = _coefficient_drift(terms.iaa_coefficient, current, earlier)
        findings.extend(_settled(d, line, verdicts.get("iaa")) for d in drift)
    return findings


def _defined(measure) -> bool:
    return bool(measure) and measure.get("value") is not None and measure.get("n", 0) > 0


def _normal_upper_tail(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2))


@dataclass(frozen=True)
class _Drift:
    """One drift test's outcome before it is worded: the baseline, the value now and the test's spread."""

    measure: str
    baseline: float
    now: float
    spread: float
    p_value: float
    batches: int
    n: int


def _accuracy_drift(current, earlier) -> list[_Drift]:
    earlier = [m for m in earlier if _defined(m)]
    if not _defined(current) or not earlier:
        return []
    n_base = sum(m["n"] for m in earlier)
    p_base = sum(m["value"] * m["n"] for m in earlier) / n_base
    p_now, n_now = current["value"], current["n"]
    pooled = (p_base * n_base + p_now * n_now) / (n_base + n_now)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n_base + 1 / n_now))
    p_value = _normal_upper_tail((p_base - p_now) / spread) if spread > 0 else (0.0 if p_now < p_base else 1.0)
    return [_Drift("accuracy", p_base, p_now, spread, p_value, len(earlier), n_now)]


def _coefficient_drift(name: str, current, earlier) -> list[_Drift]:
    earlier = [m for m in earlier if _defined(m) and m.get("ci95")]
    if not _defined(current) or not current.get("ci95") or not earlier:
        return []
    weights = [1 / _standard_error(m) ** 2 for m in earlier if _standard_error(m) > 0]
    if len(weights) != len(earlier) or _standard_error(current) == 0:
        return []
    base = sum(w * m["value"] for w, m in zip(weights, earlier, strict=True)) / sum(weights)
    spread = math.sqrt(1 / sum(weights) + _standard_error(current) ** 2)
    p_value = _normal_upper_tail((base - current["value"]) / spread)
    return [_Drift(name, base, current["value"], spread, p_value, len(earlier), current["n"])]


def _standard_error(measure: dict) -> float:
    low, high = measure["ci95"]
    return (high - low) / (2 * Z95)


def _settled(drift: _Drift, line: float | None, threshold_verdict: str | None) -> Finding:
    """The drift finding in words, consistent with the threshold finding of the same measure."""
    unit = fmt.SHARE if drift.measure == "accuracy" else fmt.COEFFICIENT
    name = fmt.measure_name(drift.measure)
    now, base = fmt.value(drift.now, unit, term="accuracy"), fmt.value(drift.baseline, unit, term="accuracy")
    of_baseline = f"the baseline of {drift.batches} accepted batch{'es' if drift.batches != 1 else ''}"
    items = "gold items" if drift.measure == "accuracy" else "overlapping items"
    detectable = (Z_ALPHA + Z_POWER) * drift.spread
    decisive = True
    if drift.p_value < DRIFT_ALPHA and drift.now < drift.baseline:
        verdict = INCONCLUSIVE
        detail = (
            f"{name} fell from {base} ({of_baseline}) to {now}; a drop this large by chance has "
            f"p = {drift.p_value:.2g}. Review the full batch before accepting it."
        )
    elif line is not None and drift.baseline > line and detectable > drift.baseline - line:
        verdict, decisive = INCONCLUSIVE, False
        detail = (
            f"{name} is {now} against {base} for {of_baseline}, but there are not enough {items} to tell "
            f"whether it dropped, n = {drift.n:,}: only a fall of {fmt.difference(detectable, unit)} "
            f"or more would show. The {'accuracy' if drift.measure == 'accuracy' else 'IAA'} finding decides."
        )
    elif threshold_verdict in (FAIL, INCONCLUSIVE):
        verdict, decisive = INCONCLUSIVE, False
        detail = (
            f"{name} is {now} against {base} for {of_baseline}: not a significant drop (p = {drift.p_value:.2g}), "
            f"but it does not clear the contract's line either; "
            f"the {'accuracy' if drift.measure == 'accuracy' else 'IAA'} finding decides."
        )
    else:
        verdict = PASS
        detail = f"{name} is {now} against {base} for {of_baseline}: no significant drop."
    return Finding(
        "drift",
        verdict,
        drift.now,
        drift.baseline,
        detail,
        n=drift.n,
        extra={
            "measure": drift.measure,
            "p_value": drift.p_value,
            "baseline_batches": drift.batches,
            "detectable_drop": detectable,
            "unit": unit,
        },
        decisive=decisive,
    )
