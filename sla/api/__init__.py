"""REST API of the SLA app (API.md), one module a topic: contracts (task types, contracts, terms),
intake (gold sets, batches), checks (findings), breaches; credits, exports and webhooks beside
them.

Serializers translate; services write; selectors scope what a caller may see. A vendor user
naming another vendor's contract or batch is answered 404.
"""

from .breaches import (
    BreachDecideSerializer,
    BreachDisputeSerializer,
    BreachEventSerializer,
    BreachSerializer,
    BreachUpdateSerializer,
    BreachViewSet,
)
from .checks import FindingListSerializer, FindingSerializer, FindingViewSet
from .contracts import (
    ContractSerializer,
    ContractViewSet,
    LabelField,
    TaskTypeField,
    TaskTypeSerializer,
    TaskTypeViewSet,
    TermsSerializer,
)
from .intake import (
    BatchSerializer,
    BatchUploadSerializer,
    BatchViewSet,
    GoldSetSerializer,
    GoldSetUploadSerializer,
    GoldSetViewSet,
    UploadSerializer,
)

__all__ = [
    "LabelField",
    "TaskTypeSerializer",
    "TaskTypeViewSet",
    "TaskTypeField",
    "ContractSerializer",
    "TermsSerializer",
    "ContractViewSet",
    "FindingSerializer",
    "FindingListSerializer",
    "FindingViewSet",
    "UploadSerializer",
    "BatchUploadSerializer",
    "BatchSerializer",
    "BatchViewSet",
    "GoldSetSerializer",
    "GoldSetUploadSerializer",
    "GoldSetViewSet",
    "BreachEventSerializer",
    "BreachSerializer",
    "BreachDisputeSerializer",
    "BreachDecideSerializer",
    "BreachUpdateSerializer",
    "BreachViewSet",
]
