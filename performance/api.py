"""``GET /api/v1/performance/?vendor=ID&period=YYYY-MM|YYYY-Qn`` (API.md v1.1) and the scorecard actions.

One row per vendor and period. With a ``period``, buyers get a row for every vendor
measured in it (or the one named): the stored scorecard when there is one, otherwise it
is computed on request (an open period always is) and not stored. Vendor users get only
their own vendor's published rows. Leads publish (``POST {id}/publish/``), vendor users
acknowledge or appeal and leads answer (``POST {id}/respond/ {kind, comment}``), and leads
compute and store a period now (``POST compute/ {vendor, period}``).
"""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from performance import kpis, selectors, services
from performance.constants import ResponseKind
from performance.models import PeriodScorecard
from vendorscore.constants import Role
from vendorscore.models import Vendor
from vendorscore.permissions import ALL_ROLES, LEADS, has_role, role_of


class KPISerializer(serializers.Serializer):
    name = serializers.CharField(source="key")
    label = serializers.CharField(source="name")
    value = serializers.FloatField(allow_null=True)
    threshold = serializers.FloatField(allow_null=True, help_text="The bound the value reached for its score.")
    score = serializers.IntegerField(allow_null=True, help_text="1-5; null when the period has no data for it.")
    n = serializers.IntegerField()
    batches = serializers.ListField(child=serializers.IntegerField())
    weight = serializers.DecimalField(max_digits=5, decimal_places=2)


class PerformanceSerializer(serializers.ModelSerializer):
    kpis = KPISerializer(many=True)
    score = serializers.FloatField(allow_null=True, help_text="The period score, 0-100.")
    band = serializers.CharField(help_text="Band of the period score (the scorecard bands' names).")
    standing = serializers.CharField(help_text="Band of the recency-weighted standing.")
    standing_score = serializers.FloatField(allow_null=True)
    published = serializers.BooleanField(source="is_published")
    stored = serializers.SerializerMethodField()

    class Meta:
        model = PeriodScorecard
        fields = [
            "id",
            "vendor",
            "period",
            "period_start",
            "period_end",
            "batches_evaluated",
            "first_pass_acceptance",
            "kpis",
            "score",
            "band",
            "standing",
            "standing_score",
            "published",
            "status",
            "template_name",
            "computed_at",
            "stored",
        ]

    def get_stored(self, scorecard) -> bool:
        return scorecard.pk is not None


class ComputeSerializer(serializers.Serializer):
    vendor = serializers.PrimaryKeyRelatedField(queryset=Vendor.objects.all())
    period = serializers.CharField(help_text="YYYY-MM or YYYY-Qn.")

    def validate_period(self, value):
        try:
            return kpis.parse_period(value)
        except kpis.PerformanceError as error:
            raise serializers.ValidationError(str(error)) from None


class ResponseSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ResponseKind.choices)
    comment = serializers.CharField(allow_blank=True, required=False, default="")


def _period(text: str | None) -> kpis.Period | None:
    if not text:
        return None
    try:
        return kpis.parse_period(text)
    except kpis.PerformanceError as error:
        raise ValidationError({"period": [str(error)]}) from None


def _vendor_id(text: str | None) -> int | None:
    if text in (None, ""):
        return None
    if not str(text).isdigit():
        raise ValidationError({"vendor": ["Give the vendor's id, a whole number."]})
    return int(text)


class PerformanceViewSet(viewsets.GenericViewSet):
    serializer_class = PerformanceSerializer
    read_roles = ALL_ROLES
    write_roles = frozenset({Role.PROCUREMENT_LEAD, Role.VENDOR})

    def get_queryset(self):
        return selectors.scorecard_list(user=self.request.user).order_by("vendor__name", "-period_start")

    @extend_schema(
        parameters=[
            OpenApiParameter("vendor", OpenApiTypes.INT, description="A vendor id."),
            OpenApiParameter("period", OpenApiTypes.STR, description="YYYY-MM or YYYY-Qn."),
        ]
    )
    def list(self, request):
        period = _period(request.query_params.get("period"))
        vendor_id = _vendor_id(request.query_params.get("vendor"))
        rows = self.get_queryset()
        if vendor_id is not None:
            rows = rows.filter(vendor_id=vendor_id)
        if period is not None:
            rows = rows.filter(period=period.name)
            if role_of(request.user) != Role.VENDOR:
                rows = self._with_computed(list(rows), period, vendor_id)
        page = self.paginate_queryset(rows if isinstance(rows, list) else rows)
        return self.get_paginated_response(PerformanceSerializer(page, many=True).data)

    def _with_computed(self, stored: "list[PeriodScorecard]", period: kpis.Period, vendor_id: int | None):
        """Stored rows, and for every other measured vendor (or the one named) the scorecard computed now."""
        have = {s.vendor_id for s in stored}
        vendors = Vendor.objects.filter(pk=vendor_id) if vendor_id is not None else services.vendors_measured(period)
        now = timezone.now()
        computed = [services.scorecard_build(vendor=v, period=period, now=now) for v in vendors if v.pk not in have]
        return sorted(stored + computed, key=lambda s: s.vendor.name.lower())

    def retrieve(self, request, pk=None):
        return Response(PerformanceSerializer(selectors.scorecard_get(user=request.user, pk=pk)).data)

    @extend_schema(request=ComputeSerializer, responses=PerformanceSerializer)
    @action(detail=False, methods=["post"])
    def compute(self, request):
        """Leads: compute and store a vendor's scorecard for a period now (a published one is left as it is)."""
        if not has_role(request.user, LEADS):
            raise PermissionDenied("Only a procurement lead may compute a scorecard.")
        body = ComputeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        scorecard = services.scorecard_compute(**body.validated_data)
        return Response(PerformanceSerializer(scorecard).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=PerformanceSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        scorecard = selectors.scorecard_get(user=request.user, pk=pk)
        services.scorecard_publish(scorecard=scorecard, user=request.user)
        return Response(PerformanceSerializer(selectors.scorecard_get(user=request.user, pk=pk)).data)

    @extend_schema(request=ResponseSerializer, responses=PerformanceSerializer)
    @action(detail=True, methods=["post"])
    def respond(self, request, pk=None):
        scorecard = selectors.scorecard_get(user=request.user, pk=pk)
        body = ResponseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.scorecard_respond(scorecard=scorecard, user=request.user, **body.validated_data)
        return Response(PerformanceSerializer(selectors.scorecard_get(user=request.user, pk=pk)).data)
