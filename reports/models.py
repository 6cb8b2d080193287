"""Report jobs: a PDF asked for in the browser, rendered by a worker while the page shows progress."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class ReportJob(models.Model):
    """One request for a report, so a page can poll a worker's progress and then offer the file.

    The id is a random UUID, but the download is never authorised by knowing it: the
    object, the audience and the caller's access are checked again on every request.
    """

    class Kind(models.TextChoices):
        BATCH = "batch", "Batch report"
        VENDOR = "vendor", "Vendor report"
        COMPARISON = "comparison", "Vendor comparison report"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Rendering"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    object_id = models.PositiveIntegerField()
    # A comparison compares several vendors: their ids, sorted (``object_id`` holds the first).
    vendor_ids = models.JSONField(default=list, blank=True)
    audience = models.CharField(max_length=16)
    paper = models.CharField(max_length=8, default="a4")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done, 0-100.")
    stage = models.CharField(max_length=200, blank=True)
    file_name = models.CharField(max_length=200, blank=True, help_text="The rendered file in the report cache.")
    download_name = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True, help_text="When the broker took the task (empty: never).")
    started_at = models.DateTimeField(null=True, blank=True, help_text="When a worker started rendering.")
    finished_at = models.DateTimeField(null=True, blank=True)
    period_start = models.DateField(null=True, blank=True, help_text="Vendor reports: first delivery day included.")
    period_end = models.DateField(null=True, blank=True, help_text="Vendor reports: last delivery day included.")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="report_progress_at_most_100",
                violation_error_message="Progress is a percentage.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.object_id} ({self.status})"
