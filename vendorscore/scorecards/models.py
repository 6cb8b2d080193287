"""Scorecard data: templates, frozen evaluations, scores, evidence, certifications, history.

A template is the living definition a lead adapts; an evaluation copies the template's
dimensions, criteria and red flags into its own rows when it is created, so editing or
copying the template later never changes a past evaluation's total.
"""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse

from vendorscore.scorecards import red_flags, scoring
from vendorscore.scorecards.constants import CertificationKind, ChangeKind, EvaluationStatus, RedFlagRule

WEIGHT_RANGE = Q(weight__gte=0) & Q(weight__lte=scoring.TOTAL_WEIGHT)
SOC2_KINDS = [CertificationKind.SOC2_TYPE1, CertificationKind.SOC2_TYPE2]


class DimensionFields(models.Model):
    """A weighted dimension with its qualification questions; shared by templates and evaluations."""

    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=100)
    weight = models.DecimalField(
        max_digits=5, decimal_places=2, help_text="Share of the total, 0-100; a scorecard's weights add up to 100."
    )
    description = models.TextField(blank=True, help_text="What the dimension is about.")
    questions = models.JSONField(default=list, blank=True, help_text="Qualification questions to ask the vendor.")

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.weight:g})"


class CriterionFields(models.Model):
    """One criterion scored 1-5, with the KPI that evidences it and guidance on each score."""

    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=200)
    kpi = models.TextField("KPI", blank=True, help_text="The measure that evidences the criterion.")
    guidance = models.TextField(blank=True, help_text="What a 1, a 3 and a 5 look like.")

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name


class RedFlagFields(models.Model):
    """A finding that should weigh on the decision whatever the total; some are raised by evidence rules."""

    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=300)
    rule = models.CharField(
        max_length=32, choices=RedFlagRule.choices, blank=True, help_text="Evidence rule that suggests this flag."
    )

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class ScorecardTemplate(models.Model):
    """A scorecard definition: weighted dimensions, criteria, questions and red flags.

    The default holds DESIGN.md's framework and is read-only; leads copy it and adapt the
    weights and criteria to a program's risk profile.
    """

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_default = models.BooleanField(default=False, editable=False)
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "vendorscore_scorecardtemplate"
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="scorecard_template_name_unique_ci",
                violation_error_message="A scorecard template with this name exists.",
            ),
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="one_default_scorecard_template",
                violation_error_message="Only one scorecard template is the default.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("scorecard_template_detail", args=[self.pk])


class TemplateDimension(DimensionFields):
    template = models.ForeignKey(ScorecardTemplate, on_delete=models.CASCADE, related_name="dimensions")

    class Meta(DimensionFields.Meta):
        db_table = "vendorscore_templatedimension"
        constraints = [
            models.CheckConstraint(
                condition=WEIGHT_RANGE,
                name="template_dimension_weight_0_100",
                violation_error_message="A weight is between 0 and 100.",
            ),
            models.UniqueConstraint(
                fields=["template", "name"],
                name="template_dimension_name_unique",
                violation_error_message="Dimension names are unique within a template.",
            ),
        ]


class TemplateCriterion(CriterionFields):
    dimension = models.ForeignKey(TemplateDimension, on_delete=models.CASCADE, related_name="criteria")

    class Meta(CriterionFields.Meta):
        db_table = "vendorscore_templatecriterion"


class TemplateRedFlag(RedFlagFields):
    dimension = models.ForeignKey(TemplateDimension, on_delete=models.CASCADE, related_name="red_flags")

    class Meta(RedFlagFields.Meta):
        db_table = "vendorscore_templateredflag"


class Evaluation(models.Model):
    """One vendor scored against a frozen copy of a template by one or more evaluators."""

    vendor = models.ForeignKey("vendorscore.Vendor", on_delete=models.PROTECT, related_name="evaluations")
    template = models.ForeignKey(
        ScorecardTemplate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evaluations",
        help_text="The template the dimensions were copied from; later edits to it do not apply here.",
    )
    template_name = models.CharField(max_length=200)
    program = models.CharField(max_length=200, blank=True, help_text="The program or RFP this evaluation is for.")
    status = models.CharField(max_length=16, choices=EvaluationStatus.choices, default=EvaluationStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="evaluations_created"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    finalized_at = models.DateTimeField(null=True, blank=True)
    finalized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        db_table = "vendorscore_evaluation"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=EvaluationStatus.FINAL) | Q(finalized_at__isnull=False),
                name="final_evaluation_has_finalized_at",
                violation_error_message="A final evaluation records when it was finalized.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor} · {self.program or self.template_name} (#{self.pk})"

    def get_absolute_url(self) -> str:
        return reverse("evaluation_detail", args=[self.pk])

    @property
    def is_final(self) -> bool:
        return self.status == EvaluationStatus.FINAL


