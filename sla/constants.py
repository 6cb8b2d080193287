"""Names of the SLA app shared by models, pure modules, pages and the API (see API.md)."""

from django.db import models

from sla.formatting import TERM_NAMES


class Scale(models.TextChoices):
    NOMINAL = "nominal", "Nominal"
    ORDINAL = "ordinal", "Ordinal"
    INTERVAL = "interval", "Interval"


class Complexity(models.TextChoices):
    SIMPLE = "simple", "Simple"
    COMPLEX = "complex", "Complex"
    SAFETY_CRITICAL = "safety_critical", "Safety-critical"


class PricingModel(models.TextChoices):
    PER_UNIT = "per_unit", "Per unit"
    PER_HOUR = "per_hour", "Per hour"
    MILESTONE = "milestone", "Milestone"


class AccuracyMetric(models.TextChoices):
    ACCURACY = "accuracy", "Accuracy"
    MACRO_F1 = "macro_f1", "Macro-F1"
    KAPPA_VS_GOLD = "kappa_vs_gold", "Kappa against gold"


class AccuracyScope(models.TextChoices):
    BATCH = "batch", "Whole batch"
    EACH_QUEUE = "each_queue", "Each queue separately"


class IAACoefficient(models.TextChoices):
    COHEN_KAPPA = "cohen_kappa", "Cohen's kappa"
    FLEISS_KAPPA = "fleiss_kappa", "Fleiss' kappa"
    KRIPPENDORFF_ALPHA = "krippendorff_alpha", "Krippendorff's alpha"
    GWET_AC1 = "gwet_ac1", "Gwet's AC1"


class DecisionRule(models.TextChoices):
    POINT = "point", "Point estimate"
    CONFIDENCE = "confidence", "95% confidence interval"


class BatchStatus(models.TextChoices):
    """``failed``: processing stopped for a reason that is not the file's (a lost worker, a
    bug, a time limit); a procurement lead can retry it. ``invalid`` is the file's fault."""

    RECEIVED = "received", "Received"
    PROCESSING = "processing", "Processing"
    INVALID = "invalid", "Invalid"
    EVALUATED = "evaluated", "Evaluated"
    FAILED = "failed", "Failed"


class DuplicatePolicy(models.TextChoices):
    """What an annotator's second answer to the same item in one delivery is (sla/README.md)."""

    REJECT = "reject", "Refuse the file (the default)"
    FIRST = "first", "Keep the first answer in the file"
    LATEST = "latest", "Keep the latest answer (by its time, then its place in the file)"


class UploadStatus(models.TextChoices):
    """Gold sets and QA reviews are stored, not evaluated."""

    RECEIVED = "received", "Received"
    PROCESSING = "processing", "Processing"
    INVALID = "invalid", "Invalid"
    STORED = "stored", "Stored"
    FAILED = "failed", "Failed"


