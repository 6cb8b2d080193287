"""A batch's checks against its terms: check runs and one finding per term."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from sla import clock
from sla.constants import (
    TERM_LABELS,
    BatchVerdict,
)

from .contracts import ContractTerms
from .intake import Batch


class CheckRun(models.Model):
    """One run of the SLA check on a batch, with the terms version it used.

    Runs are kept: after a term correction or a lead's re-run the batch's verdict is the
    newest run's, and the earlier verdicts stay in the history with their terms.
    """

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="check_runs")
    terms = models.ForeignKey(ContractTerms, null=True, on_delete=models.PROTECT, related_name="check_runs")
    verdict = models.CharField(max_length=16, choices=BatchVerdict.choices)
    ran_at = models.DateTimeField(default=clock.now)
    reason = models.CharField(max_length=200, default="automatic check after intake")
    ran_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["-ran_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["batch"], condition=Q(is_current=True), name="one_current_check_per_batch"),
        ]

    def __str__(self) -> str:
        return f"Check of batch {self.batch_id}: {self.verdict}"


class Finding(models.Model):
    """The outcome of one SLA term for one batch: measured value, threshold, interval, verdict."""

    check_run = models.ForeignKey(CheckRun, on_delete=models.CASCADE, related_name="findings")
    term = models.CharField(max_length=32)
    verdict = models.CharField(max_length=16)
    measured = models.FloatField(null=True)
    threshold = models.FloatField(null=True)
    ci_low = models.FloatField(null=True)
    ci_high = models.FloatField(null=True)
    n = models.PositiveIntegerField(default=0)
    detail = models.TextField()
    more_items_needed = models.PositiveIntegerField(null=True)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.term}: {self.verdict}"

    @property
    def ci95(self) -> list[float] | None:
        return None if self.ci_low is None else [self.ci_low, self.ci_high]

    @property
    def term_label(self) -> str:
        return TERM_LABELS.get(self.term, self.term)
