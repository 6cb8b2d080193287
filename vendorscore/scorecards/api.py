"""REST API of the scorecard: templates, evaluations, scores, certifications (thin; services write).

Buyers read, procurement leads write, vendor users get 403 on every endpoint here. The
evaluation's ``total``, ``band`` and dimension ``points`` come from the same summary the
pages show, rounded the same way, so page and API never disagree.
"""

import django_filters
from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from vendorscore.files import stored_file_open
from vendorscore.models import Vendor
from vendorscore.permissions import BUYER_ROLES, LEADS
from vendorscore.scorecards import scoring, selectors, services
from vendorscore.scorecards.constants import RATING_LABELS, EvaluationStatus
from vendorscore.scorecards.models import (
    Certification,
    Evaluation,
    ScorecardTemplate,
    TemplateCriterion,
    TemplateDimension,
    TemplateRedFlag,
)

RATING_ERROR = (
    f"A score is a whole number from {scoring.MIN_RATING} ({RATING_LABELS[scoring.MIN_RATING].lower()}) "
    f"to {scoring.MAX_RATING} ({RATING_LABELS[scoring.MAX_RATING].lower()})."
)


# Templates ---------------------------------------------------------------------------------


class TemplateCriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = TemplateCriterion
        fields = ["id", "name", "kpi", "guidance"]


class TemplateRedFlagSerializer(serializers.ModelSerializer):
    class Meta:
        model = TemplateRedFlag
        fields = ["id", "text", "rule"]


class TemplateDimensionSerializer(serializers.ModelSerializer):
    weight = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, coerce_to_string=False
    )
    questions = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    criteria = TemplateCriterionSerializer(many=True, allow_empty=False)
    red_flags = TemplateRedFlagSerializer(many=True, required=False, default=list)

    class Meta:
        model = TemplateDimension
        fields = ["id", "name", "weight", "description", "questions", "criteria", "red_flags"]


class ScorecardTemplateSerializer(serializers.ModelSerializer):
    dimensions = TemplateDimensionSerializer(many=True, allow_empty=False)

    class Meta:
        model = ScorecardTemplate
        fields = ["id", "name", "description", "is_default", "based_on", "dimensions", "created_at", "updated_at"]
        read_only_fields = ["id", "is_default", "based_on", "created_at", "updated_at"]


class TemplateCopySerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    weights = serializers.DictField(
        child=serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100),
        required=False,
        help_text="New weights by dimension name; dimensions not named keep theirs.",
    )


class ScorecardTemplateViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Scorecard templates: buyers read, leads create and copy. Weights must add up to exactly 100."""

    serializer_class = ScorecardTemplateSerializer
    read_roles = BUYER_ROLES
    write_roles = LEADS
    search_fields = ["name"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        return selectors.template_list(user=self.request.user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.template_create(
            name=data["name"],
            description=data.get("description", ""),
            dimensions=data["dimensions"],
            user=self.request.user,
        )

    @extend_schema(request=TemplateCopySerializer, responses={201: ScorecardTemplateSerializer})
    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        """Copy the template under a new name, with other weights where given."""
        template = self.get_object()
        payload = TemplateCopySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        by_name = {d.name: d.pk for d in template.dimensions.all()}
        weights = payload.validated_data.get("weights", {})
        unknown = sorted(set(weights) - set(by_name))
        if unknown:
            raise serializers.ValidationError(
                {"weights": [f"No dimension named {', '.join(unknown)} in this template."]}
            )
        copy = services.template_copy(
            template=template,
            name=payload.validated_data["name"],
            user=request.user,
            weights={by_name[name]: weight for name, weight in weights.items()},
        )
        copy = selectors.template_get(user=request.user, pk=copy.pk)
        return Response(ScorecardTemplateSerializer(copy).data, status=status.HTTP_201_CREATED)


# Evaluations -------------------------------------------------------------------------------


class ScoreOutSerializer(serializers.Serializer):
    evaluator = serializers.CharField(source="evaluator.username")
    value = serializers.IntegerField()
    note = serializers.CharField()
    updated_at = serializers.DateTimeField()


class CriterionOutSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="criterion.pk")
    name = serializers.CharField(source="criterion.name")
    kpi = serializers.CharField(source="criterion.kpi")
    score = serializers.FloatField(allow_null=True)
    spread = serializers.IntegerField(source="result.spread", allow_null=True)
    needs_calibration = serializers.BooleanField(source="result.needs_calibration")
    scores = ScoreOutSerializer(many=True)


class DimensionOutSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="dimension.pk")
    name = serializers.CharField()
    weight = serializers.FloatField()
    score = serializers.FloatField(allow_null=True, help_text="Mean of the criteria's scores, 1-5.")
    points = serializers.FloatField(allow_null=True, help_text="score / 5 x weight.")


class DimensionDetailSerializer(DimensionOutSerializer):
    criteria = CriterionOutSerializer(many=True)


class RedFlagOutSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="flag.pk")
    dimension = serializers.CharField(source="flag.dimension.name")
    text = serializers.CharField(source="flag.text")
    rule = serializers.CharField(source="flag.rule")
    raised = serializers.BooleanField()
    ticked_by = serializers.SerializerMethodField()
    suggested = serializers.ListField(child=serializers.CharField(), help_text="Reasons the evidence rules give.")

    def get_ticked_by(self, row) -> list[str]:
        return [user.username for user in row.ticked_by]


class EvaluatorOutSerializer(serializers.Serializer):
    username = serializers.CharField(source="user.username")
    scored = serializers.IntegerField()
    of = serializers.IntegerField()


class EvaluationSerializer(serializers.Serializer):
    """An evaluation as listed: its total, band, dimensions' points and the red flags ticked."""

    id = serializers.IntegerField(source="evaluation.pk")
    vendor = serializers.IntegerField(source="evaluation.vendor_id")
    vendor_name = serializers.CharField(source="evaluation.vendor.name")
    template = serializers.IntegerField(source="evaluation.template_id", allow_null=True)
    template_name = serializers.CharField(source="evaluation.template_name")
    program = serializers.CharField(source="evaluation.program")
    status = serializers.ChoiceField(source="evaluation.status", choices=EvaluationStatus.choices)
    total = serializers.FloatField(allow_null=True, help_text="Out of 100; null until every criterion is scored.")
    band = serializers.ChoiceField(choices=list(scoring.BAND_LABELS), allow_null=True)
    band_label = serializers.CharField()
    complete = serializers.BooleanField(source="result.complete")
    dimensions = DimensionOutSerializer(many=True)
    red_flags = RedFlagOutSerializer(many=True, source="raised_flags", help_text="Ticked red flags.")
    created_at = serializers.DateTimeField(source="evaluation.created_at")
    submitted_at = serializers.DateTimeField(source="evaluation.submitted_at", allow_null=True)
    finalized_at = serializers.DateTimeField(source="evaluation.finalized_at", allow_null=True)


