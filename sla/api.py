"""REST API of the SLA app (API.md): task types, contracts and terms, gold sets, batches, breaches.

Serializers translate; services write; selectors scope what a caller may see. A vendor
user naming another vendor's contract or batch is answered 404.
"""

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from performance.services import standing_guarded
from sla import exports, selectors, services
from sla.api_exports import ExportListMixin
from sla.constants import BREACH_MOVES, BatchStatus, BatchVerdict, BreachStatus, DisputeDecision, DuplicatePolicy
from sla.filters import BatchFilterSet, BreachFilterSet, ContractFilterSet, FindingFilterSet
from sla.models import Batch, Breach, BreachEvent, Contract, ContractTerms, Finding, GoldSet, TaskType
from vendorscore.constants import Role
from vendorscore.models import Vendor
from vendorscore.permissions import ALL_ROLES, BUYER_ROLES, LEADS

UPLOADERS = frozenset({Role.PROCUREMENT_LEAD, Role.QA_ANALYST, Role.VENDOR})
BUYER_UPLOADERS = frozenset({Role.PROCUREMENT_LEAD, Role.QA_ANALYST})


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


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)


class BatchUploadSerializer(UploadSerializer):
    contract = serializers.IntegerField()
    task_type = TaskTypeField()
    reference = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    claimed_accuracy = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=1)
    remediates = serializers.IntegerField(required=False, allow_null=True)
    due_at = serializers.DateTimeField(required=False, allow_null=True, help_text="When the delivery was due.")
    annotator = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="The annotator of an export that names none (doccano's per-user export: default the file name's "
        "stem; Prodigy without _annotator_id/_session_id; Label Studio without completed_by).",
    )
    duplicates = serializers.ChoiceField(
        choices=DuplicatePolicy.choices,
        default=DuplicatePolicy.REJECT,
        help_text="An annotator's second answer to an item: reject the file, keep the first, or keep the latest.",
    )


class BatchSerializer(serializers.ModelSerializer):
    task_type = serializers.SlugRelatedField(slug_field="name", read_only=True)
    verdict = serializers.ChoiceField(
        choices=BatchVerdict.choices, allow_blank=True, read_only=True, help_text="Empty until the batch is checked."
    )
    vendor = serializers.IntegerField(source="contract.vendor_id", read_only=True)
    terms_version = serializers.SerializerMethodField()

    class Meta:
        model = Batch
        fields = [
            "id",
            "status",
            "verdict",
            "rows",
            "items",
            "annotators",
            "errors",
            "error_count",
            "failure",
            "terms_version",
            "contract",
            "vendor",
            "task_type",
            "reference",
            "claimed_accuracy",
            "remediates",
            "redelivered_items",
            "invoiced_items",
            "remediation_coverage",
            "original_name",
            "sha256",
            "size",
            "format",
            "delivered_at",
            "due_at",
            "processed_at",
            "annotator",
            "duplicates",
            "skipped",
            "intake_notes",
        ]
        read_only_fields = fields

    def get_terms_version(self, batch) -> dict | None:
        terms = batch.terms_version
        if terms is None:
            return None
        return {"id": terms.pk, "effective_from": terms.effective_from.isoformat()}


class FindingSerializer(serializers.ModelSerializer):
    ci95 = serializers.ListField(child=serializers.FloatField(), allow_null=True, read_only=True)
    n = serializers.IntegerField(allow_null=True, read_only=True, help_text="Null where withheld from a vendor.")

    class Meta:
        model = Finding
        fields = ["term", "measured", "threshold", "ci95", "n", "verdict", "detail", "more_items_needed", "extra"]
        read_only_fields = fields


class FindingListSerializer(FindingSerializer):
    """A finding with the delivery it judged, for the findings list across batches."""

    batch = serializers.IntegerField(source="check_run.batch_id", read_only=True)
    vendor = serializers.IntegerField(source="check_run.batch.contract.vendor_id", read_only=True)
    contract = serializers.IntegerField(source="check_run.batch.contract_id", read_only=True)
    task_type = serializers.CharField(source="check_run.batch.task_type.name", read_only=True)
    delivered_at = serializers.DateTimeField(source="check_run.batch.delivered_at", read_only=True)

    class Meta(FindingSerializer.Meta):
        fields = ["id", "batch", "vendor", "contract", "task_type", "delivered_at", *FindingSerializer.Meta.fields]
        read_only_fields = fields


