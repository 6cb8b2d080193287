"""Read queries of the scorecard, with the access rule applied once: vendor users see nothing.

Scorecards are the buyer's internal judgement of vendors, so every selector returns
nothing for a vendor user, whatever view or endpoint asks; pages and API answer 403 before
that, this is the second lock.
"""

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from vendorscore.models import Vendor
from vendorscore.permissions import sees_buyer_internals
from vendorscore.scorecards import red_flags, scoring
from vendorscore.scorecards.constants import ChangeKind
from vendorscore.scorecards.models import (
    Certification,
    Evaluation,
    EvaluationCriterion,
    EvaluationRedFlag,
    EvidenceFile,
    Score,
    ScorecardChange,
    ScorecardTemplate,
    SecurityProfile,
)

EVALUATION_PREFETCH = (
    "dimensions__criteria__scores__evaluator",
    Prefetch(
        "red_flags", queryset=EvaluationRedFlag.objects.select_related("dimension").prefetch_related("ticks__evaluator")
    ),
)


# Templates ---------------------------------------------------------------------------------


def template_list(*, user) -> QuerySet[ScorecardTemplate]:
    templates = (
        ScorecardTemplate.objects.annotate(
            evaluation_count=Count("evaluations", distinct=True),
            criteria_count=Count("dimensions__criteria", distinct=True),
        )
        .prefetch_related("dimensions__criteria", "dimensions__red_flags")
        .order_by("-is_default", "name")
    )
    return templates if sees_buyer_internals(user) else templates.none()


def template_get(*, user, pk) -> ScorecardTemplate:
    return get_object_or_404(template_list(user=user), pk=pk)


def template_history(*, template: ScorecardTemplate) -> QuerySet[ScorecardChange]:
    return template.changes.select_related("changed_by")


# Evaluations -------------------------------------------------------------------------------


def evaluation_list(*, user, vendor=None, status: str | None = None) -> QuerySet[Evaluation]:
    """Evaluations with everything their total needs prefetched, newest first."""
    evaluations = Evaluation.objects.select_related("vendor", "created_by").prefetch_related(*EVALUATION_PREFETCH)
    if not sees_buyer_internals(user):
        return evaluations.none()
    if vendor is not None:
        evaluations = evaluations.filter(vendor=vendor)
    if status:
        evaluations = evaluations.filter(status=status)
    return evaluations


def evaluation_get(*, user, pk) -> Evaluation:
    evaluations = evaluation_list(user=user).prefetch_related("dimensions__criteria__scores__evidence")
    return get_object_or_404(evaluations, pk=pk)


def evaluation_criterion(*, evaluation: Evaluation, pk) -> EvaluationCriterion | None:
    return (
        EvaluationCriterion.objects.select_related("dimension").filter(dimension__evaluation=evaluation, pk=pk).first()
    )


def evaluation_red_flag(*, evaluation: Evaluation, pk) -> EvaluationRedFlag | None:
    return evaluation.red_flags.filter(pk=pk).first()


@dataclass
class CriterionRow:
    criterion: EvaluationCriterion
    result: scoring.CriterionResult
    scores: list[Score]

    @property
    def score(self) -> Decimal | None:
        return scoring.for_display(self.result.score)

    def score_of(self, user) -> Score | None:
        return next((s for s in self.scores if s.evaluator_id == user.pk), None)


@dataclass
class FlagRow:
    flag: EvaluationRedFlag
    ticked_by: list
    suggested: list[str] = field(default_factory=list)

    @property
    def raised(self) -> bool:
        return bool(self.ticked_by)

    def ticked_by_user(self, user) -> bool:
        return any(u.pk == user.pk for u in self.ticked_by)


@dataclass
class DimensionRow:
    dimension: object
    result: scoring.DimensionResult
    criteria: list[CriterionRow]
    red_flags: list[FlagRow]

    @property
    def name(self) -> str:
        return self.dimension.name

    @property
    def weight(self) -> Decimal:
        return self.dimension.weight

    @property
    def score(self) -> Decimal | None:
        return scoring.for_display(self.result.score)

    @property
    def points(self) -> Decimal | None:
        return scoring.for_display(self.result.points)

    @property
    def scored(self) -> int:
        return sum(1 for c in self.criteria if c.scores)


