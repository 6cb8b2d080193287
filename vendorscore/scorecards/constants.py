"""Names of the scorecards: evaluation statuses, certification kinds, red-flag rules, history kinds."""

from django.db import models

from vendorscore.scorecards import red_flags


class EvaluationStatus(models.TextChoices):
    """An evaluation is scored in draft, reviewed (calibrated) once submitted, and frozen when final."""

    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    FINAL = "final", "Final"


class CertificationKind(models.TextChoices):
    """The certifications the security dimension asks for; values are shared with ``scorecards.red_flags``."""

    SOC2_TYPE1 = red_flags.SOC2_TYPE1, "SOC 2 Type I"
    SOC2_TYPE2 = red_flags.SOC2_TYPE2, "SOC 2 Type II"
    ISO27001 = red_flags.ISO27001, "ISO/IEC 27001"


class RedFlagRule(models.TextChoices):
    """Red flags the certifications on file can raise on their own, for a human to confirm."""

    SOC2_TYPE1_ONLY = red_flags.SOC2_TYPE1_ONLY, "SOC 2 Type I only"
    CERTIFICATION_STALE = red_flags.CERTIFICATION_STALE, "Certification older than 12 months or expired"
    NO_DPA = red_flags.NO_DPA, "No signed DPA"


class ChangeKind(models.TextChoices):
    """What a history row of a scorecard records a change of."""

    SCORE = "score", "Score"
    NOTE = "note", "Score note"
    EVIDENCE = "evidence", "Evidence file"
    WEIGHT = "weight", "Weight"
    CRITERION = "criterion", "Criterion"
    RED_FLAG = "red_flag", "Red flag"
    STATUS = "status", "Status"
    CERTIFICATION = "certification", "Certification"
    SECURITY = "security", "Security evidence"


RATING_LABELS = {1: "Poor", 2: "Weak", 3: "Adequate", 4: "Good", 5: "Excellent"}
