"""API of deliveries: gold sets and batches (upload, metrics, findings, re-check, retry)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from sla import exports, selectors, services
from sla.api.exports import ExportListMixin
from sla.constants import BatchStatus, BatchVerdict, DuplicatePolicy
from sla.filters import BatchFilterSet
from sla.models import Batch, GoldSet
from vendorscore.permissions import ALL_ROLES, BUYER_ROLES, BUYER_UPLOADERS, LEADS, UPLOADERS

from .checks import FindingSerializer
from .contracts import TaskTypeField


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