class FindingViewSet(ExportListMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Findings of every batch's current check, filtered like the batches; ``?format=csv|xlsx`` exports them."""

    serializer_class = FindingListSerializer
    read_roles = ALL_ROLES
    filterset_class = FindingFilterSet
    export = exports.FINDINGS
    ordering_fields = ["id"]
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        return selectors.finding_list(user=self.request.user)

    def paginate_queryset(self, queryset):
        """The page's findings under the vendor rule (gold figures on too few gold items withheld)."""
        page = super().paginate_queryset(queryset)
        return None if page is None else selectors.findings_visible(page, user=self.request.user)

    def export_objects(self, queryset):
        return selectors.findings_visible(queryset, user=self.request.user)


def _receipt_response(receipt, serializer_class):
    body = serializer_class(receipt.upload).data
    if receipt.duplicate:
        body["duplicate"] = True
        return Response(body, status=status.HTTP_200_OK)
    finished = receipt.upload.status not in (BatchStatus.RECEIVED, BatchStatus.PROCESSING)
    return Response(body, status=status.HTTP_201_CREATED if finished else status.HTTP_202_ACCEPTED)


class BatchViewSet(ExportListMixin, viewsets.ReadOnlyModelViewSet):
    """Deliveries: upload (leads, analysts, a vendor's own users), read verdicts and metrics; lists export."""

    serializer_class = BatchSerializer
    read_roles = ALL_ROLES
    write_roles = UPLOADERS
    filterset_class = BatchFilterSet
    export = exports.BATCHES
    export_actions = ("list", "findings")
    ordering_fields = ["delivered_at", "id"]
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        return selectors.batch_list(user=self.request.user).select_related("terms_version")

    def get_object(self):
        return selectors.batch_get(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(
        request=BatchUploadSerializer, responses={201: BatchSerializer, 202: BatchSerializer, 200: BatchSerializer}
    )
    def create(self, request):
        upload = BatchUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        contract = selectors.contract_get(user=request.user, pk=data["contract"])
        remediates = None
        if data.get("remediates") is not None:
            remediates = selectors.batch_get(user=request.user, pk=data["remediates"])
        with transaction.atomic():
            receipt = services.batch_receive(
                contract=contract,
                task_type=data["task_type"],
                upload=data["file"],
                user=request.user,
                reference=data["reference"],
                claimed_accuracy=data.get("claimed_accuracy"),
                remediates=remediates,
                due_at=data.get("due_at"),
                annotator=data["annotator"],
                duplicates=data["duplicates"],
            )
        receipt.upload.refresh_from_db()
        return _receipt_response(receipt, BatchSerializer)

    @extend_schema(
        responses={
            200: OpenApiResponse(description="The metrics document of API.md"),
            409: OpenApiResponse(description="Not evaluated yet"),
        }
    )
    @action(detail=True, methods=["get"])
    def metrics(self, request, pk=None):
        batch = self.get_object()
        if batch.metrics is None:
            return Response(
                {"detail": f"Batch {batch.pk} has no metrics: its status is {batch.status}."},
                status=status.HTTP_409_CONFLICT,
            )
        vendor_copy = selectors.sees_vendor_copy(request.user)
        return Response(selectors.batch_metrics_visible(batch=batch, vendor_copy=vendor_copy))

    @extend_schema(responses=FindingSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def findings(self, request, pk=None):
        """One finding per SLA term, from the batch's current check (``?format=csv|xlsx`` for a file);
        gold figures follow the vendor rule."""
        findings = selectors.batch_findings_visible(
            batch=self.get_object(), vendor_copy=selectors.sees_vendor_copy(request.user)
        )
        fmt = self.export_format()
        if fmt is not None:
            return exports.export_response(export=exports.FINDINGS, objects=findings, fmt=fmt)
        return Response(FindingSerializer(findings, many=True).data)

    @extend_schema(request=None, responses=BatchSerializer)
    @action(detail=True, methods=["post"], write_roles=LEADS)
    def recheck(self, request, pk=None):
        """Run the SLA check again (leads): a new verdict is kept with the terms it used."""
        batch = self.get_object()
        services.batch_check(batch=batch, user=request.user, reason=f"re-run by {request.user.username}")
        return Response(BatchSerializer(selectors.batch_get(user=request.user, pk=batch.pk)).data)

    @extend_schema(request=None, responses={202: BatchSerializer})
    @action(detail=True, methods=["post"], write_roles=LEADS)
    def retry(self, request, pk=None):
        """Send a failed batch back to the workers (leads); any other status is answered 400."""
        batch = services.upload_retry(upload=self.get_object(), user=request.user)
        return Response(BatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)


class GoldSetSerializer(serializers.ModelSerializer):
    task_type = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = GoldSet
        fields = [
            "id",
            "task_type",
            "version",
            "items",
            "status",
            "rows",
            "errors",
            "error_count",
            "failure",
            "original_name",
            "sha256",
            "size",
            "format",
            "uploaded_at",
            "processed_at",
        ]
        read_only_fields = fields


class GoldSetUploadSerializer(UploadSerializer):
    task_type = TaskTypeField()


class GoldSetViewSet(viewsets.ReadOnlyModelViewSet):
    """Gold sets: buyer roles only. Vendor users are refused outright (403), gold is secret."""

    serializer_class = GoldSetSerializer
    read_roles = BUYER_ROLES
    write_roles = BUYER_UPLOADERS
    parser_classes = [MultiPartParser, FormParser]
    filterset_fields = ["task_type"]

    def get_queryset(self):
        return selectors.gold_set_list(user=self.request.user)

    @extend_schema(request=GoldSetUploadSerializer, responses={201: GoldSetSerializer, 202: GoldSetSerializer})
    def create(self, request):
        upload = GoldSetUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        with transaction.atomic():
            receipt = services.gold_set_receive(
                task_type=upload.validated_data["task_type"], upload=upload.validated_data["file"], user=request.user
            )
        receipt.upload.refresh_from_db()
        return _receipt_response(receipt, GoldSetSerializer)

    @extend_schema(request=None, responses={202: GoldSetSerializer})
    @action(detail=True, methods=["post"], write_roles=LEADS)
    def retry(self, request, pk=None):
        """Send a failed gold set back to the workers (leads); any other status is answered 400."""
        gold_set = services.upload_retry(upload=self.get_object(), user=request.user)
        return Response(GoldSetSerializer(gold_set).data, status=status.HTTP_202_ACCEPTED)


class BreachEventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Null for moves the clock made."
    )
    from_status = serializers.ChoiceField(
        choices=BreachStatus.choices, allow_blank=True, read_only=True, help_text="Empty for the opening event."
    )

    class Meta:
        model = BreachEvent
        fields = ["from_status", "to_status", "actor", "at", "note"]
        read_only_fields = fields


class BreachSerializer(serializers.ModelSerializer):
    vendor = serializers.IntegerField(source="batch.contract.vendor_id", read_only=True)
    currency = serializers.CharField(source="batch.contract.currency", read_only=True)
    events = BreachEventSerializer(many=True, read_only=True)

    class Meta:
        model = Breach
        fields = [
            "id",
            "batch",
            "vendor",
            "term",
            "status",
            "severity",
            "opened_at",
            "remediation_due",
            "service_credit",
            "credit_full",
            "credit_percent",
            "batch_value",
            "currency",
            "remediation_batch",
            "waiver_reason",
            "dispute_reason",
            "disputed_at",
            "remediation_result",
            "escalated_at",
            "closed_at",
            "events",
        ]
        read_only_fields = fields


class BreachDisputeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000, help_text="Why the breach is contested.")
    file = serializers.FileField(required=False, allow_null=True, help_text="Optional evidence.")


class BreachDecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=DisputeDecision.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class BreachUpdateSerializer(serializers.Serializer):
    """The moves people make through the API; the clock and the batch checks make the others."""

    status = serializers.ChoiceField(choices=BREACH_MOVES)
    waiver_reason = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class BreachViewSet(ExportListMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Breaches: everyone reads (vendor users their own); leads waive, the vendor submits remediation."""

    serializer_class = BreachSerializer
    read_roles = ALL_ROLES
    write_roles = frozenset({Role.PROCUREMENT_LEAD, Role.VENDOR})
    filterset_class = BreachFilterSet
    export = exports.BREACHES
    ordering_fields = ["opened_at", "remediation_due", "id"]
    http_method_names = ["get", "patch", "post", "head", "options"]

    def get_queryset(self):
        return selectors.breach_list(user=self.request.user).prefetch_related("events__actor")

    def export_queryset(self):
        return selectors.breach_list(user=self.request.user)

    def get_object(self):
        return selectors.breach_get(user=self.request.user, pk=self.kwargs["pk"])

    def _answer(self, request, breach):
        return Response(BreachSerializer(selectors.breach_get(user=request.user, pk=breach.pk)).data)

    @extend_schema(request=BreachDisputeSerializer, responses=BreachSerializer)
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, MultiPartParser, FormParser])
    def dispute(self, request, pk=None):
        """Contest the breach (its vendor's users, or a lead): the remediation clock stops until a lead decides."""
        breach = self.get_object()
        form = BreachDisputeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        services.breach_dispute(breach=breach, user=request.user, reason=data["reason"], file=data.get("file"))
        return self._answer(request, breach)

    @extend_schema(request=BreachDecideSerializer, responses=BreachSerializer)
    @action(detail=True, methods=["post"], write_roles=LEADS)
    def decide(self, request, pk=None):
        """Decide a dispute (leads): ``upheld`` resumes the clock, paused business time added; ``withdrawn`` closes."""
        breach = self.get_object()
        form = BreachDecideSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.breach_decide(breach=breach, user=request.user, **form.validated_data)
        return self._answer(request, breach)

    @extend_schema(responses=BreachEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def events(self, request, pk=None):
        """Every move of the breach, oldest first, with who made it and why (a plain list, not paginated)."""
        breach = self.get_object()
        return Response(BreachEventSerializer(breach.events.select_related("actor"), many=True).data)

    @extend_schema(request=BreachUpdateSerializer, responses=BreachSerializer)
    def partial_update(self, request, pk=None):
        breach = self.get_object()
        change = BreachUpdateSerializer(data=request.data)
        change.is_valid(raise_exception=True)
        data = change.validated_data
        if data["status"] == BreachStatus.WAIVED:
            services.breach_waive(breach=breach, user=request.user, reason=data["waiver_reason"])
        else:
            services.breach_remediation_submit(breach=breach, user=request.user, note=data["note"])
        return Response(BreachSerializer(selectors.breach_get(user=request.user, pk=breach.pk)).data)
