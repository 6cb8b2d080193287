"""Task types, contracts and their versioned SLA terms."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from sla.calendar import parse_holidays
from sla.constants import (
    AccuracyMetric,
    AccuracyScope,
    Complexity,
    DecisionRule,
    IAACoefficient,
    InspectionLevel,
    PricingModel,
    SampleDraw,
    Scale,
)
from sla.terms_rules import terms_problems
from vendorscore.models import Vendor
from vendorscore.validators import validate_single_line

UNIT_INTERVAL = [MinValueValidator(0), MaxValueValidator(1)]


class TaskType(models.Model):
    """A kind of labeling work with its label set; the scale decides how disagreement is weighted."""

    name = models.CharField(max_length=100, unique=True, validators=[validate_single_line])
    scale = models.CharField(max_length=16, choices=Scale.choices, default=Scale.NOMINAL)
    labels = models.JSONField(
        default=list, help_text="The ordered label set; for ordinal scales the order is the scale's order."
    )
    complexity = models.CharField(max_length=16, choices=Complexity.choices, default=Complexity.SIMPLE)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not isinstance(self.labels, list) or not self.labels:
            raise ValidationError({"labels": "Give the label set as a non-empty list."})
        labels = [str(label).strip() for label in self.labels]
        if any(not label for label in labels):
            raise ValidationError({"labels": "Labels may not be empty."})
        if len(set(labels)) != len(labels):
            raise ValidationError({"labels": "Each label may appear once."})
        if self.scale == Scale.INTERVAL and not all(_is_number(label) for label in labels):
            raise ValidationError({"labels": "Interval scales need numeric labels."})
        self.labels = labels


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class Contract(models.Model):
    """A vendor's contract: pricing and the time zone its deadlines are counted in."""

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="contracts")
    title = models.CharField(max_length=200, validators=[validate_single_line])
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    pricing_model = models.CharField(max_length=16, choices=PricingModel.choices, default=PricingModel.PER_UNIT)
    unit_price = models.DecimalField(max_digits=12, decimal_places=4, validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3, default="USD", help_text="ISO 4217 code, e.g. USD, EUR.")
    time_zone = models.CharField(max_length=64, default="UTC", help_text="Deadlines are counted in this zone.")
    holidays = models.JSONField(
        default=list,
        blank=True,
        help_text="Dates (YYYY-MM-DD) that are not business days for remediation deadlines, besides weekends.",
    )
    service_credit_cap_percent = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Credits per calendar month may not exceed this percent of the month's invoiced value.",
    )
    reprice_remediated = models.BooleanField(
        default=False,
        help_text="Whether a remediated batch keeps its service credits (it is repriced) or is paid in full.",
    )
    remediation_coverage_required = models.FloatField(
        default=1.0,
        validators=UNIT_INTERVAL,
        help_text="Share of a failed batch's items a remediation must deliver again (and pass) to close the breach.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_contracts",
        help_text="The procurement lead who receives this contract's notices.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["vendor__name", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="contract_ends_after_start",
                violation_error_message="The end date is before the start date.",
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0),
                name="contract_price_not_negative",
                violation_error_message="The unit price may not be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor.name}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("contract_detail", args=[self.pk])

    def clean(self) -> None:
        self.currency = (self.currency or "").upper()
        if len(self.currency) != 3 or not self.currency.isalpha():
            raise ValidationError({"currency": "Use a three-letter ISO 4217 code such as USD or EUR."})
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError({"time_zone": f"Unknown time zone “{self.time_zone}”."}) from None
        try:
            self.holidays = [day.isoformat() for day in parse_holidays(self.holidays or [])]
        except (TypeError, ValueError):
            raise ValidationError({"holidays": "Give holidays as a list of dates in the form YYYY-MM-DD."}) from None


