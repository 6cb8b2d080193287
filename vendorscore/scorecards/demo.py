"""Demo scorecards for ``make demo``: certifications, security evidence and one evaluation per demo vendor.

Idempotent: a vendor that already has certifications or an evaluation is left as it is.
Runs after the vendors app's demo (``vendorscore/demo.py``), whose vendors and logins it scores.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from vendorscore.constants import WorkforceModel
from vendorscore.models import User, Vendor
from vendorscore.scorecards import selectors as scorecard_selectors
from vendorscore.scorecards import services as scorecard_services
from vendorscore.scorecards.constants import RATING_LABELS, CertificationKind, EvaluationStatus
from vendorscore.scorecards.models import Evaluation, ScorecardTemplate

# Ratings are drawn, not typed: each evaluator's rating of a criterion is a seeded draw
# around the mean its vendor's workforce model makes plausible (dimensions in the
# framework's order), so totals differ by vendor the way they would in practice.

SCORE_PROFILES = {
    WorkforceModel.IN_HOUSE: (4.6, 4.4, 4.5, 3.6, 3.2),
    WorkforceModel.MANAGED_PLUS_GIG: (3.6, 3.9, 3.4, 3.8, 3.9),
    WorkforceModel.CROWDSOURCED: (2.2, 2.5, 2.6, 3.3, 4.3),
}
RED_FLAGS_BY_MODEL = {
    WorkforceModel.IN_HOUSE: (),
    WorkforceModel.MANAGED_PLUS_GIG: ("Same automation ratio across all task types",),
    WorkforceModel.CROWDSOURCED: ("No tenure data, or mostly short-term gig workers on complex tasks",),
}
EVALUATORS = ("lead", "nadia")
HIGH_SECURITY_TEMPLATE = "High-security program"
HIGH_SECURITY_WEIGHTS = (20, 35, 25, 10, 10)


@dataclass(frozen=True)
class DemoEvaluation:
    """How far each demo vendor's evaluation has got, and what it demonstrates."""

    vendor: str
    program: str
    status: str
    evaluators: tuple[str, ...] = EVALUATORS
    dimensions_scored: int | None = None
    calibration_on: str = ""
    high_security: bool = False


DEMO_EVALUATIONS = [
    DemoEvaluation("Northwind Annotation", "Clinical NER 2025", EvaluationStatus.FINAL),
    DemoEvaluation("Meridian Data Services", "Sentiment at scale", EvaluationStatus.FINAL),
    DemoEvaluation(
        "CrowdLabel Global", "Simple classification pilot", EvaluationStatus.SUBMITTED, calibration_on="IAA scores"
    ),
    DemoEvaluation(
        "Atlas Labeling Co.",
        "Secure document review RFP",
        EvaluationStatus.DRAFT,
        evaluators=("lead",),
        dimensions_scored=2,
        high_security=True,
    ),
]


def _demo_certifications(today: date) -> dict[str, dict]:
    """Evidence per vendor, dated relative to today so the red flags stay the same whenever the demo runs."""
    return {
        "Northwind Annotation": {
            "certifications": [
                {
                    "kind": CertificationKind.SOC2_TYPE2,
                    "audit_period_end": today - timedelta(days=120),
                    "auditor": "Moss & Vale LLP",
                },
                {
                    "kind": CertificationKind.ISO27001,
                    "last_audit_on": today - timedelta(days=150),
                    "expires_on": today + timedelta(days=700),
                    "certified_sites": "Lisbon, PT\nPorto, PT",
                    "auditor": "BSI",
                },
            ],
            "profile": {
                "dpa_signed": True,
                "dpa_signed_on": today - timedelta(days=240),
                "air_gap_option": True,
                "endpoint_controls": "Managed laptops, DLP, no local storage, screen capture blocked.",
                "subprocessors": "AWS (eu-west-1)\nGoogle Workspace",
            },
        },
        "Meridian Data Services": {
            "certifications": [
                {
                    "kind": CertificationKind.SOC2_TYPE2,
                    "audit_period_end": today - timedelta(days=210),
                    "auditor": "Keller Assurance",
                },
                {
                    "kind": CertificationKind.ISO27001,
                    "last_audit_on": today - timedelta(days=420),
                    "expires_on": today - timedelta(days=60),
                    "certified_sites": "Manila, PH",
                    "auditor": "TÜV SÜD",
                    "notes": "Renewal audit scheduled; certificate lapsed meanwhile.",
                },
            ],
            "profile": {
                "dpa_signed": True,
                "dpa_signed_on": today - timedelta(days=400),
                "endpoint_controls": "Managed desktops in delivery centres; gig workers on personal devices.",
                "subprocessors": "Azure (Southeast Asia)\nRemote Staffing Partners Inc.",
            },
        },
        "CrowdLabel Global": {
            "certifications": [
                {
                    "kind": CertificationKind.SOC2_TYPE1,
                    "audit_period_end": today - timedelta(days=90),
                    "auditor": "Rift Valley Audit",
                    "notes": "Type II audit period under way.",
                },
            ],
            "profile": {"dpa_signed": False, "endpoint_controls": "Browser-based tool; workers' own devices."},
        },
        "Atlas Labeling Co.": {
            "certifications": [
                {
                    "kind": CertificationKind.SOC2_TYPE2,
                    "audit_period_end": today - timedelta(days=450),
                    "auditor": "Nowak & Partners",
                },
            ],
            "profile": {
                "dpa_signed": True,
                "dpa_signed_on": today - timedelta(days=30),
                "subprocessors": "OVHcloud (Warsaw)",
            },
        },
    }


