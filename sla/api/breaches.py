"""API of breaches: list, detail, events, and the moves people make."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from sla import exports, selectors, services
from sla.api.exports import ExportListMixin
from sla.constants import BREACH_MOVES, BreachStatus, DisputeDecision
from sla.filters import BreachFilterSet
from sla.models import Breach, BreachEvent
from vendorscore.permissions import ALL_ROLES, LEADS, LEADS_AND_VENDORS


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
    write_roles = LEADS_AND_VENDORS
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
