"""Contracts, their versioned SLA terms, task types, and the files vendors and buyers upload.

Uploads (batches, gold sets, QA reviews) keep the original file, immutable, with its
sha256; the parsed rows live in their own tables so metrics are computed from the
database, and a file that fails validation leaves no row behind.
"""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from sla import clock
from sla.calendar import parse_holidays
from sla.constants import (
    TERM_LABELS,
    AccuracyMetric,
    AccuracyScope,
    BatchStatus,
    BatchVerdict,
    BreachStatus,
    Complexity,
    DecisionRule,
    DuplicatePolicy,
    IAACoefficient,
    Inspection,
    InspectionLevel,
    PricingModel,
    ReviewVerdict,
    SampleDraw,
    Scale,
    Severity,
    UploadStatus,
)
from sla.headline import HEADLINE_COLUMNS, headline_columns
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
    """One byte range of a big delivery, parsed by whichever worker is free (``sla.services.fanout``).

    It keeps what the final merge needs once every chunk is done: the chunk's outcome and
    errors, the encoded metrics statistics, and the first text of each item. Its rows wait in
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
    start = models.PositiveBigIntegerField(help_text="First byte of the range in the stored file.")
    end = models.PositiveBigIntegerField(help_text="Byte after the range.")
    first_row = models.PositiveIntegerField()
    planned_rows = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    format = models.CharField(max_length=32, blank=True)
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    statistics = models.BinaryField(null=True)
    texts = models.BinaryField(null=True)

    class Meta:
        ordering = ["batch", "index"]
        constraints = [models.UniqueConstraint(fields=["batch", "index"], name="one_chunk_per_batch_and_index")]

    def __str__(self) -> str:
        return f"Batch {self.batch_id} chunk {self.index + 1}"

    @property
    def last_row(self) -> int:
        return self.first_row + self.planned_rows - 1

    @property
    def describe(self) -> str:
        """The chunk as a failure message names it."""
        return f"chunk {self.index + 1} of {self.batch.chunks_total} (rows {self.first_row:,} to {self.last_row:,})"


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


class QAReviewSet(Upload):
    """QA review verdicts on a batch's items, uploaded by an analyst or made in the reviewer page."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="review_sets")

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"QA reviews of batch {self.batch_id} ({self.original_name})"


class InspectionState(models.Model):
    """Where a contract and task type stand in ISO 2859-1's switching rules (see ``sla.sampling``)."""

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


class Notification(models.Model):
    """The e-mail ledger: one row per event and recipient, so "sent exactly once" is a database fact.

    The row is created (``get_or_create`` on the unique pair) before anything is sent, and
    carries the rendered message, so a scheduler tick, a retried task or a second worker
    finds the row instead of sending again; a failed send stays here, visible, until it goes.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed, will retry"

    event_key = models.CharField(max_length=200, help_text="What happened, e.g. breach:12:overdue:2026-11-25.")
    kind = models.CharField(max_length=32)
    recipient = models.EmailField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField()
    attachment = models.FileField(
        upload_to="notifications/%Y/%m/", blank=True, help_text="A file sent with the message, e.g. a report PDF."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_key", "recipient"],
                name="one_notification_per_event_and_recipient",
                violation_error_message="This recipient already has this notification.",
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.event_key} -> {self.recipient} ({self.status})"


class NotificationPreference(models.Model):
    """What a user chose to hear besides breach notices, which nobody may turn off."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs")
    reminders = models.BooleanField(default=True, help_text="Deadline and certification-expiry reminders.")
    digest = models.BooleanField(default=True, help_text="The weekly digest (procurement leads).")

    def __str__(self) -> str:
        return f"Notification preferences of {self.user}"


class Webhook(models.Model):
    """A URL a procurement lead registered to hear about events (API.md v1.1): a ticket system, a chat channel.

    ``json`` webhooks get the signed ``{event, id, occurred_at, data}`` document; ``slack``
    ones get an incoming-webhook ``{"text": ...}`` message, signed the same way.
    """

    class Kind(models.TextChoices):
        JSON = "json", "JSON document (signed)"
        SLACK = "slack", "Slack-compatible text message"

    url = models.URLField(max_length=500)
    events = models.JSONField(default=list, help_text="The event names this URL receives.")
    secret = models.CharField(max_length=200, help_text="Key of the HMAC-SHA256 signature of each body.")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.JSON)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Webhook {self.pk}: {self.url}"

    def get_absolute_url(self) -> str:
        return reverse("webhook_detail", args=[self.pk])


class WebhookDelivery(models.Model):
    """The webhook ledger: one row per event and webhook, with the exact body, so each event is POSTed once.

    Created (``get_or_create`` on the unique pair) before anything is sent, like an e-mail
    ``Notification``; the body is stored so a retry sends the same bytes and signature.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Delivered"
        FAILED = "failed", "Failed, will retry"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=32)
    event_key = models.CharField(max_length=200, help_text="The event's id, the same for every webhook.")
    body = models.TextField(help_text="The UTF-8 body exactly as sent and signed.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["event_key", "webhook"],
                name="one_delivery_per_event_and_webhook",
                violation_error_message="This webhook already has this event.",
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.event_key} -> webhook {self.webhook_id} ({self.status})"
