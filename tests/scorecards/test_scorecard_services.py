"""Scorecard use cases: the default framework, templates, frozen evaluations, scores, transitions, history."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.factories import (
    CertificationFactory,
    EvaluationFactory,
    ScorecardTemplateFactory,
    UserFactory,
    default_template,
    score_all,
)
from vendorscore.constants import Role
from vendorscore.exceptions import DomainError
from vendorscore.scorecards import selectors, services
from vendorscore.scorecards.constants import ChangeKind, EvaluationStatus
from vendorscore.scorecards.models import Score, ScorecardChange, ScorecardTemplate, TemplateDimension

pytestmark = pytest.mark.django_db

# DESIGN.md's table: dimension, weight, the primary criterion's items, the KPIs.
DESIGN_FRAMEWORK = [
    (
        "Workforce model",
        25,
        "annotator tenure, training, domain expertise coverage",
        "% permanent staff; onboarding time per task type; IAA by workforce segment",
    ),
    (
        "Security & compliance",
        20,
        "SOC 2 Type II, ISO 27001, DPA capability, endpoint controls",
        "certification recency; air-gap option; subprocessor transparency",
    ),
    (
        "Quality SLA",
        25,
        "IAA scores, defect rate, QA methodology, SLA remedies",
        "Cohen's kappa >= 0.80 on complex tasks; defect rate <= 1%; financial SLA penalties",
    ),
    (
        "AI-assisted throughput",
        15,
        "human-in-the-loop ratio by task type; automation calibration",
        "throughput/quality parity data; automation ratio by complexity tier",
    ),
    (
        "Commercial flexibility",
        15,
        "pricing model, ramp provisions, pilot availability, portability",
        "pilot availability; 2x scale-up timeline; data portability clause",
    ),
]


@pytest.fixture
def evaluator(lead):
    return lead


@pytest.fixture
def second_lead(db):
    return UserFactory(username="nadia", role=Role.PROCUREMENT_LEAD)


def criteria_of(evaluation):
    return [c for d in evaluation.dimensions.prefetch_related("criteria") for c in d.criteria.all()]


def summary_of(evaluation, user):
    return selectors.evaluation_summary(evaluation=selectors.evaluation_get(user=user, pk=evaluation.pk))


# The default framework ---------------------------------------------------------------------


def test_default_template_holds_the_framework_of_design_md():
    template = default_template()
    dimensions = list(template.dimensions.prefetch_related("criteria", "red_flags"))
    assert [(d.name, d.weight) for d in dimensions] == [(name, Decimal(w)) for name, w, _, _ in DESIGN_FRAMEWORK]
    for dimension, (_, _, primary, kpis) in zip(dimensions, DESIGN_FRAMEWORK, strict=True):
        assert primary in dimension.description and kpis in dimension.description
        items = [item.strip().lower() for item in primary.replace(";", ",").split(",")]
        assert [c.name.lower() for c in dimension.criteria.all()] == items
        assert all(c.kpi and c.guidance for c in dimension.criteria.all())
        assert dimension.questions and dimension.red_flags.exists()
        for kpi in kpis.split("; "):
            assert any(kpi.lower() in c.kpi.lower() for c in dimension.criteria.all()), kpi


def test_default_template_carries_the_framework_red_flag_examples():
    texts = {f.text for d in default_template().dimensions.all() for f in d.red_flags.all()}
    assert "No IAA tracking by task type" in texts
    assert "Same automation ratio across all task types" in texts
    assert "SOC 2 Type I only, or no SOC 2 report at all" in texts
    assert "A certification older than 12 months, or expired" in texts


def test_default_template_is_read_only(lead):
    template = default_template()
    with pytest.raises(DomainError, match="read-only"):
        services.template_update(template=template, user=lead, name="x", description="", weights={}, criteria={})


def test_default_template_ensure_is_idempotent():
    assert default_template() == default_template()
    assert ScorecardTemplate.objects.filter(is_default=True).count() == 1


# Templates ---------------------------------------------------------------------------------


def test_template_weights_not_summing_to_100_are_refused(lead):
    dimensions = [
        {"name": "A", "weight": 50, "criteria": [{"name": "a"}]},
        {"name": "B", "weight": 45, "criteria": [{"name": "b"}]},
    ]
    with pytest.raises(DomainError, match="add up to exactly 100; these add up to 95") as error:
        services.template_create(name="Bad", dimensions=dimensions, user=lead)
    assert error.value.field == "dimensions"
    assert not ScorecardTemplate.objects.filter(name="Bad").exists()


def test_template_dimension_without_criteria_is_refused(lead):
    with pytest.raises(DomainError, match="needs at least one criterion"):
        services.template_create(name="Bad", dimensions=[{"name": "A", "weight": 100, "criteria": []}], user=lead)


def test_template_names_are_unique_ignoring_case(lead):
    ScorecardTemplateFactory(name="Program X")
    with pytest.raises(ValidationError, match="A scorecard template with this name exists."):
        ScorecardTemplateFactory(name="program x")


def test_template_copy_adapts_weights_and_keeps_everything_else(lead):
    source = default_template()
    weights = dict(zip(source.dimensions.values_list("pk", flat=True), (20, 35, 25, 10, 10), strict=True))
    copy = services.template_copy(template=source, name="High security", user=lead, weights=weights)
    assert [d.weight for d in copy.dimensions.all()] == [20, 35, 25, 10, 10]
    assert copy.based_on == source and not copy.is_default
    assert copy.dimensions.get(name="Quality SLA").criteria.count() == 4
    assert copy.dimensions.get(name="Security & compliance").red_flags.filter(rule="no_dpa").exists()


def test_template_copy_with_weights_not_summing_to_100_is_refused(lead):
    source = default_template()
    first = source.dimensions.first()
    with pytest.raises(DomainError, match="these add up to 105"):
        services.template_copy(template=source, name="Bad", user=lead, weights={first.pk: 30})


def test_template_update_records_weight_and_criterion_changes(lead):
    template = ScorecardTemplateFactory()
    workforce, security = template.dimensions.all()
    tenure = workforce.criteria.get(name="Tenure")
    services.template_update(
        template=template,
        user=lead,
        name=template.name,
        description="",
        weights={workforce.pk: Decimal(50), security.pk: Decimal(50)},
        criteria={tenure.pk: {"name": "Tenure", "kpi": "median tenure", "guidance": ""}},
        added={security.pk: [{"name": "Air gap", "kpi": "air-gap option"}]},
        removed={security.criteria.get(name="Endpoints").pk},
    )
    assert [d.weight for d in template.dimensions.all()] == [50, 50]
    assert [c.name for c in security.criteria.all()] == ["SOC 2", "DPA", "Air gap"]
    changes = {(c.kind, c.old_value, c.new_value) for c in template.changes.all()}
    assert (ChangeKind.WEIGHT, "60", "50") in changes
    assert (ChangeKind.CRITERION, "Endpoints", "") in changes
    assert (ChangeKind.CRITERION, "", "Air gap") in changes


# Evaluations: frozen templates -------------------------------------------------------------


def test_a_template_edit_after_an_evaluation_leaves_its_total_unchanged(lead, vendor_a):
    template = ScorecardTemplateFactory()
    original_name = template.name
    evaluation = EvaluationFactory(vendor=vendor_a, template=template)
    score_all(evaluation, lead, value=lambda c: 5 if c.dimension.name == "Workforce" else 2)
    before = summary_of(evaluation, lead)
    assert before.total == Decimal("76.00")  # 5/5 x 60 + 2/5 x 40

    workforce, security = template.dimensions.all()
    services.template_update(
        template=template,
        user=lead,
        name="Renamed",
        description="",
        weights={workforce.pk: Decimal(10), security.pk: Decimal(90)},
        criteria={},
        added={workforce.pk: [{"name": "A criterion added later"}]},
        removed={security.criteria.first().pk},
    )

    after = summary_of(evaluation, lead)
    assert after.total == before.total == Decimal("76.00")
    assert after.band == before.band
    assert [(d.name, d.weight, d.points) for d in after.dimensions] == [
        (d.name, d.weight, d.points) for d in before.dimensions
    ]
    assert len(after.criteria) == 5
    evaluation.refresh_from_db()
    assert evaluation.template_name == original_name


def test_evaluation_copies_dimensions_criteria_questions_and_red_flags(lead, vendor_a):
    template = default_template()
    evaluation = services.evaluation_create(vendor=vendor_a, template=template, user=lead, program="RFP 7")
    assert [(d.name, d.weight) for d in evaluation.dimensions.all()] == [
        (d.name, d.weight) for d in template.dimensions.all()
    ]
    assert len(criteria_of(evaluation)) == 17
    assert evaluation.red_flags.count() == sum(d.red_flags.count() for d in template.dimensions.all())
    assert evaluation.dimensions.get(name="Workforce model").questions == template.dimensions.first().questions
    assert evaluation.status == EvaluationStatus.DRAFT


def test_a_template_without_evidence_rules_still_gets_the_automatic_flags(lead, vendor_a):
    template = services.template_create(
        name="Plain",
        user=lead,
        dimensions=[
            {"name": "Delivery", "weight": 70, "criteria": [{"name": "Speed"}]},
            {"name": "Data security", "weight": 30, "criteria": [{"name": "Controls"}]},
        ],
    )
    evaluation = services.evaluation_create(vendor=vendor_a, template=template, user=lead)
    automatic = evaluation.red_flags.exclude(rule="")
    assert set(automatic.values_list("rule", flat=True)) == {"soc2_type1_only", "certification_stale", "no_dpa"}
    assert set(automatic.values_list("dimension__name", flat=True)) == {"Data security"}


# Scores ------------------------------------------------------------------------------------


def test_several_evaluators_are_averaged_and_a_spread_of_two_is_flagged(lead, second_lead, vendor_a):
    evaluation = EvaluationFactory(vendor=vendor_a)
    score_all(evaluation, lead, value=4)
    score_all(evaluation, second_lead, value=lambda c: 2 if c.name == "Tenure" else 5)
    summary = summary_of(evaluation, lead)
    tenure = next(c for c in summary.criteria if c.criterion.name == "Tenure")
    assert tenure.score == Decimal("3.00")
    assert [c.criterion.name for c in summary.calibration] == ["Tenure"]
    # Workforce: (3 + 4.5) / 2 = 3.75 -> 45 points; Security: 4.5 -> 36 points.
    assert [d.points for d in summary.dimensions] == [Decimal("45.00"), Decimal("36.00")]
    assert summary.total == Decimal("81.00")
    assert [(p.user.username, p.scored, p.of) for p in summary.evaluators] == [("lead", 5, 5), ("nadia", 5, 5)]


def test_recording_a_score_again_changes_it_and_keeps_the_history(lead, vendor_a):
    evaluation = EvaluationFactory(vendor=vendor_a)
    criterion = criteria_of(evaluation)[0]
    _, created = services.score_record(evaluation=evaluation, criterion=criterion, evaluator=lead, value=3, note="ok")
    assert created
    score, created = services.score_record(
        evaluation=evaluation, criterion=criterion, evaluator=lead, value=4, note="better evidence"
    )
    assert not created and score.value == 4
    assert Score.objects.filter(criterion=criterion).count() == 1
    rows = list(evaluation.changes.filter(kind__in=[ChangeKind.SCORE, ChangeKind.NOTE]).order_by("pk"))
    assert [(r.kind, r.old_value, r.new_value, r.changed_by) for r in rows] == [
        (ChangeKind.SCORE, "", "3 · ok", lead),
        (ChangeKind.SCORE, "3", "4", lead),
        (ChangeKind.NOTE, "ok", "better evidence", lead),
    ]
    assert rows[1].subject == "Workforce › Tenure"


@pytest.mark.parametrize("value", [0, 6, -1])
def test_scores_outside_1_to_5_are_refused(lead, vendor_a, value):
    evaluation = EvaluationFactory(vendor=vendor_a)
    with pytest.raises(DomainError, match="whole number from 1") as error:
        services.score_record(evaluation=evaluation, criterion=criteria_of(evaluation)[0], evaluator=lead, value=value)
    assert error.value.field == "value"


def test_a_criterion_of_another_evaluation_is_refused(lead, vendor_a):
    evaluation, other = EvaluationFactory(vendor=vendor_a), EvaluationFactory(vendor=vendor_a)
    with pytest.raises(DomainError, match="not part of evaluation") as error:
        services.score_record(evaluation=evaluation, criterion=criteria_of(other)[0], evaluator=lead, value=3)
    assert error.value.field == "criterion"


def test_analysts_may_not_score(users, vendor_a):
    evaluation = EvaluationFactory(vendor=vendor_a)
    with pytest.raises(DomainError, match="Only procurement leads"):
        services.score_record(
            evaluation=evaluation, criterion=criteria_of(evaluation)[0], evaluator=users[Role.QA_ANALYST], value=3
        )


def test_the_database_refuses_a_score_outside_1_to_5_and_a_second_score(lead, vendor_a):
    criterion = criteria_of(EvaluationFactory(vendor=vendor_a))[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.create(criterion=criterion, evaluator=lead, value=6)
    Score.objects.create(criterion=criterion, evaluator=lead, value=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.create(criterion=criterion, evaluator=lead, value=4)


def test_constraint_messages_are_readable(lead, vendor_a):
    criterion = criteria_of(EvaluationFactory(vendor=vendor_a))[0]
    with pytest.raises(ValidationError, match=r"A score is a whole number from 1 \(poor\) to 5 \(excellent\)"):
        Score(criterion=criterion, evaluator=lead, value=9).full_clean()
    dimension = TemplateDimension(template=ScorecardTemplateFactory(), name="Z", weight=Decimal(101))
    with pytest.raises(ValidationError):
        dimension.full_clean()


def test_evidence_files_are_kept_under_media_root_and_recorded(lead, vendor_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    evaluation = EvaluationFactory(vendor=vendor_a)
    upload = SimpleUploadedFile("iaa-report.pdf", b"%PDF-1.4 report", content_type="application/pdf")
    score, _ = services.score_record(
        evaluation=evaluation, criterion=criteria_of(evaluation)[0], evaluator=lead, value=4, evidence=[upload]
    )
    evidence = score.evidence.get()
    assert evidence.filename == "iaa-report.pdf"
    assert (tmp_path / evidence.file.name).read_bytes() == b"%PDF-1.4 report"
    assert evaluation.changes.filter(kind=ChangeKind.EVIDENCE, new_value="iaa-report.pdf").exists()


# Red flags, weights, transitions -----------------------------------------------------------


def test_ticking_a_red_flag_raises_it_and_is_recorded(lead, vendor_a):
    evaluation = EvaluationFactory(vendor=vendor_a)
    flag = evaluation.red_flags.get(text="No tenure data")
    assert services.red_flag_set(evaluation=evaluation, red_flag=flag, evaluator=lead, ticked=True)
    assert not services.red_flag_set(evaluation=evaluation, red_flag=flag, evaluator=lead, ticked=True)
    assert [f.flag.text for f in summary_of(evaluation, lead).raised_flags] == ["No tenure data"]
    services.red_flag_set(evaluation=evaluation, red_flag=flag, evaluator=lead, ticked=False)
    assert summary_of(evaluation, lead).raised_flags == []
    assert evaluation.changes.filter(kind=ChangeKind.RED_FLAG).count() == 2


def test_certifications_suggest_red_flags_on_open_evaluations(lead, vendor_a):
    CertificationFactory(vendor=vendor_a, kind="soc2_type1")
    evaluation = EvaluationFactory(vendor=vendor_a)
    summary = selectors.evaluation_summary(evaluation=evaluation, with_evidence=True)
    suggested = {f.flag.rule: f.suggested for f in summary.suggested_flags}
    assert set(suggested) == {"soc2_type1_only", "no_dpa"}
    assert "Type I" in suggested["soc2_type1_only"][0]


def test_evaluation_weights_can_change_while_draft_and_must_add_up_to_100(lead, vendor_a):
    evaluation = EvaluationFactory(vendor=vendor_a)
    workforce, security = evaluation.dimensions.all()
    with pytest.raises(DomainError, match="add up to 110"):
        services.evaluation_weights_update(evaluation=evaluation, user=lead, weights={workforce.pk: Decimal(70)})
    services.evaluation_weights_update(
        evaluation=evaluation, user=lead, weights={workforce.pk: Decimal(30), security.pk: Decimal(70)}
    )
    assert [d.weight for d in evaluation.dimensions.all()] == [30, 70]
    assert evaluation.changes.filter(kind=ChangeKind.WEIGHT).count() == 2


def test_submit_needs_every_evaluator_to_score_every_criterion(lead, second_lead, vendor_a):
    evaluation = EvaluationFactory(vendor=vendor_a)
    with pytest.raises(DomainError, match="No criterion has been scored yet"):
        services.evaluation_submit(evaluation=evaluation, user=lead)
    score_all(evaluation, lead, value=4)
    services.score_record(evaluation=evaluation, criterion=criteria_of(evaluation)[0], evaluator=second_lead, value=3)
    with pytest.raises(DomainError, match="nadia has scored 1 of 5 criteria"):
        services.evaluation_submit(evaluation=evaluation, user=lead)
    score_all(evaluation, second_lead, value=3)
    services.evaluation_submit(evaluation=evaluation, user=lead)
    assert evaluation.status == EvaluationStatus.SUBMITTED and evaluation.submitted_at


def test_draft_submitted_final_and_nothing_changes_after_final(lead, vendor_a):
    evaluation = EvaluationFactory(vendor=vendor_a)
    score_all(evaluation, lead, value=4)
    with pytest.raises(DomainError, match="Only a submitted evaluation can become final"):
        services.evaluation_finalize(evaluation=evaluation, user=lead)
    services.evaluation_submit(evaluation=evaluation, user=lead)
    services.score_record(evaluation=evaluation, criterion=criteria_of(evaluation)[0], evaluator=lead, value=5)
    services.evaluation_finalize(evaluation=evaluation, user=lead)
    assert (evaluation.status, evaluation.finalized_by) == (EvaluationStatus.FINAL, lead)
    with pytest.raises(DomainError, match="final"):
        services.score_record(evaluation=evaluation, criterion=criteria_of(evaluation)[0], evaluator=lead, value=1)
    with pytest.raises(DomainError, match="final"):
        services.red_flag_set(evaluation=evaluation, red_flag=evaluation.red_flags.first(), evaluator=lead, ticked=True)
    statuses = evaluation.changes.filter(kind=ChangeKind.STATUS).order_by("pk")
    assert [(c.old_value, c.new_value) for c in statuses] == [
        ("", "Draft"),
        ("Draft", "Submitted"),
        ("Submitted", "Final"),
    ]


# Certifications and security evidence ------------------------------------------------------


def test_certification_fields_are_required_by_kind(lead, vendor_a):
    with pytest.raises(ValidationError) as error:
        services.certification_create(vendor=vendor_a, user=lead, kind="iso27001")
    assert set(error.value.message_dict) >= {"last_audit_on", "expires_on"}
    with pytest.raises(ValidationError) as error:
        services.certification_create(vendor=vendor_a, user=lead, kind="soc2_type2")
    assert "audit_period_end" in error.value.message_dict


def test_certification_changes_are_recorded_and_shown_on_the_vendors_evaluations(lead, vendor_a):
    evaluation = EvaluationFactory(vendor=vendor_a)
    today = timezone.localdate()
    cert = services.certification_create(
        vendor=vendor_a, user=lead, kind="iso27001", last_audit_on=today, expires_on=today + timedelta(days=900)
    )
    services.certification_update(certification=cert, user=lead, data={"expires_on": today - timedelta(days=1)})
    history = list(selectors.evaluation_history(evaluation=evaluation))
    update = next(c for c in history if c.subject == "ISO/IEC 27001 · expires on")
    assert (update.old_value, update.new_value) == (
        (today + timedelta(days=900)).isoformat(),
        (today - timedelta(days=1)).isoformat(),
    )
    assert any(c.kind == ChangeKind.CERTIFICATION and c.subject == "ISO/IEC 27001" for c in history)


def test_security_profile_changes_are_recorded(lead, vendor_a):
    services.security_profile_update(vendor=vendor_a, user=lead, data={"dpa_signed": True, "subprocessors": "AWS"})
    services.security_profile_update(vendor=vendor_a, user=lead, data={"dpa_signed": True, "subprocessors": "AWS"})
    rows = ScorecardChange.objects.filter(vendor=vendor_a, kind=ChangeKind.SECURITY)
    assert {(r.subject, r.old_value, r.new_value) for r in rows} == {
        ("DPA signed", "no", "yes"),
        ("Subprocessors", "", "AWS"),
    }


def test_a_dpa_date_without_a_signed_dpa_is_refused(lead, vendor_a):
    with pytest.raises(ValidationError, match="DPA signing date"):
        services.security_profile_update(vendor=vendor_a, user=lead, data={"dpa_signed_on": timezone.localdate()})
