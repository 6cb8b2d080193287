"""Evaluations: one vendor scored against a frozen copy of a template, from draft to final.

Scores, evidence, red-flag ticks and weights change only while the evaluation is open;
each change writes its history row (``changes.change_record``) in the same transaction.
"""

from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from vendorscore.exceptions import DomainError
from vendorscore.scorecards import scoring
from vendorscore.scorecards.constants import ChangeKind, EvaluationStatus, RedFlagRule
from vendorscore.scorecards.models import (
    Evaluation,
    EvaluationCriterion,
    EvaluationDimension,
    EvaluationRedFlag,
    EvidenceFile,
    RedFlagTick,
    Score,
    ScorecardTemplate,
    TemplateDimension,
)
from vendorscore.scorecards.services.changes import change_record, weights_check

MAX_EVIDENCE_BYTES = 25 * 1024**2


@transaction.atomic
def evaluation_create(*, vendor, template: ScorecardTemplate, user, program: str = "") -> Evaluation:
    """Start an evaluation of ``vendor``, freezing a copy of the template's dimensions into it.

    The copy is what makes a past evaluation defensible: its weights and criteria are the
    ones it was scored against, whatever happens to the template afterwards.
    """
    evaluation = Evaluation(
        vendor=vendor, template=template, template_name=template.name, program=program.strip(), created_by=user
    )
    evaluation.full_clean()
    evaluation.save()
    dimensions = [
        _dimension_freeze(evaluation=evaluation, source=source)
        for source in template.dimensions.prefetch_related("criteria", "red_flags")
    ]
    _automatic_flags_ensure(evaluation=evaluation, dimensions=dimensions)
    change_record(
        user=user,
        kind=ChangeKind.STATUS,
        subject="Evaluation created",
        new=EvaluationStatus.DRAFT.label,
        evaluation=evaluation,
    )
    return evaluation


def _dimension_freeze(*, evaluation, source: TemplateDimension) -> EvaluationDimension:
    dimension = EvaluationDimension.objects.create(
        evaluation=evaluation,
        position=source.position,
        name=source.name,
        weight=source.weight,
        description=source.description,
        questions=list(source.questions),
    )
    EvaluationCriterion.objects.bulk_create(
        EvaluationCriterion(dimension=dimension, position=c.position, name=c.name, kpi=c.kpi, guidance=c.guidance)
        for c in source.criteria.all()
    )
    EvaluationRedFlag.objects.bulk_create(
        EvaluationRedFlag(evaluation=evaluation, dimension=dimension, position=f.position, text=f.text, rule=f.rule)
        for f in source.red_flags.all()
    )
    return dimension


def _automatic_flags_ensure(*, evaluation, dimensions: list[EvaluationDimension]) -> None:
    """Give every evidence rule a red flag to appear beside, even on a template that lacks one.

    Such flags go to the security dimension, where a reader looks for certifications, or
    to the first dimension of a template that has none.
    """
    present = set(EvaluationRedFlag.objects.filter(evaluation=evaluation).values_list("rule", flat=True))
    home = next((d for d in dimensions if "security" in d.name.lower()), dimensions[0])
    for offset, rule in enumerate((r for r in RedFlagRule if r not in present), start=100):
        EvaluationRedFlag.objects.create(
            evaluation=evaluation, dimension=home, position=offset, text=rule.label, rule=rule
        )


def _check_open(evaluation: Evaluation) -> None:
    if evaluation.is_final:
        raise DomainError("This evaluation is final; its scores, flags and weights can no longer change.")


def _check_evaluator(user) -> None:
    if not getattr(user, "is_lead", False):
        raise DomainError("Only procurement leads score evaluations.")


@transaction.atomic
def score_record(
    *,
    evaluation: Evaluation,
    criterion: EvaluationCriterion,
    evaluator,
    value: int,
    note: str = "",
    evidence: Iterable = (),
) -> tuple[Score, bool]:
    """Record (or change) the evaluator's own 1-5 score of a criterion; returns the score and whether it is new."""
    _check_open(evaluation)
    _check_evaluator(evaluator)
    if criterion.dimension.evaluation_id != evaluation.pk:
        raise DomainError(f"Criterion {criterion.pk} is not part of evaluation {evaluation.pk}.", field="criterion")
    try:
        scoring.check_rating(value)
    except scoring.ScorecardError as exc:
        raise DomainError("A score is a whole number from 1 (poor) to 5 (excellent).", field="value") from exc
    score = Score.objects.select_for_update().filter(criterion=criterion, evaluator=evaluator).first()
    created = score is None
    old_value, old_note = (None, "") if created else (score.value, score.note)
    score = score or Score(criterion=criterion, evaluator=evaluator)
    score.value, score.note = value, note.strip()
    score.full_clean()
    score.save()
    subject = f"{criterion.dimension.name} › {criterion.name}"
    if created:
        first = f"{value} · {score.note}" if score.note else value
        change_record(user=evaluator, kind=ChangeKind.SCORE, subject=subject, new=first, evaluation=evaluation)
    elif old_value != value:
        change_record(
            user=evaluator, kind=ChangeKind.SCORE, subject=subject, old=old_value, new=value, evaluation=evaluation
        )
    if not created and old_note != score.note:
        change_record(
            user=evaluator, kind=ChangeKind.NOTE, subject=subject, old=old_note, new=score.note, evaluation=evaluation
        )
    for upload in evidence:
        evidence_attach(score=score, upload=upload, user=evaluator)
    return score, created


