"""Every scorecard page and API endpoint against every role (NetBox-style: data, not code).

Buyers (procurement leads, QA analysts, viewers) read; only leads write, because DESIGN.md
says analysts "must never edit contracts or scores". Vendor users get 403 everywhere
here, even for their own vendor's evaluation: scorecards are the buyer's internal view.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import EvaluationFactory, ScorecardTemplateFactory, score_all
from vendorscore.constants import Role
from vendorscore.scorecards import selectors, services

LEAD = {Role.PROCUREMENT_LEAD}
BUYERS = {Role.PROCUREMENT_LEAD, Role.QA_ANALYST, Role.VIEWER}
CERTIFICATION_FORM = {"kind": "soc2_type2", "audit_period_end": "2025-03-31"}
SECURITY_FORM = {"dpa_signed": "on", "subprocessors": "AWS"}
WEIGHTS_FORM = {"weight_{dimension1}": "50", "weight_{dimension2}": "50"}

# (method, url template, roles allowed, form or JSON data)
PAGES = [
    ("get", "/scorecards/", BUYERS, None),
    ("get", "/scorecards/compare/", BUYERS, None),
    ("get", "/scorecards/new/", LEAD, None),
    ("post", "/scorecards/new/", LEAD, {"vendor": "{own}", "template": "{template}"}),
    ("get", "/scorecards/{evaluation}/", BUYERS, None),
    ("get", "/scorecards/{evaluation}/score/1/", LEAD, None),
    ("post", "/scorecards/{evaluation}/score/1/", LEAD, {"c{criterion}-value": "4", "go": "next"}),
    ("get", "/scorecards/{evaluation}/weights/", LEAD, None),
    ("post", "/scorecards/{evaluation}/weights/", LEAD, WEIGHTS_FORM),
    ("post", "/scorecards/{evaluation}/submit/", LEAD, {}),
    ("post", "/scorecards/{submitted}/finalize/", LEAD, {}),
    ("get", "/scorecards/evidence/{evidence}/", BUYERS, None),
    ("get", "/scorecards/templates/", BUYERS, None),
    ("get", "/scorecards/templates/{template}/", BUYERS, None),
    ("get", "/scorecards/templates/{template}/copy/", LEAD, None),
    (
        "post",
        "/scorecards/templates/{template}/copy/",
        LEAD,
        {"name": "Copy", "weight_{tdimension1}": "60", "weight_{tdimension2}": "40"},
    ),
    ("get", "/scorecards/templates/{template}/edit/", LEAD, None),
    ("get", "/vendors/{own}/security/", BUYERS, None),
    ("get", "/vendors/{own}/security/edit/", LEAD, None),
    ("post", "/vendors/{own}/security/edit/", LEAD, SECURITY_FORM),
    ("get", "/vendors/{own}/certifications/new/", LEAD, None),
    ("post", "/vendors/{own}/certifications/new/", LEAD, CERTIFICATION_FORM),
    ("get", "/vendors/{own}/certifications/{certification}/edit/", LEAD, None),
    ("post", "/vendors/{own}/certifications/{certification}/edit/", LEAD, CERTIFICATION_FORM),
    ("get", "/certifications/{certification}/evidence/", BUYERS, None),
]
API = [
    ("get", "/api/v1/scorecard-templates/", BUYERS, None),
    ("get", "/api/v1/scorecard-templates/{template}/", BUYERS, None),
    (
        "post",
        "/api/v1/scorecard-templates/",
        LEAD,
        {"name": "Posted", "dimensions": [{"name": "All", "weight": 100, "criteria": [{"name": "One"}]}]},
    ),
    ("post", "/api/v1/scorecard-templates/{template}/copy/", LEAD, {"name": "API copy"}),
    ("get", "/api/v1/evaluations/", BUYERS, None),
    ("get", "/api/v1/evaluations/{evaluation}/", BUYERS, None),
    ("post", "/api/v1/evaluations/", LEAD, {"vendor": "{own}", "template": "{template}"}),
    ("post", "/api/v1/evaluations/{evaluation}/scores/", LEAD, {"criterion": "{criterion}", "value": 4, "note": ""}),
    ("post", "/api/v1/evaluations/{evaluation}/red-flags/", LEAD, {"red_flag": "{flag}", "ticked": True}),
    ("post", "/api/v1/evaluations/{evaluation}/submit/", LEAD, None),
    ("post", "/api/v1/evaluations/{submitted}/finalize/", LEAD, None),
    ("get", "/api/v1/evaluations/{evaluation}/evidence/{evidence}/", BUYERS, None),
    ("get", "/api/v1/certifications/", BUYERS, None),
    ("get", "/api/v1/certifications/{certification}/", BUYERS, None),
    ("post", "/api/v1/certifications/", LEAD, {"vendor": "{own}", **CERTIFICATION_FORM}),
    ("patch", "/api/v1/certifications/{certification}/", LEAD, {"auditor": "Moss & Vale"}),
]


@pytest.fixture
def ids(users, vendor_a, settings, tmp_path):
    """One of everything, all of the vendor user's own vendor: even that they may not see."""
    settings.MEDIA_ROOT = tmp_path
    lead = users[Role.PROCUREMENT_LEAD]
    template = ScorecardTemplateFactory()
    evaluation = EvaluationFactory(vendor=vendor_a, template=template)
    score_all(evaluation, lead, value=4)
    criterion = evaluation.dimensions.first().criteria.first()
    evidence = SimpleUploadedFile("proof.pdf", b"%PDF")
    score, _ = services.score_record(
        evaluation=evaluation, criterion=criterion, evaluator=lead, value=4, evidence=[evidence]
    )
    submitted = EvaluationFactory(vendor=vendor_a, template=template)
    score_all(submitted, lead, value=3)
    services.evaluation_submit(evaluation=submitted, user=lead)
    certification = services.certification_create(
        vendor=vendor_a, user=lead, evidence=SimpleUploadedFile("soc2.pdf", b"%PDF"), **CERTIFICATION_FORM
    )
    dimensions = list(evaluation.dimensions.all())
    template_dimensions = list(template.dimensions.all())
    return {
        "own": vendor_a.pk,
        "template": template.pk,
        "evaluation": evaluation.pk,
        "submitted": submitted.pk,
        "criterion": criterion.pk,
        "flag": evaluation.red_flags.first().pk,
        "evidence": score.evidence.get().pk,
        "certification": certification.pk,
        "dimension1": dimensions[0].pk,
        "dimension2": dimensions[1].pk,
        "tdimension1": template_dimensions[0].pk,
        "tdimension2": template_dimensions[1].pk,
    }


