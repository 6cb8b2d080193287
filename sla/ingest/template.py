"""What a delivery file looks like, for the people who make one: each column explained, and a template.

Pure: built from the delivery schema (``sla.ingest.schema.DELIVERY``) and a task type's
labels, so the upload page, the template file and the validator can never disagree about
which columns exist or which are required. The template's example rows are valid: the
tests feed it back through the reader.
"""

import csv
import io
from collections.abc import Sequence

from sla.ingest.schema import DELIVERY

RESOLVED = "2026-09-01T15:00:00Z"

MEANINGS = {
    "item_id": "Your id of the item, the same in every delivery that carries it.",
    "annotator_id": "Who labeled it: a stable pseudonymous id per person.",
    "label": "The label given; one of the task type's labels.",
    "task_type": "The task type's name; may be left out, the form says it.",
    "queue": "prelabeled (the annotator verified a model's label) or full (labeled from scratch).",
    "prelabel": "The model's label the annotator was shown, if any; one of the task type's labels.",
    "confidence": "The annotator's confidence, a number from 0 to 1.",
    "annotated_at": "When it was labeled: ISO 8601, e.g. 2026-09-01T14:05:00Z (UTC without an offset).",
    "escalated": "true when the annotator escalated the item as an edge case; empty or false otherwise.",
    "escalation_resolved_at": "When the escalation was resolved: ISO 8601.",
    "text": "The item itself (its text), shown to the QA reviewers; needed once per item.",
}


def delivery_columns(labels: Sequence[str]) -> list[dict]:
    """Each column of a delivery with whether it is required and what it holds (labels spelled out)."""
    rows = []
    for column in DELIVERY.columns:
        meaning = MEANINGS[column.name]
        if column.name in ("label", "prelabel") and labels:
            meaning += f" Labels: {', '.join(labels)}."
        rows.append({"name": column.name, "required": column.required, "meaning": meaning})
    return rows


def delivery_template_csv(labels: Sequence[str], task_type: str, safety_labels: Sequence[str] = ()) -> str:
    """A CSV with every column and a few valid example rows: two annotators share the first item (overlap).

    The pre-labeled example uses a label that is not safety-critical, since those must never
    go through the pre-labeled queue.
    """
    labels = list(labels) or ["label_a", "label_b"]
    ordinary = [label for label in labels if label not in set(safety_labels)] or labels
    first, second = labels[0], ordinary[-1]
    examples = [
        ("item-0001", "annotator-01", first, "full", "", "0.9", "2026-09-01T09:00:00Z", "false", ""),
        ("item-0001", "annotator-02", first, "full", "", "0.8", "2026-09-01T09:02:00Z", "false", ""),
        ("item-0002", "annotator-01", second, "prelabeled", second, "0.95", "2026-09-01T09:05:00Z", "false", ""),
        ("item-0003", "annotator-02", second, "full", "", "0.6", "2026-09-01T09:07:00Z", "true", RESOLVED),
    ]
    fields = ("item_id", "annotator_id", "label", "queue", "prelabel", "confidence", "annotated_at", "escalated")
    fields += ("escalation_resolved_at",)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=DELIVERY.names, lineterminator="\n", restval="")
    writer.writeheader()
    for example in examples:
        row = dict(zip(fields, example, strict=True), task_type=task_type)
        row["text"] = f"The text of {row['item_id']}, as the annotators saw it."
        writer.writerow({name: value for name, value in row.items() if name in DELIVERY.names})
    return buffer.getvalue()
