"""The scorecard API of API.md: templates, evaluations, scores, transitions, certifications."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.factories import (
    CertificationFactory,
    EvaluationFactory,
    ScorecardTemplateFactory,
    VendorFactory,
    default_template,
    score_all,
)
from vendorscore.scorecards import services
from vendorscore.scorecards.constants import EvaluationStatus
from vendorscore.scorecards.models import Evaluation, ScorecardTemplate

TEMPLATE_PAYLOAD = {
    "name": "Medical NER program",
    "description": "Heavier on quality.",
    "dimensions": [
        {
            "name": "Quality SLA",
            "weight": 55,
            "questions": ["Which kappa on complex tasks?"],
            "criteria": [{"name": "IAA scores", "kpi": "kappa >= 0.80"}, {"name": "Defect rate"}],
            "red_flags": [{"text": "No IAA tracking by task type"}],
        },
        {"name": "Security", "weight": 45, "criteria": [{"name": "SOC 2 Type II"}]},
    ],
}


@pytest.fixture
def lead_api(api_client_for, lead):
    return api_client_for(lead)


@pytest.fixture
def evaluation(vendor_a, lead):
    return EvaluationFactory(vendor=vendor_a, created_by=lead)


def criteria_ids(evaluation):
    return [c.pk for d in evaluation.dimensions.prefetch_related("criteria") for c in d.criteria.all()]


# Templates ---------------------------------------------------------------------------------


def test_templates_list_the_default_framework_with_numeric_weights(lead_api):
    default_template()
    body = lead_api.get("/api/v1/scorecard-templates/").json()
    default = next(t for t in body["results"] if t["is_default"])
    assert [(d["name"], d["weight"]) for d in default["dimensions"]] == [
        ("Workforce model", 25),
        ("Security & compliance", 20),
        ("Quality SLA", 25),
        ("AI-assisted throughput", 15),
        ("Commercial flexibility", 15),
    ]
    quality = default["dimensions"][2]
    assert quality["criteria"][0] == {
        "id": quality["criteria"][0]["id"],
        "name": "IAA scores",
        "kpi": "Cohen's kappa >= 0.80 on complex tasks",
        "guidance": quality["criteria"][0]["guidance"],
    }
    assert {"text": "No IAA tracking by task type", "rule": ""} in [
        {k: f[k] for k in ("text", "rule")} for f in quality["red_flags"]
    ]


def test_lead_creates_a_template_with_dimensions_and_criteria(lead_api):
    response = lead_api.post("/api/v1/scorecard-templates/", TEMPLATE_PAYLOAD, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [(d["name"], d["weight"], len(d["criteria"])) for d in body["dimensions"]] == [
        ("Quality SLA", 55, 2),
        ("Security", 45, 1),
    ]
    assert body["dimensions"][0]["questions"] == ["Which kappa on complex tasks?"]
    assert ScorecardTemplate.objects.filter(name="Medical NER program").exists()


@pytest.mark.parametrize(
    "change,field,message",
    [
        (
            {"dimensions": [{**TEMPLATE_PAYLOAD["dimensions"][0], "weight": 50}, TEMPLATE_PAYLOAD["dimensions"][1]]},
            "dimensions",
            "Weights must add up to exactly 100; these add up to 95.",
        ),
        ({"dimensions": []}, "dimensions", None),
        ({"dimensions": [{"name": "Only", "weight": 100, "criteria": []}]}, "dimensions", None),
        ({"dimensions": [{"name": "Only", "weight": 120, "criteria": [{"name": "x"}]}]}, "dimensions", None),
        ({"name": ""}, "name", None),
    ],
)
def test_invalid_templates_are_answered_400_with_a_field_error(lead_api, change, field, message):
    response = lead_api.post("/api/v1/scorecard-templates/", {**TEMPLATE_PAYLOAD, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    if message:
        assert response.json()[field] == [message]
    assert not ScorecardTemplate.objects.filter(name="Medical NER program").exists()


def test_copy_adapts_weights_by_dimension_name(lead_api):
    source = default_template()
    weights = {"Security & compliance": 35, "AI-assisted throughput": 5, "Commercial flexibility": 10}
    response = lead_api.post(
        f"/api/v1/scorecard-templates/{source.pk}/copy/", {"name": "Secure", "weights": weights}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert [d["weight"] for d in response.json()["dimensions"]] == [25, 35, 25, 5, 10]
    bad = lead_api.post(
        f"/api/v1/scorecard-templates/{source.pk}/copy/", {"name": "Bad", "weights": {"Nope": 1}}, format="json"
    )
    assert bad.status_code == 400 and "weights" in bad.json()
    off = lead_api.post(
        f"/api/v1/scorecard-templates/{source.pk}/copy/",
        {"name": "Off", "weights": {"Workforce model": 30}},
        format="json",
    )
    assert off.json() == {"dimensions": ["Weights must add up to exactly 100; these add up to 105."]}


# Evaluations -------------------------------------------------------------------------------


def test_lead_starts_an_evaluation_and_it_is_not_complete_yet(lead_api, vendor_a):
    template = ScorecardTemplateFactory()
    response = lead_api.post(
        "/api/v1/evaluations/", {"vendor": vendor_a.pk, "template": template.pk, "program": "RFP"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["vendor"], body["template"], body["status"], body["total"], body["band"]) == (
        vendor_a.pk,
        template.pk,
        "draft",
        None,
        None,
    )
    assert [(d["name"], d["weight"], d["score"], d["points"]) for d in body["dimensions"]] == [
        ("Workforce", 60, None, None),
        ("Security", 40, None, None),
    ]


@pytest.mark.parametrize("payload,field", [({"template": 1}, "vendor"), ({"vendor": 999999, "template": 1}, "vendor")])
def test_invalid_evaluation_requests_are_answered_400(lead_api, payload, field):
    response = lead_api.post("/api/v1/evaluations/", payload, format="json")
    assert response.status_code == 400 and field in response.json()


def test_posting_a_score_creates_then_changes_the_callers_own_score(lead_api, evaluation, lead):
    criterion = criteria_ids(evaluation)[0]
    url = f"/api/v1/evaluations/{evaluation.pk}/scores/"
    created = lead_api.post(url, {"criterion": criterion, "value": 3, "note": "first look"}, format="json")
    assert created.status_code == 201, created.json()
    assert {k: created.json()[k] for k in ("criterion", "evaluator", "value", "note")} == {
        "criterion": criterion,
        "evaluator": "lead",
        "value": 3,
        "note": "first look",
    }
    changed = lead_api.post(url, {"criterion": criterion, "value": 4}, format="json")
    assert changed.status_code == 200 and changed.json()["value"] == 4


@pytest.mark.parametrize("value", [0, 6, "high", None, 2.5])
def test_a_score_outside_1_to_5_is_answered_400(lead_api, evaluation, value):
    response = lead_api.post(
        f"/api/v1/evaluations/{evaluation.pk}/scores/",
        {"criterion": criteria_ids(evaluation)[0], "value": value},
        format="json",
    )
    assert response.status_code == 400
    assert "value" in response.json()


def test_a_criterion_of_another_evaluation_is_answered_400(lead_api, evaluation, vendor_b):
    other = EvaluationFactory(vendor=vendor_b)
    response = lead_api.post(
        f"/api/v1/evaluations/{evaluation.pk}/scores/", {"criterion": criteria_ids(other)[0], "value": 3}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "criterion": [f"Criterion {criteria_ids(other)[0]} is not part of evaluation {evaluation.pk}."]
    }


def test_a_score_can_carry_an_evidence_file(lead_api, evaluation, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("policy.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = lead_api.post(
        f"/api/v1/evaluations/{evaluation.pk}/scores/",
        {"criterion": criteria_ids(evaluation)[0], "value": 5, "evidence": upload},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    [evidence] = response.json()["evidence"]
    assert evidence["name"] == "policy.pdf"
    download = lead_api.get(evidence["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4"


def test_detail_has_total_band_dimension_points_red_flags_and_evaluators(lead_api, evaluation, lead):
    score_all(evaluation, lead, value=lambda c: 4 if c.dimension.name == "Workforce" else 3)
    flag = evaluation.red_flags.get(text="No tenure data")
    ticked = lead_api.post(
        f"/api/v1/evaluations/{evaluation.pk}/red-flags/", {"red_flag": flag.pk, "ticked": True}, format="json"
    )
    assert ticked.status_code == 200
    body = lead_api.get(f"/api/v1/evaluations/{evaluation.pk}/").json()
    # Workforce 4/5 x 60 = 48, Security 3/5 x 40 = 24.
    assert (body["total"], body["band"], body["complete"]) == (72.0, "viable_with_oversight", True)
    assert [{k: d[k] for k in ("name", "weight", "score", "points")} for d in body["dimensions"]] == [
        {"name": "Workforce", "weight": 60, "score": 4.0, "points": 48.0},
        {"name": "Security", "weight": 40, "score": 3.0, "points": 24.0},
    ]
    raised = [f for f in body["red_flags"] if f["raised"]]
    assert [(f["text"], f["ticked_by"]) for f in raised] == [("No tenure data", ["lead"])]
    assert body["evaluators"] == [{"username": "lead", "scored": 5, "of": 5}]
    listed = lead_api.get("/api/v1/evaluations/").json()["results"][0]
    assert (listed["total"], listed["band"], [f["text"] for f in listed["red_flags"]]) == (
        72.0,
        "viable_with_oversight",
        ["No tenure data"],
    )


def test_the_api_returns_the_same_total_band_and_points_as_the_page(lead_api, client, evaluation, lead):
    score_all(evaluation, lead, value=lambda c: {"Tenure": 5, "Training": 4, "SOC 2": 2}.get(c.name, 3))
    body = lead_api.get(f"/api/v1/evaluations/{evaluation.pk}/").json()
    client.force_login(lead)
    page = client.get(f"/scorecards/{evaluation.pk}/").content.decode()

    shown_total = re.search(r'id="total">([\d.]+)<', page).group(1)
    shown_band = re.search(r'id="band" data-band="(\w+)"', page).group(1)
    shown_points = re.findall(
        r'<tr class="dimension-row" data-dimension="([^"]+)">.*?data-points>([\d.]+)<', page, re.S
    )
    assert float(shown_total) == body["total"]
    assert shown_band == body["band"]
    assert [(name, float(points)) for name, points in shown_points] == [
        (d["name"], d["points"]) for d in body["dimensions"]
    ]
    # 4.5/5 x 60 + (2+3+3)/3/5 x 40 = 54 + 21.333... shown as 75.33, enterprise-grade.
    assert (body["total"], body["band"]) == (75.33, "enterprise_grade")


def test_submit_and_finalize_then_scores_are_refused(lead_api, evaluation, lead):
    base = f"/api/v1/evaluations/{evaluation.pk}"
    early = lead_api.post(f"{base}/submit/")
    assert early.status_code == 400 and "No criterion has been scored yet." in str(early.json())
    score_all(evaluation, lead, value=5)
    assert lead_api.post(f"{base}/finalize/").status_code == 400
    assert lead_api.post(f"{base}/submit/").json()["status"] == "submitted"
    final = lead_api.post(f"{base}/finalize/").json()
    assert (final["status"], final["total"], final["band"]) == ("final", 100.0, "enterprise_grade")
    refused = lead_api.post(f"{base}/scores/", {"criterion": criteria_ids(evaluation)[0], "value": 1}, format="json")
    assert refused.status_code == 400
    assert "final" in str(refused.json())
    assert Evaluation.objects.get(pk=evaluation.pk).status == EvaluationStatus.FINAL


def test_evaluations_filter_by_vendor_and_status(lead_api, vendor_a, vendor_b, lead):
    EvaluationFactory(vendor=vendor_a)
    done = EvaluationFactory(vendor=vendor_b)
    score_all(done, lead, value=3)
    lead_api.post(f"/api/v1/evaluations/{done.pk}/submit/")
    by_vendor = lead_api.get(f"/api/v1/evaluations/?vendor={vendor_b.pk}").json()["results"]
    assert [e["id"] for e in by_vendor] == [done.pk]
    by_status = lead_api.get("/api/v1/evaluations/?status=submitted").json()["results"]
    assert [e["vendor_name"] for e in by_status] == ["Vendor B"]


# Certifications ----------------------------------------------------------------------------


def test_lead_records_and_corrects_a_certification(lead_api, vendor_a):
    today = timezone.localdate()
    created = lead_api.post(
        "/api/v1/certifications/",
        {"vendor": vendor_a.pk, "kind": "soc2_type2", "audit_period_end": str(today - timedelta(days=30))},
        format="json",
    )
    assert created.status_code == 201, created.json()
    patched = lead_api.patch(
        f"/api/v1/certifications/{created.json()['id']}/", {"auditor": "Moss & Vale"}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["auditor"] == "Moss & Vale"


def test_a_soc2_report_without_its_audit_period_end_is_answered_400(lead_api, vendor_a):
    response = lead_api.post("/api/v1/certifications/", {"vendor": vendor_a.pk, "kind": "soc2_type1"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"audit_period_end": ["A SOC 2 report needs the end of its audit period."]}


# Query counts: list endpoints do not grow with rows -----------------------------------------


def test_evaluation_list_query_count_does_not_grow_with_evaluations(lead_api, lead, django_assert_num_queries):
    for _ in range(6):
        evaluation = EvaluationFactory(vendor=VendorFactory())
        score_all(evaluation, lead, value=4)
        services.red_flag_set(evaluation=evaluation, red_flag=evaluation.red_flags.first(), evaluator=lead, ticked=True)
    # token with its user, count, page, dimensions, criteria, scores, their evaluators, red flags, ticks, tick users
    with django_assert_num_queries(10):
        response = lead_api.get("/api/v1/evaluations/")
    assert response.status_code == 200 and len(response.json()["results"]) == 6


def test_template_list_query_count_does_not_grow_with_templates(lead_api, django_assert_num_queries):
    default_template()
    ScorecardTemplateFactory.create_batch(5)
    # token with its user, count, page, dimensions, criteria, red flags
    with django_assert_num_queries(6):
        response = lead_api.get("/api/v1/scorecard-templates/")
    assert response.status_code == 200 and len(response.json()["results"]) == 6


def test_certification_list_query_count_does_not_grow_with_certifications(lead_api, django_assert_num_queries):
    CertificationFactory.create_batch(8)
    with django_assert_num_queries(3):  # token with its user, count, page
        response = lead_api.get("/api/v1/certifications/")
    assert response.status_code == 200 and len(response.json()["results"]) == 8