class BatchVerdict(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    INCONCLUSIVE = "inconclusive", "Inconclusive"


class Queue(models.TextChoices):
    PRELABELED = "prelabeled", "Pre-labeled verification"
    FULL = "full", "Full annotation"


class ReviewVerdict(models.TextChoices):
    OK = "ok", "OK"
    DEFECT = "defect", "Defect"


MAX_LISTED_ERRORS = 100

# The names people read for the terms live with the other display formats (sla/formatting.py).
TERM_LABELS = TERM_NAMES

# Starting points for a contract's terms, from the buyer's framework (DESIGN.md): kappa >= 0.80
# on complex tasks and >= 0.85 on simple classification, sentiment batches failing below 0.78,
# an accuracy floor of 99%, defect rate <= 1% and 5-15% consensus overlap.
TERM_TEMPLATES = {
    "complex": {
        "label": "Complex task (framework)",
        "terms": {
            "accuracy_floor": 0.99,
            "iaa_coefficient": "cohen_kappa",
            "iaa_min": 0.80,
            "iaa_fail_below": 0.80,
            "overlap_min": 0.05,
            "overlap_max": 0.15,
            "defect_rate_max": 0.01,
            "aql": 1.0,
            "remediation_business_days": 5,
            "service_credit_percent": 5,
            "decision_rule": "point",
        },
    },
    "simple": {
        "label": "Simple classification (framework)",
        "terms": {
            "accuracy_floor": 0.99,
            "iaa_coefficient": "cohen_kappa",
            "iaa_min": 0.85,
            "iaa_fail_below": 0.85,
            "overlap_min": 0.05,
            "overlap_max": 0.15,
            "defect_rate_max": 0.01,
            "aql": 1.0,
            "remediation_business_days": 5,
            "service_credit_percent": 5,
            "decision_rule": "point",
        },
    },
    "sentiment": {
        "label": "Sentiment (framework: target 0.80, fail below 0.78)",
        "terms": {
            "accuracy_floor": 0.99,
            "iaa_coefficient": "cohen_kappa",
            "iaa_min": 0.80,
            "iaa_fail_below": 0.78,
            "overlap_min": 0.05,
            "overlap_max": 0.15,
            "defect_rate_max": 0.01,
            "aql": 1.0,
            "remediation_business_days": 5,
            "service_credit_percent": 5,
            "decision_rule": "point",
        },
    },
    "safety_critical": {
        "label": "Safety-critical (framework, stricter remediation)",
        "terms": {
            "accuracy_floor": 0.99,
            "iaa_coefficient": "fleiss_kappa",
            "iaa_min": 0.85,
            "iaa_fail_below": 0.80,
            "overlap_min": 0.10,
            "overlap_max": 0.20,
            "defect_rate_max": 0.005,
            "aql": 0.65,
            "remediation_business_days": 3,
            "escalation_hours": 24,
            "service_credit_percent": 10,
            "decision_rule": "confidence",
        },
    },
}


class BreachStatus(models.TextChoices):
    OPEN = "open", "Open"
    REMEDIATION_SUBMITTED = "remediation_submitted", "Remediation submitted"
    REMEDIATED = "remediated", "Remediated"
    PARTIALLY_REMEDIATED = "partially_remediated", "Partially remediated"
    ESCALATED = "escalated", "Escalated"
    WAIVED = "waived", "Waived"
    DISPUTED = "disputed", "Disputed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class DisputeDecision(models.TextChoices):
    """A lead's answer to a dispute: the breach stands (its clock resumes) or it is withdrawn (no credit)."""

    UPHELD = "upheld", "Upheld"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Severity(models.TextChoices):
    MINOR = "minor", "Minor"
    MAJOR = "major", "Major"
    CRITICAL = "critical", "Critical"


# Which moves a breach may make. Escalation does not end the vendor's duty to fix the batch,
# so an escalated breach can still be remediated; remediated, waived and withdrawn are final.
# A remediation that passes on too few of the failed batch's items leaves the breach partially
# remediated, its clock running, until a further delivery covers the rest. A disputed breach
# waits for a lead, who upholds it (back to where it was) or withdraws it.
_CONTESTABLE = {BreachStatus.DISPUTED, BreachStatus.WAIVED}
BREACH_TRANSITIONS = {
    BreachStatus.OPEN: {BreachStatus.REMEDIATION_SUBMITTED, BreachStatus.ESCALATED, *_CONTESTABLE},
    BreachStatus.REMEDIATION_SUBMITTED: {
        BreachStatus.REMEDIATED,
        BreachStatus.PARTIALLY_REMEDIATED,
        BreachStatus.OPEN,
        BreachStatus.ESCALATED,
        *_CONTESTABLE,
    },
    BreachStatus.PARTIALLY_REMEDIATED: {BreachStatus.REMEDIATION_SUBMITTED, BreachStatus.ESCALATED, *_CONTESTABLE},
    BreachStatus.ESCALATED: {BreachStatus.REMEDIATION_SUBMITTED, *_CONTESTABLE},
    BreachStatus.DISPUTED: {
        BreachStatus.OPEN,
        BreachStatus.REMEDIATION_SUBMITTED,
        BreachStatus.PARTIALLY_REMEDIATED,
        BreachStatus.ESCALATED,
        BreachStatus.WITHDRAWN,
        BreachStatus.WAIVED,
    },
    BreachStatus.REMEDIATED: set(),
    BreachStatus.WAIVED: set(),
    BreachStatus.WITHDRAWN: set(),
}
# The moves people make through the API (PATCH); the clock and the batch checks make the others.
BREACH_MOVES = [
    (BreachStatus.REMEDIATION_SUBMITTED.value, BreachStatus.REMEDIATION_SUBMITTED.label),
    (BreachStatus.WAIVED.value, BreachStatus.WAIVED.label),
]
UNRESOLVED_BREACH_STATUSES = (
    BreachStatus.OPEN,
    BreachStatus.REMEDIATION_SUBMITTED,
    BreachStatus.PARTIALLY_REMEDIATED,
    BreachStatus.ESCALATED,
    BreachStatus.DISPUTED,
)
CLOSED_BREACH_STATUSES = (BreachStatus.REMEDIATED, BreachStatus.WAIVED, BreachStatus.WITHDRAWN)

# A failed term's severity: safety routing can hurt people; quality terms decide whether the
# data is usable; the rest are process terms the buyer can live with for a while.
TERM_SEVERITY = {
    "safety_routing": Severity.CRITICAL,
    "accuracy": Severity.MAJOR,
    "iaa": Severity.MAJOR,
    "defect_rate": Severity.MAJOR,
    "escalation": Severity.MAJOR,
}
DEFAULT_TERM_SEVERITY = Severity.MINOR
BREACH_DUE_SOON_DAYS = 2
CREDIT_MONTHS_SHOWN = 3
# Escalated breaches listed on the dashboard (the oldest deadlines); the rest are a link away.
DASHBOARD_ESCALATED_ROWS = 20


class Inspection(models.TextChoices):
    """ISO 2859-1 inspection severity, switched by the results of consecutive lots."""

    NORMAL = "normal", "Normal"
    TIGHTENED = "tightened", "Tightened"
    REDUCED = "reduced", "Reduced"


class InspectionLevel(models.TextChoices):
    I = "I", "General level I"  # noqa: E741 (the standard's name)
    II = "II", "General level II"
    III = "III", "General level III"


class SampleDraw(models.TextChoices):
    SIMPLE_RANDOM = "simple_random", "Simple random"
    STRATIFIED = "stratified", "Stratified by annotator"


# The defects a QA reviewer may record, by what the task type is: every task type has the first
# three; an ordinal scale can be off in either direction; a safety-critical task can miss a case
# that needed escalation. Offered in the reviewer page in this order (keys 1-9).
DEFECT_TYPE_LABELS = {
    "wrong_label": "wrong label",
    "guideline_violation": "guideline violation",
    "ambiguous_item": "ambiguous item",
    "severity_too_high": "severity too high",
    "severity_too_low": "severity too low",
    "safety_miss": "safety miss (should have been escalated)",
}


def defect_types_for(*, scale: str, complexity: str) -> tuple[str, ...]:
    """The defect types a reviewer chooses from for a task type of this scale and complexity."""
    types = ["wrong_label", "guideline_violation", "ambiguous_item"]
    if scale == Scale.ORDINAL:
        types[1:1] = ["severity_too_high", "severity_too_low"]
    if complexity == Complexity.SAFETY_CRITICAL:
        types.append("safety_miss")
    return tuple(types)
