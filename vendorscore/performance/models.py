"""Performance templates, period scorecards, the vendor's responses, and confirmed overrides.

A period scorecard stores the KPIs as computed (value, n, the batches they came from, the
thresholds and weight used), so a published scorecard stays what the vendor was shown
even after the template is edited or a batch is re-checked; an unpublished one is simply
computed again.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse

from vendorscore.performance.constants import (
    DEFAULT_DECAY,
    DEFAULT_DROP_POINTS,
    DEFAULT_STANDING_PERIODS,
    KPI,
    ResponseKind,
    ScorecardStatus,
)
from vendorscore.performance.kpis import HIGHER, LOWER
from vendorscore.scorecards import scoring

BAND_CHOICES = [(key, label) for key, label in scoring.BAND_LABELS.items()]


class PerformanceTemplate(models.Model):
    """Which KPIs count, their thresholds and weights, the standing's window, and the consequences a lead wants.

    The default ships in a data migration and is read-only; leads copy it and adapt it, and
    assign a copy to the vendors it suits (``VendorPerformance``).
    """

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_default = models.BooleanField(default=False, editable=False)
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies")
    standing_periods = models.PositiveSmallIntegerField(
        default=DEFAULT_STANDING_PERIODS,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text=(
            "How many periods (months, or quarters for a quarterly scorecard) the standing "
            "looks back over, the current one included."
        ),
    )
    decay = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=DEFAULT_DECAY,
        validators=[MinValueValidator(0.01), MaxValueValidator(1)],
        help_text="Weight of a period relative to the period after it (1 = all periods count the same).",
    )
    banner = models.BooleanField(default=True, help_text="Show the standing as a banner on the vendor's page.")
    warn_new_contracts = models.BooleanField(
        default=True,
        help_text="Ask for a recorded reason before new contracts or terms for a vendor in material risk.",
    )
    digest_drops = models.BooleanField(default=True, help_text="Name vendors whose standing dropped in the digest.")
    drop_points = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=DEFAULT_DROP_POINTS,
        validators=[MinValueValidator(0)],
        help_text="A fall of this many points counts as a drop even within a band.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "vendorscore_performancetemplate"
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="performance_template_name_unique_ci",
                violation_error_message="A performance template with this name exists.",
            ),
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="one_default_performance_template",
                violation_error_message="Only one performance template is the default.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("performance_template_detail", args=[self.pk])


class PerformanceKPI(models.Model):
    """One KPI of a template: its weight, whether higher or lower is better, and 2-5 thresholds."""

    template = models.ForeignKey(PerformanceTemplate, on_delete=models.CASCADE, related_name="kpis")
    position = models.PositiveSmallIntegerField(default=0)
    key = models.CharField(max_length=32, choices=KPI.choices)
    weight = models.DecimalField(max_digits=5, decimal_places=2, help_text="Share of the score, 0-100.")
    direction = models.CharField(
        max_length=8, choices=[(HIGHER, "Higher is better"), (LOWER, "Lower is better")], default=HIGHER
    )
    thresholds = models.JSONField(
        help_text='2-5 bounds: [{"at": 0.95, "score": 5}, ...]; reaching one earns its score.'
    )

    class Meta:
        db_table = "vendorscore_performancekpi"
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "key"],
                name="performance_kpi_once_per_template",
                violation_error_message="A template weighs each KPI once.",
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=0) & Q(weight__lte=100),
                name="performance_kpi_weight_0_100",
                violation_error_message="A weight is between 0 and 100.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_key_display()} ({self.weight:g})"


class VendorPerformance(models.Model):
    """The template a vendor is measured with; vendors without one use the default."""

    vendor = models.OneToOneField("vendorscore.Vendor", on_delete=models.CASCADE, related_name="performance")
    template = models.ForeignKey(PerformanceTemplate, on_delete=models.PROTECT, related_name="assignments")

    class Meta:
        db_table = "vendorscore_vendorperformance"

    def __str__(self) -> str:
        return f"{self.vendor} measured with {self.template}"


class PeriodScorecard(models.Model):
    """One vendor's performance in one month or quarter, with the standing it leaves the vendor in."""

    vendor = models.ForeignKey("vendorscore.Vendor", on_delete=models.PROTECT, related_name="period_scorecards")
    period = models.CharField(max_length=7, help_text="YYYY-MM or YYYY-Qn.")
    period_start = models.DateField()
    period_end = models.DateField(help_text="The first day after the period.")
    template = models.ForeignKey(
        PerformanceTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="scorecards"
    )
    template_name = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=ScorecardStatus.choices, default=ScorecardStatus.COMPUTED)
    computed_at = models.DateTimeField()
    batches_evaluated = models.PositiveIntegerField(default=0)
    first_pass_acceptance = models.FloatField(null=True, blank=True)
    kpis = models.JSONField(default=list, help_text="[{key, name, value, n, batches, threshold, score, weight, ...}]")
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    band = models.CharField(max_length=32, choices=BAND_CHOICES, blank=True)
    standing_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    standing = models.CharField(max_length=32, choices=BAND_CHOICES, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        db_table = "vendorscore_periodscorecard"
        ordering = ["vendor__name", "-period_start", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "period"],
                name="one_scorecard_per_vendor_and_period",
                violation_error_message="This vendor already has a scorecard for that period.",
            ),
            models.CheckConstraint(
                condition=Q(published_at__isnull=True) | ~Q(status=ScorecardStatus.COMPUTED),
                name="published_scorecard_has_published_status",
                violation_error_message="A published scorecard is no longer merely computed.",
            ),
        ]
        indexes = [models.Index(fields=["period", "vendor"])]

    def __str__(self) -> str:
        return f"{self.vendor} {self.period}: {self.score if self.score is not None else '—'}"

    def get_absolute_url(self) -> str:
        return reverse("performance_scorecard", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def band_label(self) -> str:
        return scoring.BAND_LABELS.get(self.band, "")

    @property
    def standing_label(self) -> str:
        return scoring.BAND_LABELS.get(self.standing, "")


class ScorecardResponse(models.Model):
    """The vendor's acknowledgement or appeal of a published scorecard, and the lead's answer."""

    scorecard = models.ForeignKey(PeriodScorecard, on_delete=models.CASCADE, related_name="responses")
    kind = models.CharField(max_length=16, choices=ResponseKind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "vendorscore_scorecardresponse"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.user} on {self.scorecard}"


class StandingOverride(models.Model):
    """A lead's recorded reason for giving a vendor in material risk a new contract or new terms."""

    class Subject(models.TextChoices):
        CONTRACT = "contract", "New contract"
        TERMS = "terms", "New SLA terms"

    vendor = models.ForeignKey("vendorscore.Vendor", on_delete=models.PROTECT, related_name="standing_overrides")
    scorecard = models.ForeignKey(PeriodScorecard, on_delete=models.PROTECT, related_name="overrides")
    subject = models.CharField(max_length=16, choices=Subject.choices)
    object_id = models.PositiveIntegerField(help_text="The contract or terms version created.")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "vendorscore_standingoverride"
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""), name="standing_override_has_reason", violation_error_message="Say why."
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_subject_display()} for {self.vendor} despite {self.scorecard.standing}"
