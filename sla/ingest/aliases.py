"""Every accepted spelling of a column name and of a coded cell value, as data.

Vendors' tools name the same column a dozen ways ("annotator", "Worker ID", "rater") and
spell the same value several ways ("pre-labeled", "Prelabelled"). Keeping each accepted
spelling here, and nowhere else, makes adding one a one-line change reviewed in one place,
and lets the error for a missing column list what would have been accepted.

Names and values are compared after ``normalize``: lower case, with everything that is not
a letter or a digit removed, so "Worker ID", "worker_id", "worker-id" and "workerId" are
all the same spelling.
"""

import re

COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "item_id": (
        "item_id",
        "item",
        "task_id",
        "example_id",
        "id",
        "sample_id",
        "record_id",
        "document_id",
        "doc_id",
        "data_id",
        "input_id",
    ),
    "annotator_id": (
        "annotator_id",
        "annotator",
        "worker_id",
        "worker",
        "rater_id",
        "rater",
        "labeler_id",
        "labeler",
        "labeller",
        "user_id",
        "user",
        "username",
        "annotated_by",
        "coder",
    ),
    "label": (
        "label",
        "answer",
        "category",
        "class",
        "annotation",
        "choice",
        "response",
    ),
    "task_type": ("task_type", "task_kind", "annotation_type"),
    "queue": ("queue", "queue_type", "workflow"),
    "prelabel": (
        "prelabel",
        "pre_label",
        "model_label",
        "predicted_label",
        "prediction",
        "machine_label",
        "suggestion",
    ),
    "confidence": ("confidence", "score", "probability", "model_confidence"),
    "annotated_at": (
        "annotated_at",
        "labeled_at",
        "labelled_at",
        "submitted_at",
        "completed_at",
        "created_at",
        "timestamp",
    ),
    "escalated": ("escalated", "is_escalated", "escalation", "flagged"),
    "escalation_resolved_at": ("escalation_resolved_at", "resolved_at", "escalation_resolved"),
    "reviewer": ("reviewer", "reviewer_id", "qa_reviewer", "reviewed_by", "auditor", "checker"),
    "verdict": ("verdict", "qa_verdict", "result", "outcome", "decision"),
    "defect_type": ("defect_type", "defect", "defect_category", "error_type", "issue_type"),
    "note": ("note", "notes", "comment", "comments", "remark"),
    "text": ("text", "item_text", "content", "input_text", "sentence", "utterance"),
}

# Spellings of a gold (reference) label. A gold set's label may be written this way; a
# delivery may not carry such a column at all: a delivery is scored on its annotators'
# labels, and a vendor's own "gold" column would either be scored as if it were theirs or
# leak the reference into the delivery. Gold belongs in a gold set upload.
GOLD_LABEL_ALIASES = (
    "gold",
    "gold_label",
    "gold_standard",
    "ground_truth",
    "true_label",
    "correct_label",
    "reference_label",
    "expected_label",
)
GOLD_IN_DELIVERY = (
    "column {name!r} holds gold (reference) labels; a delivery is scored on its annotators' labels only. "
    "Remove the column and upload the gold labels as a gold set (item_id, label)"
)

QUEUE_VALUES: dict[str, tuple[str, ...]] = {
    "prelabeled": ("prelabeled", "pre-labeled", "prelabelled", "pre-labelled", "prelabel"),
    "full": ("full", "full annotation", "full-annotation", "manual"),
}

VERDICT_VALUES: dict[str, tuple[str, ...]] = {
    "ok": ("ok", "pass", "passed", "accept", "accepted", "correct"),
    "defect": ("defect", "defective", "fail", "failed", "reject", "rejected", "incorrect"),
}

FLAG_VALUES: dict[bool, tuple[str, ...]] = {
    True: ("true", "t", "yes", "y", "1"),
    False: ("false", "f", "no", "n", "0"),
}

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
# The same normalisation, as an RE2 pattern for pyarrow.compute on whole columns.
NOT_ALNUM_PATTERN = "[^a-z0-9]+"


def normalize(name: str) -> str:
    """The form in which names and coded values are compared: "Worker ID" -> "workerid"."""
    return _NOT_ALNUM.sub("", name.lower())


def canonical_names(columns: tuple[str, ...], extra: dict[str, tuple[str, ...]] | None = None) -> dict[str, str]:
    """Normalised spelling -> canonical name, for the given canonical columns.

    ``extra`` adds spellings a particular upload accepts besides the shared ones (a gold
    set's label may be called "gold").
    """
    extra = extra or {}
    return {
        normalize(alias): column for column in columns for alias in (*COLUMN_ALIASES[column], *extra.get(column, ()))
    }