@dataclass
class EvaluatorProgress:
    user: object
    scored: int
    of: int

    @property
    def done(self) -> bool:
        return self.scored == self.of


@dataclass
class EvaluationSummary:
    """An evaluation with its arithmetic done, ready for a page, the API or a PDF."""

    evaluation: Evaluation
    result: scoring.ScorecardResult
    dimensions: list[DimensionRow]
    evaluators: list[EvaluatorProgress]

    @property
    def total(self) -> Decimal | None:
        return scoring.for_display(self.result.total)

    @property
    def band(self) -> str | None:
        return self.result.band

    @property
    def band_label(self) -> str:
        return scoring.BAND_LABELS.get(self.result.band, "")

    @property
    def criteria(self) -> list[CriterionRow]:
        return [c for d in self.dimensions for c in d.criteria]

    @property
    def scored(self) -> int:
        return sum(d.scored for d in self.dimensions)

    @property
    def red_flags(self) -> list[FlagRow]:
        return [f for d in self.dimensions for f in d.red_flags]

    @property
    def raised_flags(self) -> list[FlagRow]:
        """Red flags an evaluator ticked: shown beside the total wherever it is shown."""
        return [f for f in self.red_flags if f.raised]

    @property
    def suggested_flags(self) -> list[FlagRow]:
        """Red flags the evidence rules raise that nobody has confirmed yet."""
        return [f for f in self.red_flags if f.suggested and not f.raised]

    @property
    def calibration(self) -> list[CriterionRow]:
        return [c for c in self.criteria if c.result.needs_calibration]


def evaluation_summary(*, evaluation: Evaluation, with_evidence: bool = False) -> EvaluationSummary:
    """Do an evaluation's arithmetic from its prefetched rows (see ``evaluation_list``).

    ``with_evidence`` adds the evidence rules' suggestions, from the vendor's certifications
    on file, to each red flag; only open evaluations get them, a final one keeps its record.
    """
    dimensions = list(evaluation.dimensions.all())
    result = scoring.evaluate(
        [
            scoring.Dimension(
                key=d.pk,
                weight=d.weight,
                criteria=tuple(
                    scoring.Criterion(key=c.pk, ratings=tuple(s.value for s in c.scores.all()))
                    for c in d.criteria.all()
                ),
            )
            for d in dimensions
        ]
    )
    suggestions = {}
    if with_evidence and not evaluation.is_final:
        suggestions = vendor_security(vendor=evaluation.vendor).automatic_flags
    rows = [
        _dimension_row(dimension, dimension_result, evaluation, suggestions)
        for dimension, dimension_result in zip(dimensions, result.dimensions, strict=True)
    ]
    return EvaluationSummary(evaluation, result, rows, _evaluators(rows))


def _dimension_row(dimension, result, evaluation, suggestions) -> DimensionRow:
    criteria = [
        CriterionRow(criterion, criterion_result, list(criterion.scores.all()))
        for criterion, criterion_result in zip(dimension.criteria.all(), result.criteria, strict=True)
    ]
    flags = [
        FlagRow(flag, [tick.evaluator for tick in flag.ticks.all()], suggestions.get(flag.rule, []))
        for flag in evaluation.red_flags.all()
        if flag.dimension_id == dimension.pk
    ]
    return DimensionRow(dimension, result, criteria, flags)


def _evaluators(rows: list[DimensionRow]) -> list[EvaluatorProgress]:
    counts: dict[int, list] = {}
    total = 0
    for row in rows:
        for criterion in row.criteria:
            total += 1
            for score in criterion.scores:
                counts.setdefault(score.evaluator_id, [score.evaluator, 0])[1] += 1
    return sorted((EvaluatorProgress(user, n, total) for user, n in counts.values()), key=lambda p: p.user.username)


def evaluation_history(*, evaluation: Evaluation) -> QuerySet[ScorecardChange]:
    """The evaluation's own changes and the changes to its vendor's security evidence."""
    vendor_evidence = Q(vendor=evaluation.vendor_id, kind__in=[ChangeKind.CERTIFICATION, ChangeKind.SECURITY])
    return ScorecardChange.objects.filter(Q(evaluation=evaluation) | vendor_evidence).select_related("changed_by")