def demo_scorecards_ensure() -> int:
    """Certifications and one evaluation per demo vendor; returns how many evaluations exist."""
    lead = User.objects.get(username="lead")
    evidence = _demo_certifications(timezone.localdate())
    for vendor in Vendor.objects.filter(name__in=evidence):
        if not vendor.certifications.exists():
            _certifications_ensure(vendor, evidence[vendor.name], lead)
    for plan in DEMO_EVALUATIONS:
        vendor = Vendor.objects.get(name=plan.vendor)
        if not vendor.evaluations.exists():
            _evaluation_ensure(vendor, plan, lead)
    return Evaluation.objects.count()


def _certifications_ensure(vendor: Vendor, evidence: dict, lead: User) -> None:
    for fields in evidence["certifications"]:
        scorecard_services.certification_create(vendor=vendor, user=lead, **fields)
    scorecard_services.security_profile_update(vendor=vendor, user=lead, data=evidence["profile"])


def _high_security_template(lead: User) -> ScorecardTemplate:
    existing = ScorecardTemplate.objects.filter(name=HIGH_SECURITY_TEMPLATE).first()
    if existing:
        return existing
    default = scorecard_services.default_template_ensure()
    weights = dict(zip(default.dimensions.values_list("pk", flat=True), HIGH_SECURITY_WEIGHTS, strict=True))
    return scorecard_services.template_copy(template=default, name=HIGH_SECURITY_TEMPLATE, user=lead, weights=weights)


def _evaluation_ensure(vendor: Vendor, plan: DemoEvaluation, lead: User) -> None:
    template = _high_security_template(lead) if plan.high_security else scorecard_services.default_template_ensure()
    evaluation = scorecard_services.evaluation_create(vendor=vendor, template=template, user=lead, program=plan.program)
    dimensions = list(evaluation.dimensions.prefetch_related("criteria"))[: plan.dimensions_scored]
    ratings = {}
    for username in plan.evaluators:
        evaluator = User.objects.get(username=username)
        ratings[username] = _draw_ratings(vendor, evaluator, dimensions)
    if plan.calibration_on:
        _force_disagreement(ratings, plan.calibration_on)
    for username, by_criterion in ratings.items():
        evaluator = User.objects.get(username=username)
        for criterion, value in by_criterion.items():
            note = f"{RATING_LABELS[value]}. Evidence reviewed: {criterion.kpi}."
            scorecard_services.score_record(
                evaluation=evaluation, criterion=criterion, evaluator=evaluator, value=value, note=note
            )
    _demo_flags_tick(evaluation, vendor, lead)
    if plan.status != EvaluationStatus.DRAFT:
        scorecard_services.evaluation_submit(evaluation=evaluation, user=lead)
    if plan.status == EvaluationStatus.FINAL:
        scorecard_services.evaluation_finalize(evaluation=evaluation, user=lead)


def _draw_ratings(vendor: Vendor, evaluator: User, dimensions) -> dict:
    rng = random.Random(f"{vendor.name}|{evaluator.username}")
    profile = SCORE_PROFILES[vendor.workforce_model]
    return {
        criterion: min(5, max(1, round(rng.gauss(profile[index], 0.7))))
        for index, dimension in enumerate(dimensions)
        for criterion in dimension.criteria.all()
    }


def _force_disagreement(ratings: dict, criterion_name: str) -> None:
    """Move the second evaluator two points from the first on one criterion, to show a calibration flag."""
    first, second = list(ratings.values())[:2]
    criterion = next(c for c in first if c.name == criterion_name)
    second[criterion] = first[criterion] + 2 if first[criterion] <= 3 else first[criterion] - 2


def _demo_flags_tick(evaluation: Evaluation, vendor: Vendor, lead: User) -> None:
    """Confirm what the evidence suggests, plus the flags the workforce model typically earns."""
    suggested = scorecard_selectors.vendor_security(vendor=vendor).automatic_flags
    texts = RED_FLAGS_BY_MODEL[vendor.workforce_model]
    for flag in evaluation.red_flags.all():
        if flag.rule in suggested or flag.text in texts:
            scorecard_services.red_flag_set(evaluation=evaluation, red_flag=flag, evaluator=lead, ticked=True)
