"""The SLA app's models, one module a topic: contracts and terms, intake (uploads, batches,
annotation rows, gold sets), checks (check runs and findings), sampling (QA review), breaches,
notifications (the e-mail ledger and webhooks).

Table names are Django's defaults for the ``sla`` app, as before the split.
"""

from .breaches import AWAITING_FIX, Breach, BreachEvent
from .checks import CheckRun, Finding
from .contracts import UNIT_INTERVAL, Contract, ContractTerms, TaskType
from .intake import Annotation, Batch, BatchChunk, GoldLabel, GoldSet, ItemContent, QueuedUpload, Upload
from .notifications import Notification, NotificationPreference, Webhook, WebhookDelivery
from .sampling import InspectionState, QAReview, QAReviewSet, QASample

__all__ = [
    "UNIT_INTERVAL",
    "TaskType",
    "Contract",
    "ContractTerms",
    "Upload",
    "QueuedUpload",
    "Batch",
    "BatchChunk",
    "Annotation",
    "ItemContent",
    "GoldSet",
    "GoldLabel",
    "CheckRun",
    "Finding",
    "QAReviewSet",
    "InspectionState",
    "QASample",
    "QAReview",
    "Breach",
    "AWAITING_FIX",
    "BreachEvent",
    "Notification",
    "NotificationPreference",
    "Webhook",
    "WebhookDelivery",
]