def evaluation_evidence(*, evaluation: Evaluation) -> QuerySet[EvidenceFile]:
    return EvidenceFile.objects.filter(score__criterion__dimension__evaluation=evaluation).select_related(
        "score__criterion__dimension", "score__evaluator", "uploaded_by"
    )


def evidence_get(*, user, pk) -> EvidenceFile:
    files = EvidenceFile.objects.all() if sees_buyer_internals(user) else EvidenceFile.objects.none()
    return get_object_or_404(files, pk=pk)


# Comparison --------------------------------------------------------------------------------


@dataclass
class ComparisonRow:
    name: str
    cells: list[DimensionRow | None]


@dataclass
class Comparison:
    """Several vendors' evaluations side by side, aligned by dimension name."""

    columns: list[EvaluationSummary]
    rows: list[ComparisonRow]

    @property
    def weights_differ(self) -> bool:
        profiles = {tuple((d.name, d.weight) for d in c.dimensions) for c in self.columns}
        return len(profiles) > 1


def comparable_vendors(*, user) -> QuerySet[Vendor]:
    """Vendors with at least one evaluation, the candidates for the comparison page."""
    if not sees_buyer_internals(user):
        return Vendor.objects.none()
    return Vendor.objects.filter(evaluations__isnull=False).distinct().order_by("name")


def comparison(*, user, vendor_ids: Collection[int] | None = None) -> Comparison:
    """Each chosen vendor's latest final evaluation, or its latest complete one when none is final."""
    evaluations = evaluation_list(user=user).order_by("vendor__name", "-created_at", "-pk")
    if vendor_ids:
        evaluations = evaluations.filter(vendor__in=vendor_ids)
    chosen: dict[int, EvaluationSummary] = {}
    for evaluation in evaluations:
        summary = evaluation_summary(evaluation=evaluation)
        if summary.result.complete and _better(summary, chosen.get(evaluation.vendor_id)):
            chosen[evaluation.vendor_id] = summary
    columns = list(chosen.values())
    names = list(dict.fromkeys(d.name for c in columns for d in c.dimensions))
    rows = [
        ComparisonRow(name, [next((d for d in c.dimensions if d.name == name), None) for c in columns])
        for name in names
    ]
    return Comparison(columns, rows)


def _better(candidate: EvaluationSummary, current: EvaluationSummary | None) -> bool:
    """Evaluations arrive newest first, so the first final one wins, else the first complete one."""
    if current is None:
        return True
    return candidate.evaluation.is_final and not current.evaluation.is_final


# Certifications and security evidence ------------------------------------------------------


@dataclass
class VendorSecurity:
    certifications: list[Certification]
    profile: SecurityProfile | None
    automatic_flags: dict[str, list[str]]


def vendor_security(*, vendor: Vendor, today: date | None = None) -> VendorSecurity:
    """A vendor's certifications and security evidence, with the red flags they raise today."""
    certifications = list(Certification.objects.filter(vendor=vendor))
    profile = SecurityProfile.objects.filter(vendor=vendor).first()
    flags = red_flags.automatic_red_flags(
        certifications=[c.facts() for c in certifications],
        dpa_signed=bool(profile and profile.dpa_signed),
        today=today or timezone.localdate(),
    )
    return VendorSecurity(certifications, profile, flags)


def vendor_security_history(*, vendor: Vendor) -> QuerySet[ScorecardChange]:
    return ScorecardChange.objects.filter(vendor=vendor).select_related("changed_by")


def certification_list(*, user, vendor=None) -> QuerySet[Certification]:
    certifications = Certification.objects.select_related("vendor")
    if not sees_buyer_internals(user):
        return certifications.none()
    return certifications.filter(vendor=vendor) if vendor is not None else certifications


def certification_get(*, user, pk) -> Certification:
    return get_object_or_404(certification_list(user=user), pk=pk)


def certifications_on_file() -> QuerySet[Certification]:
    """Every certification of every vendor, oldest first, for the expiry reminders (no user: a scheduled job)."""
    return Certification.objects.select_related("vendor").order_by("pk")


def vendor_evaluations(*, user, vendor: Vendor) -> list[EvaluationSummary]:
    return [evaluation_summary(evaluation=e) for e in evaluation_list(user=user, vendor=vendor)]
