"""QA review samples: the review set, inspection state, sampled items and reviews."""

from django.db import models

from sla.constants import (
    Inspection,
    InspectionLevel,
    ReviewVerdict,
    SampleDraw,
)

from .contracts import Contract, TaskType
from .intake import Batch, Upload


class QAReviewSet(Upload):
    """QA review verdicts on a batch's items, uploaded by an analyst or made in the reviewer page."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="review_sets")

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"QA reviews of batch {self.batch_id} ({self.original_name})"


class InspectionState(models.Model):
    """Where a contract and task type stand in ISO 2859-1's switching rules (see ``sla.sampling_plans``)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="inspection_states")
    task_type = models.ForeignKey(TaskType, on_delete=models.CASCADE, related_name="+")
    inspection = models.CharField(max_length=16, choices=Inspection.choices, default=Inspection.NORMAL)
    results = models.JSONField(
        default=list, help_text="Accepted? of the last lots (at most 5) since the last switch, oldest first."
    )
    switching_score = models.PositiveIntegerField(
        default=0, help_text="ISO 2859-1 9.3.3.2 switching score under normal inspection; 30 switches to reduced."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contract", "task_type"], name="one_inspection_state")]

    def __str__(self) -> str:
        return f"{self.contract} / {self.task_type}: {self.inspection}"


class QASample(models.Model):
    """The items a reviewer must inspect in a batch, drawn once, with the plan that decides it.

    The seed and the drawn items are stored, so the sample can be shown, audited and drawn
    again identically; ``decision`` is set once, when every sampled item has a verdict, and
    that is the lot result the switching rules count.
    """

    batch = models.OneToOneField(Batch, on_delete=models.CASCADE, related_name="qa_sample")
    inspection = models.CharField(max_length=16, choices=Inspection.choices)
    level = models.CharField(max_length=3, choices=InspectionLevel.choices)
    aql = models.FloatField()
    lot_size = models.PositiveIntegerField()
    code_letter = models.CharField(max_length=1)
    sample_size = models.PositiveIntegerField()
    accept = models.PositiveIntegerField()
    reject = models.PositiveIntegerField()
    draw = models.CharField(max_length=16, choices=SampleDraw.choices)
    seed = models.BigIntegerField()
    items = models.JSONField(default=list)
    drawn_at = models.DateTimeField(auto_now_add=True)
    decision = models.CharField(max_length=8, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"QA sample of batch {self.batch_id}: {self.sample_size} items ({self.inspection})"


class QAReview(models.Model):
    review_set = models.ForeignKey(QAReviewSet, on_delete=models.CASCADE, related_name="reviews")
    item_id = models.CharField(max_length=1000)
    reviewer = models.CharField(max_length=200)
    verdict = models.CharField(max_length=8, choices=ReviewVerdict.choices)
    defect_type = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.item_id}: {self.verdict} by {self.reviewer}"