def evidence_attach(*, score: Score, upload, user) -> EvidenceFile:
    """Keep a document that backs a score in the file storage; too large a file is refused."""
    if upload.size > MAX_EVIDENCE_BYTES:
        raise DomainError(f"“{upload.name}” is larger than {MAX_EVIDENCE_BYTES // 1024**2} MB.", field="evidence")
    evaluation = score.criterion.dimension.evaluation
    _check_open(evaluation)
    evidence = EvidenceFile(score=score, file=upload, uploaded_by=user)
    evidence.save()
    change_record(
        user=user,
        kind=ChangeKind.EVIDENCE,
        subject=f"{score.criterion.dimension.name} › {score.criterion.name}",
        new=evidence.filename,
        evaluation=evaluation,
    )
    return evidence


@transaction.atomic
def red_flag_set(*, evaluation: Evaluation, red_flag: EvaluationRedFlag, evaluator, ticked: bool) -> bool:
    """Tick or untick a red flag for the evaluator; returns whether anything changed."""
    _check_open(evaluation)
    _check_evaluator(evaluator)
    if red_flag.evaluation_id != evaluation.pk:
        raise DomainError(f"Red flag {red_flag.pk} is not part of evaluation {evaluation.pk}.", field="red_flag")
    tick = RedFlagTick.objects.filter(red_flag=red_flag, evaluator=evaluator).first()
    if (tick is not None) == ticked:
        return False
    if ticked:
        RedFlagTick.objects.create(red_flag=red_flag, evaluator=evaluator)
    else:
        tick.delete()
    change_record(
        user=evaluator,
        kind=ChangeKind.RED_FLAG,
        subject=red_flag.text,
        old=_ticked(not ticked),
        new=_ticked(ticked),
        evaluation=evaluation,
    )
    return True


def _ticked(ticked: bool) -> str:
    return "ticked" if ticked else "not ticked"


@transaction.atomic
def evaluation_weights_update(*, evaluation: Evaluation, user, weights: Mapping[int, Decimal]) -> Evaluation:
    """Adapt a draft evaluation's weights (by dimension id) to the program; they must still add up to 100."""
    if evaluation.status != EvaluationStatus.DRAFT:
        raise DomainError("Weights can change only while the evaluation is a draft.")
    dimensions = list(evaluation.dimensions.all())
    weights_check(weights.get(d.pk, d.weight) for d in dimensions)
    for dimension in dimensions:
        weight = Decimal(str(weights.get(dimension.pk, dimension.weight)))
        if weight == dimension.weight:
            continue
        change_record(
            user=user,
            kind=ChangeKind.WEIGHT,
            subject=dimension.name,
            old=dimension.weight,
            new=weight,
            evaluation=evaluation,
        )
        dimension.weight = weight
        dimension.full_clean()
        dimension.save()
    return evaluation


def _check_complete(evaluation: Evaluation) -> None:
    """Every criterion scored, and by every evaluator who scored any: means over one panel."""
    criteria = set(EvaluationCriterion.objects.filter(dimension__evaluation=evaluation).values_list("pk", flat=True))
    scored: dict[str, set[int]] = {}
    for username, criterion_id in Score.objects.filter(criterion__in=criteria).values_list(
        "evaluator__username", "criterion_id"
    ):
        scored.setdefault(username, set()).add(criterion_id)
    if not scored:
        raise DomainError("No criterion has been scored yet.")
    for username, done in sorted(scored.items()):
        if done != criteria:
            raise DomainError(
                f"{username} has scored {len(done)} of {len(criteria)} criteria; every evaluator scores every "
                "criterion before the evaluation moves on."
            )


def _transition(*, evaluation: Evaluation, user, source: str, target: EvaluationStatus) -> Evaluation:
    if evaluation.status != source:
        raise DomainError(
            f"Only a {EvaluationStatus(source).label.lower()} evaluation can become "
            f"{target.label.lower()}; this one is {evaluation.get_status_display().lower()}."
        )
    _check_complete(evaluation)
    now = timezone.now()
    evaluation.status = target
    if target == EvaluationStatus.SUBMITTED:
        evaluation.submitted_at = now
    else:
        evaluation.finalized_at, evaluation.finalized_by = now, user
    evaluation.full_clean()
    evaluation.save()
    change_record(
        user=user,
        kind=ChangeKind.STATUS,
        subject="Status",
        old=EvaluationStatus(source).label,
        new=target.label,
        evaluation=evaluation,
    )
    return evaluation


@transaction.atomic
def evaluation_submit(*, evaluation: Evaluation, user) -> Evaluation:
    """Close scoring for review: scores may still be revised after the calibration discussion."""
    return _transition(
        evaluation=evaluation, user=user, source=EvaluationStatus.DRAFT, target=EvaluationStatus.SUBMITTED
    )


@transaction.atomic
def evaluation_finalize(*, evaluation: Evaluation, user) -> Evaluation:
    """Freeze the evaluation as the record of the decision: nothing in it changes afterwards."""
    return _transition(
        evaluation=evaluation, user=user, source=EvaluationStatus.SUBMITTED, target=EvaluationStatus.FINAL
    )


@transaction.atomic
def evaluation_step_save(
    *, evaluation: Evaluation, evaluator, scores: Iterable[tuple], flags: Iterable[tuple[EvaluationRedFlag, bool]]
) -> int:
    """Save one step of the scoring form at once: ``(criterion, value, note, files)`` scores and ticks.

    All or nothing, so a step is never half saved; returns how many scores were recorded.
    """
    count = 0
    for criterion, value, note, files in scores:
        score_record(
            evaluation=evaluation, criterion=criterion, evaluator=evaluator, value=value, note=note, evidence=files
        )
        count += 1
    for flag, ticked in flags:
        red_flag_set(evaluation=evaluation, red_flag=flag, evaluator=evaluator, ticked=ticked)
    return count
