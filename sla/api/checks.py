"""API of findings: one per SLA term of each batch's current check."""

from rest_framework import mixins, serializers, viewsets

from sla import exports, selectors
from sla.api.exports import ExportListMixin
from sla.filters import FindingFilterSet
from sla.models import Finding
from vendorscore.permissions import ALL_ROLES


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