class EvaluationDetailSerializer(EvaluationSerializer):
    """One evaluation in full: criteria with every evaluator's score, all red flags, evaluators, calibration."""

    dimensions = DimensionDetailSerializer(many=True)
    red_flags = RedFlagOutSerializer(many=True, help_text="Every red flag, ticked or not, with evidence suggestions.")
    evaluators = EvaluatorOutSerializer(many=True)
    calibration = serializers.SerializerMethodField(help_text="Criteria whose evaluators are 2 or more points apart.")

    def get_calibration(self, summary) -> list[int]:
        return [row.criterion.pk for row in summary.calibration]


class EvaluationCreateSerializer(serializers.Serializer):
    vendor = serializers.PrimaryKeyRelatedField(queryset=Vendor.objects.all())
    template = serializers.PrimaryKeyRelatedField(queryset=ScorecardTemplate.objects.all())
    program = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class ScoreInSerializer(serializers.Serializer):
    criterion = serializers.IntegerField()
    value = serializers.IntegerField(
        min_value=scoring.MIN_RATING,
        max_value=scoring.MAX_RATING,
        error_messages={"min_value": RATING_ERROR, "max_value": RATING_ERROR, "invalid": RATING_ERROR},
    )
    note = serializers.CharField(required=False, default="", allow_blank=True)
    evidence = serializers.FileField(required=False, help_text="Optional document backing the score (multipart).")

    def validate_criterion(self, pk):
        evaluation = self.context["evaluation"]
        criterion = selectors.evaluation_criterion(evaluation=evaluation, pk=pk)
        if criterion is None:
            raise serializers.ValidationError(f"Criterion {pk} is not part of evaluation {evaluation.pk}.")
        return criterion


class ScoreSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    criterion = serializers.IntegerField(source="criterion_id")
    evaluator = serializers.CharField(source="evaluator.username")
    value = serializers.IntegerField()
    note = serializers.CharField()
    evidence = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField()

    def get_evidence(self, score) -> list[dict]:
        evaluation_id = score.criterion.dimension.evaluation_id
        return [
            {"id": e.pk, "name": e.filename, "url": reverse("evaluation-evidence", args=[evaluation_id, e.pk])}
            for e in score.evidence.all()
        ]


class RedFlagSetSerializer(serializers.Serializer):
    red_flag = serializers.IntegerField()
    ticked = serializers.BooleanField()

    def validate_red_flag(self, pk):
        evaluation = self.context["evaluation"]
        red_flag = selectors.evaluation_red_flag(evaluation=evaluation, pk=pk)
        if red_flag is None:
            raise serializers.ValidationError(f"Red flag {pk} is not part of evaluation {evaluation.pk}.")
        return red_flag


class EvaluationFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=EvaluationStatus.choices)

    class Meta:
        model = Evaluation
        fields = ["vendor", "status"]


class EvaluationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Evaluations of vendors against a frozen template: buyers read, procurement leads score."""

    serializer_class = EvaluationSerializer
    filterset_class = EvaluationFilterSet
    search_fields = ["vendor__name", "program"]
    ordering_fields = ["created_at", "status"]
    read_roles = BUYER_ROLES
    write_roles = LEADS

    def get_queryset(self):
        return selectors.evaluation_list(user=self.request.user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        summaries = [selectors.evaluation_summary(evaluation=e) for e in page]
        return self.get_paginated_response(EvaluationSerializer(summaries, many=True).data)

    @extend_schema(responses=EvaluationDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        return Response(self._detail(self.get_object()))

    @extend_schema(request=EvaluationCreateSerializer, responses={201: EvaluationDetailSerializer})
    def create(self, request, *args, **kwargs):
        payload = EvaluationCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        evaluation = services.evaluation_create(user=request.user, **payload.validated_data)
        return Response(self._detail(evaluation), status=status.HTTP_201_CREATED)

    @extend_schema(request=ScoreInSerializer, responses={200: ScoreSerializer, 201: ScoreSerializer})
    @action(detail=True, methods=["post"])
    def scores(self, request, pk=None):
        """Record or change the caller's own 1-5 score of one criterion (201 when new, 200 when changed)."""
        evaluation = self.get_object()
        payload = ScoreInSerializer(data=request.data, context={"evaluation": evaluation})
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        score, created = services.score_record(
            evaluation=evaluation,
            criterion=data["criterion"],
            evaluator=request.user,
            value=data["value"],
            note=data["note"],
            evidence=[data["evidence"]] if data.get("evidence") else [],
        )
        return Response(ScoreSerializer(score).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=RedFlagSetSerializer, responses=EvaluationDetailSerializer)
    @action(detail=True, methods=["post"], url_path="red-flags")
    def red_flags(self, request, pk=None):
        """Tick (confirm) or untick a red flag as the caller."""
        evaluation = self.get_object()
        payload = RedFlagSetSerializer(data=request.data, context={"evaluation": evaluation})
        payload.is_valid(raise_exception=True)
        services.red_flag_set(
            evaluation=evaluation,
            red_flag=payload.validated_data["red_flag"],
            evaluator=request.user,
            ticked=payload.validated_data["ticked"],
        )
        return Response(self._detail(evaluation))

    @extend_schema(request=None, responses=EvaluationDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Draft -> submitted, once every evaluator has scored every criterion."""
        evaluation = services.evaluation_submit(evaluation=self.get_object(), user=request.user)
        return Response(self._detail(evaluation))

    @extend_schema(request=None, responses=EvaluationDetailSerializer)
    @action(detail=True, methods=["post"])
    def finalize(self, request, pk=None):
        """Submitted -> final; a final evaluation never changes again."""
        evaluation = services.evaluation_finalize(evaluation=self.get_object(), user=request.user)
        return Response(self._detail(evaluation))

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"], url_path=r"evidence/(?P<evidence_id>[0-9]+)")
    def evidence(self, request, pk=None, evidence_id=None):
        """Download an evidence file attached to one of this evaluation's scores."""
        evaluation = self.get_object()
        evidence = selectors.evidence_get(user=request.user, pk=evidence_id)
        if evidence.score.criterion.dimension.evaluation_id != evaluation.pk:
            raise Http404("No such evidence file in this evaluation.")
        return FileResponse(stored_file_open(file=evidence.file), as_attachment=True, filename=evidence.filename)

    def _detail(self, evaluation) -> dict:
        evaluation = selectors.evaluation_get(user=self.request.user, pk=evaluation.pk)
        summary = selectors.evaluation_summary(evaluation=evaluation, with_evidence=True)
        return EvaluationDetailSerializer(summary).data


# Certifications ----------------------------------------------------------------------------


class CertificationSerializer(serializers.ModelSerializer):
    evidence = serializers.FileField(write_only=True, required=False)
    evidence_url = serializers.SerializerMethodField()

    class Meta:
        model = Certification
        fields = [
            "id",
            "vendor",
            "kind",
            "audit_period_end",
            "last_audit_on",
            "expires_on",
            "certified_sites",
            "auditor",
            "notes",
            "evidence",
            "evidence_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_evidence_url(self, certification) -> str | None:
        if not certification.evidence:
            return None
        return reverse("certification_evidence", args=[certification.pk])


class CertificationViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Vendors' SOC 2 reports and ISO 27001 certificates; every change is kept in the history."""

    serializer_class = CertificationSerializer
    filterset_fields = ["vendor", "kind"]
    ordering_fields = ["kind", "updated_at"]
    read_roles = BUYER_ROLES
    write_roles = LEADS
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.certification_list(user=self.request.user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.certification_create(
            vendor=data.pop("vendor"), kind=data.pop("kind"), user=self.request.user, **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if data.pop("vendor", serializer.instance.vendor) != serializer.instance.vendor:
            raise serializers.ValidationError({"vendor": ["A certification cannot move to another vendor."]})
        serializer.instance = services.certification_update(
            certification=serializer.instance, user=self.request.user, data=data
        )
