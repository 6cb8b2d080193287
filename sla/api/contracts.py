"""API of task types, contracts and their SLA terms."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from sla import selectors, services
from sla.filters import ContractFilterSet
from sla.models import Contract, ContractTerms, TaskType
from vendorscore.models import Vendor
from vendorscore.performance.services import standing_guarded
from vendorscore.permissions import ALL_ROLES, LEADS


class LabelField(serializers.CharField):
    """A label is text: ``0`` (a number) is refused rather than quietly turned into ``"0"``."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class TaskTypeSerializer(serializers.ModelSerializer):
    labels = serializers.ListField(child=LabelField(max_length=1000), allow_empty=False)

    class Meta:
        model = TaskType
        fields = ["id", "name", "scale", "labels", "complexity", "description"]


class TaskTypeViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Task types with their label sets; everyone reads, leads create."""

    queryset = TaskType.objects.all()
    serializer_class = TaskTypeSerializer
    parser_classes = [JSONParser]  # labels are an ordered list: only JSON says so unambiguously
    read_roles = ALL_ROLES
    write_roles = LEADS
    search_fields = ["name"]
    http_method_names = ["get", "post", "head", "options"]

    def perform_create(self, serializer):
        serializer.instance = services.task_type_create(**serializer.validated_data)


@extend_schema_field(OpenApiTypes.STR)
class TaskTypeField(serializers.Field):
    """A task type named by id or by name, as vendors' scripts and the CLI both do."""

    default_error_messages = {
        "unknown": "No task type {value!r}.",
        "null_characters": "Null characters are not allowed.",
    }

    def to_internal_value(self, data):
        value = str(data).strip()
        if "\x00" in value:
            self.fail("null_characters")
        lookup = {"pk": int(value)} if value.isascii() and value.isdigit() else {"name": value}
        task_type = TaskType.objects.filter(**lookup).first()
        if task_type is None:
            self.fail("unknown", value=value)
        return task_type

    def to_representation(self, value):
        return value.name


class ContractSerializer(serializers.ModelSerializer):
    vendor = serializers.PrimaryKeyRelatedField(queryset=Vendor.objects.all())

    class Meta:
        model = Contract
        fields = [
            "id",
            "vendor",
            "title",
            "start_date",
            "end_date",
            "unit_price",
            "currency",
            "pricing_model",
            "time_zone",
            "holidays",
            "service_credit_cap_percent",
            "reprice_remediated",
            "remediation_coverage_required",
            "owner",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]


class TermsSerializer(serializers.ModelSerializer):
    task_type = TaskTypeField()
    safety_critical_labels = serializers.ListField(child=serializers.CharField(), required=False)

    class Meta:
        model = ContractTerms
        exclude = ["contract", "created_at"]
        read_only_fields = ["id"]


class ContractViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Contracts: everyone reads (vendor users their own), leads create; terms below each."""

    serializer_class = ContractSerializer
    read_roles = ALL_ROLES
    write_roles = LEADS
    filterset_class = ContractFilterSet
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return selectors.contract_list(user=self.request.user)

    def perform_create(self, serializer):
        """A contract created without an owner is owned by the lead creating it, who then hears of its breaches."""
        data = serializer.validated_data
        owner = data.pop("owner", None) or self.request.user
        serializer.instance = standing_guarded(
            vendor=data["vendor"],
            user=self.request.user,
            reason=str(self.request.data.get("standing_override_reason", "")),
            subject="contract",
            create=lambda: services.contract_create(**data, owner=owner),
        )

    @extend_schema(methods=["GET"], responses=TermsSerializer(many=True))
    @extend_schema(methods=["POST"], request=TermsSerializer, responses={201: TermsSerializer})
    @action(
        detail=True,
        methods=["get", "post"],
        serializer_class=TermsSerializer,
        pagination_class=None,
        filter_backends=[],
    )
    def terms(self, request, pk=None):
        """The contract's terms, every version (a plain list, not paginated); leads add a version."""
        contract = self.get_object()
        if request.method == "GET":
            return Response(TermsSerializer(selectors.terms_list(contract=contract), many=True).data)
        serializer = TermsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        terms = standing_guarded(
            vendor=contract.vendor,
            user=request.user,
            reason=str(request.data.get("standing_override_reason", "")),
            subject="terms",
            create=lambda: services.terms_create(contract=contract, **serializer.validated_data),
        )
        return Response(TermsSerializer(terms).data, status=status.HTTP_201_CREATED)
