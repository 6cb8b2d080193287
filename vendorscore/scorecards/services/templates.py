"""Scorecard templates: the default of the framework, a lead's own templates, copies and edits."""

from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal

from django.db import transaction

from vendorscore.exceptions import DomainError
from vendorscore.scorecards import framework
from vendorscore.scorecards.constants import ChangeKind
from vendorscore.scorecards.models import ScorecardTemplate, TemplateCriterion, TemplateDimension, TemplateRedFlag
from vendorscore.scorecards.services.changes import change_record, weights_check

CRITERION_FIELDS = ("name", "kpi", "guidance")


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
    weights_check(spec["weight"] for spec in dimensions)
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
    weights_check(weights.get(d.pk, d.weight) for d in dimensions)
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
        change_record(
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
            change_record(
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
        change_record(user=user, kind=ChangeKind.CRITERION, subject=subject, new=row.name, template=dimension.template)


def _criterion_update(*, criterion, data: Mapping, user, subject: str) -> None:
    fields = _criterion_fields(data)
    if all(getattr(criterion, f) == v for f, v in fields.items()):
        return
    old = str(criterion)
    for field, value in fields.items():
        setattr(criterion, field, value)
    criterion.full_clean()
    criterion.save()
    change_record(
        user=user,
        kind=ChangeKind.CRITERION,
        subject=f"{subject} › {old}",
        old=_criterion_text(old, data),
        new=_criterion_text(criterion.name, fields),
        template=criterion.dimension.template,
    )


def _criterion_text(name: str, fields: Mapping) -> str:
    return f"{name} (KPI: {fields.get('kpi') or '—'})"