def _fill(value, ids):
    """Put the fixture's ids into a URL or payload template (keys and values alike)."""
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {_fill(k, ids): _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


@pytest.mark.parametrize("method,template,allowed,data", PAGES)
@pytest.mark.parametrize("role", Role.values)
def test_page_access_by_role(client, users, ids, role, method, template, allowed, data):
    client.force_login(users[role])
    response = getattr(client, method)(_fill(template, ids), data=_fill(data, ids))
    if role in allowed:
        assert response.status_code in (200, 302), response.content[:500]
        if response.status_code == 302:
            assert not response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("method,template,allowed,data", PAGES)
def test_anonymous_scorecard_pages_redirect_to_login(client, ids, method, template, allowed, data):
    response = getattr(client, method)(_fill(template, ids), data=_fill(data, ids))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("method,template,allowed,data", API)
@pytest.mark.parametrize("role", Role.values)
def test_api_access_by_role(api_client_for, users, ids, role, method, template, allowed, data):
    client = api_client_for(users[role])
    response = getattr(client, method)(_fill(template, ids), data=_fill(data, ids), format="json")
    if role in allowed:
        assert response.status_code in (200, 201), response.content[:500]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("method,template,allowed,data", API)
def test_anonymous_scorecard_api_requests_get_401(api_client_for, ids, method, template, allowed, data):
    response = getattr(api_client_for(None), method)(_fill(template, ids), data=_fill(data, ids), format="json")
    assert response.status_code == 401


def test_a_refused_write_changes_nothing(api_client_for, client, users, ids):
    before = selectors.evaluation_summary(
        evaluation=selectors.evaluation_get(user=users[Role.PROCUREMENT_LEAD], pk=ids["evaluation"])
    ).total
    for role in (Role.QA_ANALYST, Role.VIEWER, Role.VENDOR):
        api_client_for(users[role]).post(
            f"/api/v1/evaluations/{ids['evaluation']}/scores/", {"criterion": ids["criterion"], "value": 1}
        )
        client.force_login(users[role])
        client.post(f"/scorecards/{ids['evaluation']}/score/1/", {f"c{ids['criterion']}-value": "1"})
    after = selectors.evaluation_summary(
        evaluation=selectors.evaluation_get(user=users[Role.PROCUREMENT_LEAD], pk=ids["evaluation"])
    ).total
    assert before == after


def test_vendor_users_see_no_scorecard_anywhere(client, users, ids, vendor_a):
    client.force_login(users[Role.VENDOR])
    for path in ("/", f"/vendors/{vendor_a.pk}/", "/vendors/"):
        page = client.get(path).content.decode()
        assert "Scorecards" not in page, path
        assert "Test program" not in page, path
        assert "Security evidence" not in page, path
        assert "/scorecards/" not in page, path


def test_buyers_see_the_scorecard_panel_on_the_vendor_page(client, users, ids, vendor_a):
    for role in BUYERS:
        client.force_login(users[role])
        page = client.get(f"/vendors/{vendor_a.pk}/").content.decode()
        assert 'id="vendor-scorecards"' in page and "Test program" in page, role
        assert ("New evaluation" in page) is (role == Role.PROCUREMENT_LEAD), role


def test_selectors_return_nothing_for_vendor_users(users, ids):
    vendor_user = users[Role.VENDOR]
    assert not selectors.evaluation_list(user=vendor_user).exists()
    assert not selectors.template_list(user=vendor_user).exists()
    assert not selectors.certification_list(user=vendor_user).exists()
    assert selectors.evaluation_list(user=users[Role.VIEWER]).count() == 2


def test_only_leads_see_the_write_buttons(client, users, ids):
    for role, expected in ((Role.PROCUREMENT_LEAD, True), (Role.QA_ANALYST, False), (Role.VIEWER, False)):
        client.force_login(users[role])
        assert ("New evaluation" in client.get("/scorecards/").content.decode()) is expected, role
        assert ("Continue scoring" in client.get(f"/scorecards/{ids['evaluation']}/").content.decode()) is expected
