"""Use cases of the scorecard: the only code that writes templates, evaluations, scores and evidence.

Every change a reader of an evaluation may question (a score, a weight, a red flag, a
status, a certification) is written together with its ``ScorecardChange`` row, in the
same transaction, so the history can never disagree with the data.
"""

from collections.abc import Collection, Iterable, Mapping, Sequence
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from vendorscore import scoring
from vendorscore.constants import ChangeKind, EvaluationStatus, RedFlagRule
from vendorscore.exceptions import DomainError
from vendorscore.scorecards import framework
from vendorscore.scorecards.models import (
    Certification,
    Evaluation,
    EvaluationCriterion,
    EvaluationDimension,
    EvaluationRedFlag,
    EvidenceFile,
    RedFlagTick,
    Score,
    ScorecardChange,
    ScorecardTemplate,
    SecurityProfile,
    TemplateCriterion,
    TemplateDimension,
    TemplateRedFlag,
)

CRITERION_FIELDS = ("name", "kpi", "guidance")
CERTIFICATION_FIELDS = (
    "kind",
    "audit_period_end",
    "last_audit_on",
    "expires_on",
    "certified_sites",
    "auditor",
    "evidence",
    "notes",
)
SECURITY_FIELDS = ("dpa_signed", "dpa_signed_on", "air_gap_option", "endpoint_controls", "subprocessors")
MAX_EVIDENCE_BYTES = 25 * 1024**2


def _record(*, user, kind: str, subject: str, old="", new="", evaluation=None, template=None, vendor=None):
    return ScorecardChange.objects.create(
        changed_by=user,
        kind=kind,
        subject=subject[:400],
        old_value=_shown(old),
        new_value=_shown(new),
        evaluation=evaluation,
        template=template,
        vendor=vendor,
    )


