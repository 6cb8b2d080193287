"""The SLA app's pages, one module a topic: contracts (task types, contracts, terms), intake
(batches, uploads, gold sets, item lineage), checks (findings, credit statement), sampling (QA
review), breaches, notifications (e-mail preferences and webhooks).

Thin views: each reads through ``sla.selectors`` and acts through ``sla.services``.
"""

from .breaches import (
    BreachDecideView,
    BreachDetailView,
    BreachDisputeFileView,
    BreachDisputeView,
    BreachListView,
    BreachMissingItemsCsvView,
    BreachSubmitView,
    BreachWaiveView,
)
from .checks import CreditStatementView, FindingListView
from .contracts import (
    ContractCreateView,
    ContractDetailView,
    ContractListView,
    TaskTypeListView,
    TermsCorrectView,
    TermsCreateView,
)
from .intake import (
    STAGES,
    BatchDetailView,
    BatchItemsCsvView,
    BatchListView,
    BatchRecheckView,
    BatchRetryView,
    BatchStatusView,
    BatchUploadView,
    DeliveryTemplateView,
    ExportPageMixin,
    GoldSetListView,
    GoldSetUploadView,
    ItemLineageView,
)
from .notifications import (
    NotificationListView,
    NotificationPreferencesView,
    WebhookDeleteView,
    WebhookDeliveryResendView,
    WebhookDetailView,
    WebhookListView,
)
from .sampling import ReviewSampleView, ReviewUploadView

__all__ = [
    "ContractListView",
    "ContractDetailView",
    "TaskTypeListView",
    "ContractCreateView",
    "TermsCreateView",
    "TermsCorrectView",
    "STAGES",
    "ExportPageMixin",
    "BatchListView",
    "BatchUploadView",
    "DeliveryTemplateView",
    "BatchDetailView",
    "BatchStatusView",
    "BatchRecheckView",
    "BatchRetryView",
    "GoldSetListView",
    "GoldSetUploadView",
    "BatchItemsCsvView",
    "ItemLineageView",
    "FindingListView",
    "CreditStatementView",
    "ReviewUploadView",
    "ReviewSampleView",
    "BreachListView",
    "BreachDetailView",
    "BreachWaiveView",
    "BreachSubmitView",
    "BreachDisputeView",
    "BreachDecideView",
    "BreachDisputeFileView",
    "BreachMissingItemsCsvView",
    "NotificationListView",
    "NotificationPreferencesView",
    "WebhookListView",
    "WebhookDetailView",
    "WebhookDeleteView",
    "WebhookDeliveryResendView",
]
