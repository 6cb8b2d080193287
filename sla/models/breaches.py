"""Breaches of SLA terms and their history of moves."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from sla.constants import (
    TERM_LABELS,
    BreachStatus,
    Severity,
)

from .checks import Finding
from .intake import Batch


class Breach(models.Model):
    """A failed SLA term of a batch: what the vendor owes (a fix by a deadline, a credit) and where it stands.

    One per batch and term, whatever the number of check runs: a re-run that fails the same
    term again finds the existing breach. The credit is kept in two amounts: the one the
    term's percentage gives, and the one owed once the monthly cap and the breach's outcome
    (waived, or remediated under a contract that does not reprice) are applied.
    """

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="breaches")
    term = models.CharField(max_length=32)
    finding = models.ForeignKey(Finding, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=24, choices=BreachStatus.choices, default=BreachStatus.OPEN)
    severity = models.CharField(max_length=16, choices=Severity.choices)
    opened_at = models.DateTimeField()
    remediation_due = models.DateTimeField(
        null=True, blank=True, help_text="Empty when the terms set no remediation period: never escalated."
    )
    credit_percent = models.FloatField(null=True, blank=True)
    batch_value = models.DecimalField(max_digits=14, decimal_places=2)
    credit_full = models.DecimalField(
        max_digits=14, decimal_places=2, help_text="The term's percent of the batch value."
    )
    service_credit = models.DecimalField(
        max_digits=14, decimal_places=2, help_text="What is owed after the monthly cap and the breach's outcome."
    )
    credit_month = models.DateField(help_text="First day of the delivery's month, in the contract's zone.")
    remediation_batch = models.ForeignKey(
        Batch, null=True, blank=True, on_delete=models.SET_NULL, related_name="remediated_breaches"
    )
    waiver_reason = models.TextField(blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    remediation_result = models.JSONField(
        default=dict,
        blank=True,
        help_text="How the remediation batches answered the failed work: coverage, the term re-measured, items.",
    )
    dispute_reason = models.TextField(blank=True)
    dispute_file = models.FileField(upload_to="disputes/%Y/%m/", blank=True)
    disputed_at = models.DateTimeField(null=True, blank=True, help_text="Start of the running dispute, if any.")

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name_plural = "breaches"
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "term"],
                name="one_breach_per_batch_and_term",
                violation_error_message="This batch already has a breach for that term.",
            ),
            models.CheckConstraint(
                condition=~Q(status=BreachStatus.WAIVED) | ~Q(waiver_reason=""),
                name="waiver_has_reason",
                violation_error_message="A waiver needs a reason.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "remediation_due"]),
            models.Index(fields=["opened_at"], name="sla_breach_opened_at"),
        ]

    def __str__(self) -> str:
        return f"Breach {self.pk}: batch {self.batch_id} {self.term} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("breach_detail", args=[self.pk])

    @property
    def term_label(self) -> str:
        return TERM_LABELS.get(self.term, self.term)


# Breaches whose deadline still runs: open ones, and ones the vendor marked submitted without
# delivering a batch yet (a promise alone does not stop the clock; a delivered fix does).
AWAITING_FIX = (
    Q(status=BreachStatus.OPEN)
    | Q(status=BreachStatus.REMEDIATION_SUBMITTED, remediation_batch__isnull=True)
    # A remediation that covered too little of the failed work does not stop the clock.
    | Q(status=BreachStatus.PARTIALLY_REMEDIATED)
)


class BreachEvent(models.Model):
    """One move of a breach from a state to another: who (empty for the system), when, and why."""

    breach = models.ForeignKey(Breach, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=24, choices=BreachStatus.choices, blank=True)
    to_status = models.CharField(max_length=24, choices=BreachStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} -> {self.to_status} at {self.at:%Y-%m-%d %H:%M}"