class ContractTerms(models.Model):
    """The SLA terms for one task type, in force from ``effective_from`` until the next version.

    Any threshold left empty is not part of the contract and produces no finding.
    """

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="terms")
    task_type = models.ForeignKey(TaskType, on_delete=models.PROTECT, related_name="terms")
    effective_from = models.DateField()
    accuracy_floor = models.FloatField(null=True, blank=True, validators=UNIT_INTERVAL)
    accuracy_metric = models.CharField(max_length=16, choices=AccuracyMetric.choices, default=AccuracyMetric.ACCURACY)
    accuracy_scope = models.CharField(max_length=16, choices=AccuracyScope.choices, default=AccuracyScope.BATCH)
    gold_sample_rate = models.FloatField(
        null=True, blank=True, validators=UNIT_INTERVAL, help_text="Share of each batch's items that carry gold labels."
    )
    iaa_coefficient = models.CharField(
        max_length=24, choices=IAACoefficient.choices, default=IAACoefficient.COHEN_KAPPA
    )
    iaa_min = models.FloatField(null=True, blank=True, validators=[MinValueValidator(-1), MaxValueValidator(1)])
    iaa_fail_below = models.FloatField(null=True, blank=True, validators=[MinValueValidator(-1), MaxValueValidator(1)])
    overlap_min = models.FloatField(null=True, blank=True, validators=UNIT_INTERVAL)
    overlap_max = models.FloatField(null=True, blank=True, validators=UNIT_INTERVAL)
    defect_rate_max = models.FloatField(null=True, blank=True, validators=UNIT_INTERVAL)
    aql = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0)], help_text="Percent defective.")
    remediation_business_days = models.PositiveIntegerField(null=True, blank=True)
    escalation_hours = models.PositiveIntegerField(null=True, blank=True)
    throughput_per_day = models.PositiveIntegerField(null=True, blank=True)
    safety_critical_labels = models.JSONField(default=list, blank=True)
    service_credit_percent = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    decision_rule = models.CharField(max_length=16, choices=DecisionRule.choices, default=DecisionRule.POINT)
    inspection_level = models.CharField(
        max_length=3,
        choices=InspectionLevel.choices,
        default=InspectionLevel.II,
        help_text="ISO 2859-1 general inspection level of the QA review sample (with the AQL).",
    )
    sample_draw = models.CharField(
        max_length=16,
        choices=SampleDraw.choices,
        default=SampleDraw.STRATIFIED,
        help_text="How the QA review sample is drawn: stratified reviews every annotator's work.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["task_type__name", "-effective_from"]
        verbose_name_plural = "contract terms"
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "task_type", "effective_from"],
                name="one_terms_version_per_day",
                violation_error_message="These terms already have a version effective from that date.",
            ),
            models.CheckConstraint(
                condition=Q(iaa_fail_below__isnull=True)
                | Q(iaa_min__isnull=True)
                | Q(iaa_fail_below__lte=F("iaa_min")),
                name="iaa_fail_threshold_not_above_target",
                violation_error_message="The IAA fail threshold is above the IAA target.",
            ),
            models.CheckConstraint(
                condition=Q(overlap_min__isnull=True)
                | Q(overlap_max__isnull=True)
                | Q(overlap_min__lte=F("overlap_max")),
                name="overlap_min_not_above_max",
                violation_error_message="The overlap minimum is above its maximum.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract} / {self.task_type} from {self.effective_from}"

    def clean(self) -> None:
        """The terms must hold together and name only their task type's labels (``sla.terms_rules``)."""
        task_type = self.task_type if self.task_type_id else None
        problems = terms_problems(
            task_type_name=task_type.name if task_type else None,
            labels=task_type.labels if task_type else (),
            safety_critical_labels=self.safety_critical_labels,
            iaa_min=self.iaa_min,
            iaa_fail_below=self.iaa_fail_below,
            overlap_min=self.overlap_min,
            overlap_max=self.overlap_max,
        )
        if problems:
            raise ValidationError(problems)
