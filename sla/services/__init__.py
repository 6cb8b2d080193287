"""Use cases of the SLA app: the only code that writes contracts, batches and their rows."""

from sla.services.checking import batch_check, terms_in_force
from sla.services.contracts import contract_create, task_type_create, terms_correct, terms_create, terms_recheck
from sla.services.evaluation import batch_evaluate, batch_statistics
from sla.services.intake import (
    Receipt,
    batch_ingest,
    batch_receive,
    gold_set_ingest,
    gold_set_receive,
    qa_reviews_receive,
)

__all__ = [
    "Receipt",
    "batch_check",
    "batch_evaluate",
    "batch_ingest",
    "batch_receive",
    "batch_statistics",
    "contract_create",
    "gold_set_ingest",
    "gold_set_receive",
    "qa_reviews_receive",
    "task_type_create",
    "terms_in_force",
    "terms_correct",
    "terms_create",
    "terms_recheck",
]