class EvaluationDimension(DimensionFields):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="dimensions")

    class Meta(DimensionFields.Meta):
        db_table = "vendorscore_evaluationdimension"
        constraints = [
            models.CheckConstraint(
                condition=WEIGHT_RANGE,
                name="evaluation_dimension_weight_0_100",
                violation_error_message="A weight is between 0 and 100.",
            ),
            models.UniqueConstraint(
                fields=["evaluation", "name"],
                name="evaluation_dimension_name_unique",
                violation_error_message="Dimension names are unique within an evaluation.",
            ),
        ]


class EvaluationCriterion(CriterionFields):
    dimension = models.ForeignKey(EvaluationDimension, on_delete=models.CASCADE, related_name="criteria")

    class Meta(CriterionFields.Meta):
        db_table = "vendorscore_evaluationcriterion"


class EvaluationRedFlag(RedFlagFields):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="red_flags")
    dimension = models.ForeignKey(EvaluationDimension, on_delete=models.CASCADE, related_name="red_flags")

    class Meta(RedFlagFields.Meta):
        db_table = "vendorscore_evaluationredflag"


class RedFlagTick(models.Model):
    """An evaluator's confirmation that a red flag applies to the vendor."""

    red_flag = models.ForeignKey(EvaluationRedFlag, on_delete=models.CASCADE, related_name="ticks")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ticked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "vendorscore_redflagtick"
        ordering = ["ticked_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["red_flag", "evaluator"],
                name="red_flag_ticked_once_per_evaluator",
                violation_error_message="This evaluator has already ticked this red flag.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.red_flag} ticked by {self.evaluator}"


class Score(models.Model):
    """One evaluator's 1-5 rating of one criterion, with the note that justifies it."""

    criterion = models.ForeignKey(EvaluationCriterion, on_delete=models.CASCADE, related_name="scores")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="scores")
    value = models.PositiveSmallIntegerField()
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "vendorscore_score"
        ordering = ["criterion", "evaluator__username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__gte=scoring.MIN_RATING) & Q(value__lte=scoring.MAX_RATING),
                name="score_value_1_5",
                violation_error_message="A score is a whole number from 1 (poor) to 5 (excellent).",
            ),
            models.UniqueConstraint(
                fields=["criterion", "evaluator"],
                name="one_score_per_evaluator_and_criterion",
                violation_error_message="Each evaluator scores each criterion once.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.value} by {self.evaluator}"


def evidence_path(instance: "EvidenceFile", filename: str) -> str:
    """A unique folder per file, so two uploads named ``report.pdf`` never overwrite each other."""
    return f"scorecards/evidence/{instance.score.criterion.dimension.evaluation_id}/{uuid.uuid4().hex}/{filename}"


class EvidenceFile(models.Model):
    """A document backing a score (a policy, an IAA report); buyers may download it, vendor users never."""

    score = models.ForeignKey(Score, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=300)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "vendorscore_evidencefile"
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.filename

    def get_absolute_url(self) -> str:
        return reverse("evidence_download", args=[self.pk])

    @property
    def filename(self) -> str:
        return PurePath(self.file.name).name


def certification_path(instance: "Certification", filename: str) -> str:
    return f"scorecards/certifications/{instance.vendor_id}/{uuid.uuid4().hex}/{filename}"


class Certification(models.Model):
    """A vendor's SOC 2 report or ISO 27001 certificate; its dates drive the automatic red flags."""

    vendor = models.ForeignKey("vendorscore.Vendor", on_delete=models.CASCADE, related_name="certifications")
    kind = models.CharField(max_length=16, choices=CertificationKind.choices)
    audit_period_end = models.DateField(
        null=True, blank=True, help_text="SOC 2: the last day of the period the auditor examined."
    )
    last_audit_on = models.DateField(
        null=True, blank=True, help_text="ISO 27001: the date of the certification or latest surveillance audit."
    )
    expires_on = models.DateField(null=True, blank=True, help_text="ISO 27001: when the certificate expires.")
    certified_sites = models.TextField(blank=True, help_text="ISO 27001: the sites in scope, one per line.")
    auditor = models.CharField(max_length=200, blank=True)
    evidence = models.FileField(upload_to=certification_path, max_length=300, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "vendorscore_certification"
        ordering = ["vendor", "kind", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=SOC2_KINDS) | Q(audit_period_end__isnull=False),
                name="soc2_has_audit_period_end",
                violation_error_message="A SOC 2 report needs the end of its audit period.",
            ),
            models.CheckConstraint(
                condition=~Q(kind=CertificationKind.ISO27001)
                | (Q(last_audit_on__isnull=False) & Q(expires_on__isnull=False)),
                name="iso27001_has_audit_and_expiry",
                violation_error_message="An ISO 27001 certificate needs its latest audit date and its expiry date.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.vendor}"

    def clean(self) -> None:
        """The constraints' rules again, as field errors a form can show beside the right input."""
        super().clean()
        errors = {}
        if self.kind in SOC2_KINDS and self.audit_period_end is None:
            errors["audit_period_end"] = "A SOC 2 report needs the end of its audit period."
        if self.kind == CertificationKind.ISO27001:
            if self.last_audit_on is None:
                errors["last_audit_on"] = "An ISO 27001 certificate needs the date of its latest audit."
            if self.expires_on is None:
                errors["expires_on"] = "An ISO 27001 certificate needs its expiry date."
        if errors:
            raise ValidationError(errors)

    @property
    def audited_on(self):
        """The date the certification's recency is judged by, whatever its kind."""
        return self.audit_period_end if self.kind in SOC2_KINDS else self.last_audit_on

    def facts(self) -> red_flags.CertificationFacts:
        return red_flags.CertificationFacts(
            kind=self.kind, label=self.get_kind_display(), audited_on=self.audited_on, expires_on=self.expires_on
        )

    @property
    def evidence_filename(self) -> str:
        return PurePath(self.evidence.name).name if self.evidence else ""


class SecurityProfile(models.Model):
    """The rest of a vendor's security evidence: DPA, air-gap option, endpoint controls, subprocessors."""

    vendor = models.OneToOneField("vendorscore.Vendor", on_delete=models.CASCADE, related_name="security_profile")
    dpa_signed = models.BooleanField("DPA signed", default=False)
    dpa_signed_on = models.DateField("DPA signed on", null=True, blank=True)
    air_gap_option = models.BooleanField(
        default=False, help_text="The vendor can annotate on an isolated network with no internet access."
    )
    endpoint_controls = models.TextField(blank=True, help_text="Managed devices, DLP, screen-capture blocking...")
    subprocessors = models.TextField(blank=True, help_text="One subprocessor per line; empty means none disclosed.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "vendorscore_securityprofile"
        constraints = [
            models.CheckConstraint(
                condition=Q(dpa_signed=True) | Q(dpa_signed_on__isnull=True),
                name="dpa_date_only_when_signed",
                violation_error_message="A DPA signing date needs “DPA signed” ticked.",
            ),
        ]

    def __str__(self) -> str:
        return f"Security evidence of {self.vendor}"

    @property
    def subprocessor_list(self) -> list[str]:
        return [line.strip() for line in self.subprocessors.splitlines() if line.strip()]


class ScorecardChange(models.Model):
    """One change to a score, weight, red flag, status or certification: who, when, from what to what.

    Evaluations must be defensible in front of a vendor, so every change is kept rather
    than overwritten silently.
    """

    evaluation = models.ForeignKey(Evaluation, null=True, blank=True, on_delete=models.CASCADE, related_name="changes")
    template = models.ForeignKey(
        ScorecardTemplate, null=True, blank=True, on_delete=models.CASCADE, related_name="changes"
    )
    vendor = models.ForeignKey(
        "vendorscore.Vendor", null=True, blank=True, on_delete=models.CASCADE, related_name="scorecard_changes"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=16, choices=ChangeKind.choices)
    subject = models.CharField(max_length=400)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)

    class Meta:
        db_table = "vendorscore_scorecardchange"
        ordering = ["-changed_at", "-pk"]
        indexes = [models.Index(fields=["vendor", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject}: {self.old_value or '—'} → {self.new_value or '—'}"
