"""The KPIs a performance template can weigh, and the default template's values."""

from django.db import models

from performance.kpis import HIGHER, LOWER

QUALITY_DIMENSION = "Quality SLA"


class KPI(models.TextChoices):
    ACCURACY = "accuracy", "Accuracy against floor"
    IAA = "iaa", "IAA against target"
    FIRST_PASS = "first_pass_acceptance", "First-pass acceptance"
    BREACHES = "breaches_per_10k", "Breaches per 10,000 items"
    REMEDIATION = "remediation_on_time", "Remediation on time"
    ESCALATIONS = "escalations", "Escalations"
    CREDITS = "credit_share", "Credits / invoiced value"
    TIMELINESS = "timeliness", "Timeliness"


class ScorecardStatus(models.TextChoices):
    COMPUTED = "computed", "Computed"
    PUBLISHED = "published", "Published to the vendor"
    ACKNOWLEDGED = "acknowledged", "Acknowledged by the vendor"
    APPEALED = "appealed", "Appealed by the vendor"
    ANSWERED = "answered", "Appeal answered"


class ResponseKind(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", "Acknowledged"
    APPEAL = "appeal", "Appealed"
    ANSWER = "answer", "Answered"


# What each KPI measures, for pages and the README; the unit tells how its value is shown.
KPI_HELP = {
    KPI.ACCURACY: (
        "Gold-item-weighted mean of (measured accuracy - floor) over the accuracy findings of the "
        "period's checked batches; positive is above the floor.",
        "margin",
    ),
    KPI.IAA: (
        "Item-weighted mean of (measured agreement - target) over the IAA findings of the period's "
        "checked batches, in the coefficient the terms name.",
        "margin",
    ),
    KPI.FIRST_PASS: (
        "Accepted first deliveries / evaluated first deliveries; remediation batches are not first deliveries.",
        "share",
    ),
    KPI.BREACHES: ("Breaches opened on the period's batches x 10,000 / items in those batches.", "rate"),
    KPI.REMEDIATION: (
        "Breaches due in the period whose remediation batch arrived by the deadline and passed / "
        "breaches due in the period (waived ones excepted).",
        "share",
    ),
    KPI.ESCALATIONS: ("Breaches escalated during the period (deadline passed unremediated).", "count"),
    KPI.CREDITS: (
        "Service credits owed for the period's months / invoiced value of those months (sla/credits.py).",
        "share",
    ),
    KPI.TIMELINESS: ("Batches delivered by their due time / batches with a due time.", "share"),
}

# The default template: weights add up to 100; thresholds as (bound, score), reaching a bound earns its score.
DEFAULT_TEMPLATE_NAME = "Delivery performance (default)"
DEFAULT_KPIS = [
    (KPI.ACCURACY, 20, HIGHER, [(-0.02, 2), (-0.01, 3), (0.0, 4), (0.01, 5)]),
    (KPI.IAA, 15, HIGHER, [(-0.05, 2), (-0.02, 3), (0.0, 4), (0.03, 5)]),
    (KPI.FIRST_PASS, 20, HIGHER, [(0.6, 2), (0.75, 3), (0.85, 4), (0.95, 5)]),
    (KPI.BREACHES, 10, LOWER, [(10, 2), (5, 3), (2, 4), (0, 5)]),
    (KPI.REMEDIATION, 10, HIGHER, [(0.5, 2), (0.7, 3), (0.9, 4), (1.0, 5)]),
    (KPI.ESCALATIONS, 5, LOWER, [(3, 2), (2, 3), (1, 4), (0, 5)]),
    (KPI.CREDITS, 10, LOWER, [(0.05, 2), (0.03, 3), (0.01, 4), (0.0, 5)]),
    (KPI.TIMELINESS, 10, HIGHER, [(0.7, 2), (0.8, 3), (0.9, 4), (1.0, 5)]),
]
DEFAULT_STANDING_PERIODS = 6
DEFAULT_DECAY = "0.5"
DEFAULT_DROP_POINTS = 5
