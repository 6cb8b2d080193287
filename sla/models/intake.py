"""What vendors deliver: uploads, batches, their annotation rows and item texts, gold sets."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from sla.constants import (
    BatchStatus,
    BatchVerdict,
    DuplicatePolicy,
    UploadStatus,
)
from sla.headline import HEADLINE_COLUMNS, headline_columns
from vendorscore.models import Vendor
from vendorscore.validators import validate_single_line

from .contracts import UNIT_INTERVAL, Contract, ContractTerms, TaskType


class Upload(models.Model):
    """What every uploaded file keeps: the original bytes, their sha256, who sent them and when."""

    file = models.FileField(upload_to="uploads/%Y/%m/")
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty for files imported from the command line.",
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=16, choices=UploadStatus.choices, default=UploadStatus.RECEIVED)
    format = models.CharField(max_length=32, blank=True)
    errors = models.JSONField(default=list, blank=True, help_text="The first problems found: {row, column, message}.")
    error_count = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class QueuedUpload(Upload):
    """An upload processed by a worker, with what it takes to notice work lost on the way.

    ``queued_at`` is set once the broker took the task (empty: it never did, and the sweep
    queues it again); ``attempts`` counts the starts since the last one that finished, so a
    file that kills its worker is not run a third time; ``failure`` says why processing
    stopped (``failed``) or what a pending retry waits for.
    """

    queued_at = models.DateTimeField(null=True, blank=True, help_text="When the broker accepted the task.")
    started_at = models.DateTimeField(null=True, blank=True, help_text="When the last attempt started.")
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Starts since the last finished attempt.")
    failure = models.TextField(blank=True, help_text="Why processing stopped, or what its retry waits for.")

    class Meta:
        abstract = True


class Batch(QueuedUpload):
    """One delivery of labeled data by a vendor under a contract, and its verdict."""

    status = models.CharField(max_length=16, choices=BatchStatus.choices, default=BatchStatus.RECEIVED)
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="batches")
    task_type = models.ForeignKey(TaskType, on_delete=models.PROTECT, related_name="batches")
    reference = models.CharField(
        max_length=200,
        blank=True,
        validators=[validate_single_line],
        help_text="The vendor's own name for the delivery.",
    )
    claimed_accuracy = models.FloatField(null=True, blank=True, validators=UNIT_INTERVAL)
    remediates = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="remediations",
        help_text="The failed batch this delivery corrects.",
    )
    delivered_at = models.DateTimeField(help_text="When the delivery arrived; decides which terms apply.")
    due_at = models.DateTimeField(null=True, blank=True, help_text="When the delivery was due, for timeliness.")
    items = models.PositiveIntegerField(default=0)
    annotators = models.PositiveIntegerField(default=0)
    metrics = models.JSONField(null=True, blank=True, help_text="The metrics document of API.md.")
    verdict = models.CharField(max_length=16, choices=BatchVerdict.choices, blank=True)
    terms_version = models.ForeignKey(
        ContractTerms, null=True, blank=True, on_delete=models.PROTECT, related_name="batches"
    )
    annotator = models.CharField(
        max_length=200,
        blank=True,
        help_text="The annotator of an export that names none (doccano's per-user export: default the file name).",
    )
    duplicates = models.CharField(
        max_length=8,
        choices=DuplicatePolicy.choices,
        default=DuplicatePolicy.REJECT,
        help_text="What an annotator's second answer to an item is.",
    )
    skipped = models.PositiveIntegerField(default=0, help_text="Answers the file marks skipped, or dropped repeats.")
    intake_notes = models.JSONField(
        default=list, blank=True, help_text="What the intake skipped or read specially, counted, one sentence each."
    )
    # A big delivery fans out in chunks over the workers (sla.services.fanout); 0 chunks: one pass.
    chunks_total = models.PositiveIntegerField(default=0, help_text="Chunks the file was split into for the workers.")
    chunks_done = models.PositiveIntegerField(default=0, help_text="Chunks parsed, validated and staged so far.")
    # Item lineage (sla.services.lineage), set by the check: what of the batch is new work.
    redelivered_items = models.PositiveIntegerField(
        default=0, help_text="Items already delivered under the contract in an earlier evaluated batch."
    )
    invoiced_items = models.PositiveIntegerField(default=0, help_text="Items invoiced: new items only.")
    remediation_coverage = models.FloatField(
        null=True, blank=True, help_text="Share of the remediated batch's items this batch delivers again."
    )
    # Headline measures copied from ``metrics`` by ``save`` (sla.headline): what lists and charts read.
    accuracy = models.FloatField(null=True, blank=True)
    accuracy_low = models.FloatField(null=True, blank=True)
    accuracy_high = models.FloatField(null=True, blank=True)
    cohen_kappa = models.FloatField(null=True, blank=True)
    cohen_kappa_low = models.FloatField(null=True, blank=True)
    cohen_kappa_high = models.FloatField(null=True, blank=True)
    fleiss_kappa = models.FloatField(null=True, blank=True)
    fleiss_kappa_low = models.FloatField(null=True, blank=True)
    fleiss_kappa_high = models.FloatField(null=True, blank=True)
    krippendorff_alpha = models.FloatField(null=True, blank=True)
    krippendorff_alpha_low = models.FloatField(null=True, blank=True)
    krippendorff_alpha_high = models.FloatField(null=True, blank=True)
    gwet_ac1 = models.FloatField(null=True, blank=True)
    gwet_ac1_low = models.FloatField(null=True, blank=True)
    gwet_ac1_high = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-delivered_at", "-id"]
        verbose_name_plural = "batches"
        indexes = [models.Index(fields=["delivered_at"], name="sla_batch_delivered_at")]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "sha256"],
                name="one_batch_per_file_and_contract",
                violation_error_message="This file was already delivered under this contract.",
            ),
        ]

    def __str__(self) -> str:
        return f"Batch {self.pk} ({self.reference or self.original_name})"

    def save(self, *args, **kwargs):
        """Keep the headline columns equal to the metrics document whenever it is written."""
        update_fields = kwargs.get("update_fields")
        writes_metrics = update_fields is None or "metrics" in update_fields
        if writes_metrics and "metrics" not in self.get_deferred_fields():
            for column, value in headline_columns(self.metrics).items():
                setattr(self, column, value)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, *HEADLINE_COLUMNS}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("batch_detail", args=[self.pk])

    def headline(self, name: str) -> dict | None:
        """A headline measure (accuracy or an IAA coefficient) as ``{"value", "ci95"}``, or None."""
        value = getattr(self, name)
        if value is None:
            return None
        return {"value": value, "ci95": [getattr(self, f"{name}_low"), getattr(self, f"{name}_high")]}

    @property
    def vendor(self) -> Vendor:
        return self.contract.vendor

    @property
    def is_final(self) -> bool:
        """Nothing more happens without someone acting (a failed batch waits for a lead's retry)."""
        return self.status in (BatchStatus.INVALID, BatchStatus.EVALUATED, BatchStatus.FAILED)


class BatchChunk(models.Model):
    """One part of a big delivery, parsed by whichever worker is free (``sla.services.fanout``).

    A part is a byte range of whole records of text (of the upload, or of a gzipped upload's
    decompressed content, stored apart in ``decompressed`` until the batch is finished), or
    consecutive row groups of a Parquet file.

    It keeps what the final merge needs once every chunk is done: the chunk's outcome and
    errors, the encoded metrics statistics, and the first text of each item; an invalid chunk,
    which has no statistics, keeps the (item, annotator) pair of each of its rows instead, so
    the merge still finds the pairs given in two chunks as one pass does. Its rows wait in
    a staging table of their own until the merge attaches them all at once or drops them all.
    Deleted when the batch is finished.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        STAGED = "staged", "Staged"
        INVALID = "invalid", "Invalid"

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    start = models.PositiveBigIntegerField(
        help_text="First byte of the range in the stored file (Parquet: of its row groups' column chunks)."
    )
    end = models.PositiveBigIntegerField(help_text="Byte after the range.")
    first_row = models.PositiveIntegerField()
    planned_rows = models.PositiveIntegerField()
    first_row_group = models.PositiveIntegerField(
        null=True, blank=True, help_text="Parquet: the chunk's first row group (0-based); empty for text."
    )
    last_row_group = models.PositiveIntegerField(null=True, blank=True, help_text="Parquet: its last row group.")
    decompressed = models.CharField(
        max_length=255,
        blank=True,
        help_text="The stored object the range is of: a gzipped delivery's content (empty: the upload itself).",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    format = models.CharField(max_length=32, blank=True)
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    statistics = models.BinaryField(null=True)
    texts = models.BinaryField(null=True)
    keys = models.BinaryField(
        null=True,
        help_text="An invalid chunk's rows with a complete (item, annotator) pair, and the pair (Arrow IPC).",
    )

    class Meta:
        ordering = ["batch", "index"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "index"], name="one_chunk_per_batch_and_index"),
            models.CheckConstraint(
                condition=models.Q(first_row_group__isnull=True, last_row_group__isnull=True)
                | models.Q(first_row_group__lte=models.F("last_row_group")),
                name="chunk_row_groups_in_order",
                violation_error_message="A chunk's row groups run from its first to its last, or it has none.",
            ),
        ]

    def __str__(self) -> str:
        return f"Batch {self.batch_id} chunk {self.index + 1}"

    @property
    def last_row(self) -> int:
        return self.first_row + self.planned_rows - 1

    @property
    def row_groups(self) -> list[int] | None:
        """The Parquet row groups the chunk reads, or None for a byte range of text."""
        if self.first_row_group is None:
            return None
        return list(range(self.first_row_group, self.last_row_group + 1))

    @property
    def describe(self) -> str:
        """The chunk as a failure message names it."""
        rows = f"rows {self.first_row:,} to {self.last_row:,}"
        if self.first_row_group is not None:
            rows += f", row groups {self.first_row_group + 1:,} to {self.last_row_group + 1:,}"
        return f"chunk {self.index + 1} of {self.batch.chunks_total} ({rows})"


class Annotation(models.Model):
    """One row of a delivery in the canonical columns of DESIGN.md.

    Keyed by (batch, row): one index serves both the key and the lookup of a batch's rows,
    and no sequence is drawn per row, which matters when ten million rows are copied in.
    On PostgreSQL each batch's rows are a partition of their own, loaded and then indexed
    by the intake (``sla.storage.rows_replace``, migration 0011).
    The foreign key is not a database constraint: PostgreSQL would fire a check per copied
    row, which costs as much as the copy itself, and these rows are only ever written by the
    intake inside the transaction of the batch they belong to.
    """

    pk = models.CompositePrimaryKey("batch_id", "row")
    batch = models.ForeignKey(
        Batch, on_delete=models.CASCADE, related_name="annotations", db_index=False, db_constraint=False
    )
    row = models.PositiveIntegerField(
        help_text="1-based position among the delivery's rows, in file order (a task with several annotations "
        "gives several rows)."
    )
    item_id = models.CharField(max_length=1000)
    annotator_id = models.CharField(max_length=1000)
    label = models.CharField(max_length=1000)
    # Database defaults too: the intake leaves a column out of its COPY when a delivery has no values for it.
    task_type = models.CharField(max_length=100, blank=True, db_default="")
    queue = models.CharField(max_length=16, blank=True, db_default="")
    prelabel = models.CharField(max_length=1000, blank=True, db_default="")
    confidence = models.FloatField(null=True)
    annotated_at = models.DateTimeField(null=True)
    escalated = models.BooleanField(default=False, db_default=False)
    escalation_resolved_at = models.DateTimeField(null=True)

    class Meta:
        # An item's history across batches (``sla.selectors.item_lineage``) looks its rows up by
        # item; on PostgreSQL each partition's copy is built after its rows are loaded (migration 0022).
        indexes = [models.Index(fields=["item_id"], name="sla_annotation_item_idx")]

    def __str__(self) -> str:
        return f"{self.item_id} by {self.annotator_id}: {self.label}"


class ItemContent(models.Model):
    """The text of a delivered item, stored once per item of a batch, for reviewers to judge labels by.

    Deliveries may carry it (a ``text`` column, Label Studio's ``data.text``, Prodigy's and
    doccano's ``text``) on every annotation row; it is kept once, cut at
    ``ingest.MAX_CONTENT_CHARS``, and shown on the QA review page. It is the vendor's own
    delivery, so the vendor may see it too.
    """

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="item_contents")
    item_id = models.CharField(max_length=1000)
    text = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["batch", "item_id"], name="one_content_per_batch_item")]

    def __str__(self) -> str:
        return f"{self.item_id} of batch {self.batch_id}"


class GoldSet(QueuedUpload):
    """The buyer's reference labels for a task type, versioned; never readable by vendor users."""

    task_type = models.ForeignKey(TaskType, on_delete=models.PROTECT, related_name="gold_sets")
    version = models.PositiveIntegerField()
    items = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["task_type__name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["task_type", "version"], name="one_gold_version_per_task_type"),
        ]

    def __str__(self) -> str:
        return f"{self.task_type} gold v{self.version}"


class GoldLabel(models.Model):
    gold_set = models.ForeignKey(GoldSet, on_delete=models.CASCADE, related_name="labels")
    item_id = models.CharField(max_length=1000)
    label = models.CharField(max_length=1000)

    class Meta:
        indexes = [models.Index(fields=["gold_set", "item_id"])]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.label}"