def _shown(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(getattr(value, "name", value))


def _check_weights(weights: Iterable) -> None:
    try:
        scoring.check_weights(weights)
    except scoring.ScorecardError as exc:
        raise DomainError(str(exc), field="dimensions") from exc


# Templates ---------------------------------------------------------------------------------


def default_template_ensure() -> ScorecardTemplate:
    """The default framework template, created again if it is missing (as after a test flushes the tables)."""
    return framework.create_default(
        Template=ScorecardTemplate, Dimension=TemplateDimension, Criterion=TemplateCriterion, RedFlag=TemplateRedFlag
    )


@transaction.atomic
def template_create(
    *, name: str, dimensions: Sequence[Mapping], user, description: str = "", based_on=None
) -> ScorecardTemplate:
    """Create a template from ``dimensions``: ``[{name, weight, description, questions, criteria, red_flags}]``.

    ``criteria`` items are ``{name, kpi, guidance}``, ``red_flags`` items ``{text, rule}``;
    weights must add up to exactly 100 and every dimension needs a criterion.
    """
    _check_template_spec(dimensions)
    template = ScorecardTemplate(name=name.strip(), description=description.strip(), based_on=based_on, created_by=user)
    template.full_clean()
    template.save()
    for position, spec in enumerate(dimensions, start=1):
        _dimension_create(template=template, position=position, spec=spec)
    return template


def _check_template_spec(dimensions: Sequence[Mapping]) -> None:
    _check_weights(spec["weight"] for spec in dimensions)
    names = [spec["name"].strip().lower() for spec in dimensions]
    if len(set(names)) != len(names):
        raise DomainError("Dimension names must be unique within a template.", field="dimensions")
    for spec in dimensions:
        if not spec.get("criteria"):
            raise DomainError(f"Dimension “{spec['name']}” needs at least one criterion.", field="dimensions")


def _dimension_create(*, template, position: int, spec: Mapping) -> TemplateDimension:
    dimension = TemplateDimension(
        template=template,
        position=position,
        name=spec["name"].strip(),
        weight=Decimal(str(spec["weight"])),
        description=spec.get("description", "").strip(),
        questions=[q.strip() for q in spec.get("questions", []) if q.strip()],
    )
    dimension.full_clean()
    dimension.save()
    for index, criterion in enumerate(spec["criteria"], start=1):
        row = TemplateCriterion(dimension=dimension, position=index, **_criterion_fields(criterion))
        row.full_clean()
        row.save()
    for index, flag in enumerate(spec.get("red_flags", []), start=1):
        row = TemplateRedFlag(dimension=dimension, position=index, text=flag["text"].strip(), rule=flag.get("rule", ""))
        row.full_clean()
        row.save()
    return dimension


def _criterion_fields(data: Mapping) -> dict:
    return {field: (data.get(field) or "").strip() for field in CRITERION_FIELDS}


def template_spec(template: ScorecardTemplate) -> list[dict]:
    """A template's dimensions in the shape ``template_create`` takes, to copy it."""
    return [
        {
            "name": dimension.name,
            "weight": dimension.weight,
            "description": dimension.description,
            "questions": list(dimension.questions),
            "criteria": [{f: getattr(c, f) for f in CRITERION_FIELDS} for c in dimension.criteria.all()],
            "red_flags": [{"text": f.text, "rule": f.rule} for f in dimension.red_flags.all()],
        }
        for dimension in template.dimensions.prefetch_related("criteria", "red_flags")
    ]


def template_copy(
    *, template: ScorecardTemplate, name: str, user, weights: Mapping[int, Decimal] | None = None
) -> ScorecardTemplate:
    """Copy a template under a new name, optionally with other weights (by source dimension id)."""
    spec = template_spec(template)
    if weights is not None:
        ids = list(template.dimensions.values_list("pk", flat=True))
        for dimension_spec, pk in zip(spec, ids, strict=True):
            dimension_spec["weight"] = weights.get(pk, dimension_spec["weight"])
    description = f"Adapted from “{template.name}”." if template.is_default else template.description
    return template_create(name=name, dimensions=spec, user=user, description=description, based_on=template)


@transaction.atomic
def template_update(
    *,
    template: ScorecardTemplate,
    user,
    name: str,
    description: str,
    weights: Mapping[int, Decimal],
    criteria: Mapping[int, Mapping],
    added: Mapping[int, Sequence[Mapping]] | None = None,
    removed: Collection[int] = (),
) -> ScorecardTemplate:
    """Rename a template, change its weights and criteria; evaluations made from it keep their copy.

    ``weights`` and ``added`` are keyed by dimension id, ``criteria`` (new name, KPI,
    guidance) and ``removed`` by criterion id. The default framework stays as DESIGN.md
    gives it: it is refused here, and copied instead.
    """
    if template.is_default:
        raise DomainError("The default framework is read-only; copy it to adapt weights and criteria.")
    dimensions = list(template.dimensions.prefetch_related("criteria"))
    _check_weights(weights.get(d.pk, d.weight) for d in dimensions)
    template.name, template.description = name.strip(), description.strip()
    template.full_clean()
    template.save()
    for dimension in dimensions:
        _dimension_update(
            dimension=dimension,
            user=user,
            weight=weights.get(dimension.pk, dimension.weight),
            criteria=criteria,
            added=(added or {}).get(dimension.pk, ()),
            removed=removed,
        )
    return template


def _dimension_update(*, dimension, user, weight, criteria, added, removed) -> None:
    subject = f"{dimension.template.name} › {dimension.name}"
    weight = Decimal(str(weight))
    if weight != dimension.weight:
        _record(
            user=user,
            kind=ChangeKind.WEIGHT,
            subject=subject,
            old=dimension.weight,
            new=weight,
            template=dimension.template,
        )
        dimension.weight = weight
        dimension.full_clean()
        dimension.save()
    kept = [c for c in dimension.criteria.all() if c.pk not in removed]
    if not kept and not added:
        raise DomainError(f"Dimension “{dimension.name}” needs at least one criterion.", field="criteria")
    for criterion in dimension.criteria.all():
        if criterion.pk in removed:
            _record(
                user=user, kind=ChangeKind.CRITERION, subject=subject, old=criterion.name, template=dimension.template
            )
            criterion.delete()
        elif criterion.pk in criteria:
            _criterion_update(criterion=criterion, data=criteria[criterion.pk], user=user, subject=subject)
    position = max((c.position for c in kept), default=0)
    for offset, data in enumerate(added, start=1):
        row = TemplateCriterion(dimension=dimension, position=position + offset, **_criterion_fields(data))
        row.full_clean()
        row.save()
        _record(user=user, kind=ChangeKind.CRITERION, subject=subject, new=row.name, template=dimension.template)


def _criterion_update(*, criterion, data: Mapping, user, subject: str) -> None:
    fields = _criterion_fields(data)
    if all(getattr(criterion, f) == v for f, v in fields.items()):
        return
    old = str(criterion)
    for field, value in fields.items():
        setattr(criterion, field, value)
    criterion.full_clean()
    criterion.save()
    _record(
        user=user,
        kind=ChangeKind.CRITERION,
        subject=f"{subject} › {old}",
        old=_criterion_text(old, data),
        new=_criterion_text(criterion.name, fields),
        template=criterion.dimension.template,
    )


def _criterion_text(name: str, fields: Mapping) -> str:
    return f"{name} (KPI: {fields.get('kpi') or '—'})"


# Evaluations -------------------------------------------------------------------------------


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
    _record(
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
        _record(user=evaluator, kind=ChangeKind.SCORE, subject=subject, new=first, evaluation=evaluation)
    elif old_value != value:
        _record(user=evaluator, kind=ChangeKind.SCORE, subject=subject, old=old_value, new=value, evaluation=evaluation)
    if not created and old_note != score.note:
        _record(
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
    _record(
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
    _record(
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
    _check_weights(weights.get(d.pk, d.weight) for d in dimensions)
    for dimension in dimensions:
        weight = Decimal(str(weights.get(dimension.pk, dimension.weight)))
        if weight == dimension.weight:
            continue
        _record(
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
    _record(
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


# Certifications and security evidence ------------------------------------------------------


@transaction.atomic
def certification_create(*, vendor, user, kind: str, **fields) -> Certification:
    """Put a SOC 2 report or ISO 27001 certificate on file; the automatic red flags follow from it."""
    certification = Certification(vendor=vendor, kind=kind, **_known(fields, CERTIFICATION_FIELDS))
    certification.full_clean()
    certification.save()
    _record(
        user=user,
        kind=ChangeKind.CERTIFICATION,
        subject=certification.get_kind_display(),
        new=_certification_summary(certification),
        vendor=vendor,
    )
    return certification


@transaction.atomic
def certification_update(*, certification: Certification, user, data: Mapping) -> Certification:
    """Change a certification's fields, one history row per field that changed."""
    data = _known(data, CERTIFICATION_FIELDS)
    if not isinstance(data.get("evidence"), UploadedFile):
        data.pop("evidence", None)  # no new file: keep the one on file
    changes = _assign(certification, data)
    certification.full_clean()
    certification.save()
    for field, old, new in changes:
        label = Certification._meta.get_field(field).verbose_name
        _record(
            user=user,
            kind=ChangeKind.CERTIFICATION,
            subject=f"{certification.get_kind_display()} · {label}",
            old=old,
            new=new,
            vendor=certification.vendor,
        )
    return certification


def _certification_summary(certification: Certification) -> str:
    parts = [certification.get_kind_display()]
    if certification.audited_on:
        parts.append(f"audited {certification.audited_on.isoformat()}")
    if certification.expires_on:
        parts.append(f"expires {certification.expires_on.isoformat()}")
    return ", ".join(parts)


@transaction.atomic
def security_profile_update(*, vendor, user, data: Mapping) -> SecurityProfile:
    """Record the vendor's DPA, air-gap option, endpoint controls and subprocessors."""
    profile, _ = SecurityProfile.objects.get_or_create(vendor=vendor)
    changes = _assign(profile, _known(data, SECURITY_FIELDS))
    profile.full_clean()
    profile.save()
    for field, old, new in changes:
        label = SecurityProfile._meta.get_field(field).verbose_name
        _record(
            user=user, kind=ChangeKind.SECURITY, subject=label[:1].upper() + label[1:], old=old, new=new, vendor=vendor
        )
    return profile


def _known(data: Mapping, allowed: Collection[str]) -> dict:
    unknown = set(data) - set(allowed)
    if unknown:
        raise DomainError(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    return dict(data)


def _assign(instance, data: Mapping) -> list[tuple[str, object, object]]:
    """Set fields and return ``(field, old, new)`` for those whose value changed."""
    changes = []
    for field, value in data.items():
        old = getattr(instance, field)
        if isinstance(value, str):
            value = value.strip()
        if _shown(old) != _shown(value) or isinstance(value, UploadedFile):
            setattr(instance, field, value)
            changes.append((field, old, getattr(instance, field)))
    return changes
