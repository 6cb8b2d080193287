"""Scorecard pages through Django's test client: the scoring form, summary, comparison, templates, evidence."""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import (
    CertificationFactory,
    EvaluationFactory,
    ScorecardTemplateFactory,
    VendorFactory,
    default_template,
    score_all,
)
from vendorscore.constants import Role
from vendorscore.scorecards import services
from vendorscore.scorecards.constants import EvaluationStatus
from vendorscore.scorecards.models import Score, ScorecardTemplate

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead_client(client, lead):
    client.force_login(lead)
    return client


@pytest.fixture
def evaluation(vendor_a, lead):
    return EvaluationFactory(vendor=vendor_a, created_by=lead)


def step_criteria(evaluation, step):
    return list(evaluation.dimensions.all()[step - 1].criteria.all())


# The scoring form --------------------------------------------------------------------------


def test_a_step_saves_the_scores_notes_and_ticks_then_goes_on(lead_client, evaluation, lead):
    tenure, training = step_criteria(evaluation, 1)
    flag = evaluation.red_flags.get(text="No tenure data")
    response = lead_client.post(
        f"/scorecards/{evaluation.pk}/score/1/",
        {
            f"c{tenure.pk}-value": "5",
            f"c{tenure.pk}-note": "90% permanent staff",
            f"c{training.pk}-value": "2",
            f"flag-{flag.pk}": "on",
            "go": "next",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/scorecards/{evaluation.pk}/score/2/"
    assert {(s.criterion_id, s.value, s.note) for s in Score.objects.filter(evaluator=lead)} == {
        (tenure.pk, 5, "90% permanent staff"),
        (training.pk, 2, ""),
    }
    assert flag.ticks.filter(evaluator=lead).exists()


def test_a_criterion_left_unscored_is_simply_not_saved_yet(lead_client, evaluation):
    tenure, _ = step_criteria(evaluation, 1)
    response = lead_client.post(f"/scorecards/{evaluation.pk}/score/1/", {f"c{tenure.pk}-value": "3", "go": "stay"})
    assert response["Location"] == f"/scorecards/{evaluation.pk}/score/1/"
    assert Score.objects.count() == 1
    page = lead_client.get(response["Location"]).content.decode()
    assert "Saved Workforce: 1 of 2 criteria scored." in page
    assert f'value="3" class="rating" id="id_c{tenure.pk}-value_2" checked' in page


def test_a_note_without_a_score_is_refused_and_everything_typed_is_kept(lead_client, evaluation):
    tenure, training = step_criteria(evaluation, 1)
    response = lead_client.post(
        f"/scorecards/{evaluation.pk}/score/1/",
        {
            f"c{tenure.pk}-value": "4",
            f"c{tenure.pk}-note": "kept note",
            f"c{training.pk}-note": "no score yet",
            "go": "next",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose a score to save this note or evidence." in page
    assert "kept note" in page and "no score yet" in page
    assert f'value="4" class="rating" id="id_c{tenure.pk}-value_3" checked' in page
    assert not Score.objects.exists()


def test_last_step_leads_to_the_summary(lead_client, evaluation):
    (soc2, dpa, endpoints) = step_criteria(evaluation, 2)
    data = {f"c{c.pk}-value": "3" for c in (soc2, dpa, endpoints)}
    response = lead_client.post(f"/scorecards/{evaluation.pk}/score/2/", {**data, "go": "next"})
    assert response["Location"] == f"/scorecards/{evaluation.pk}/"


def test_an_unknown_step_is_404(lead_client, evaluation):
    assert lead_client.get(f"/scorecards/{evaluation.pk}/score/9/").status_code == 404


def test_evidence_uploaded_on_the_form_is_downloadable_by_buyers_only(client, users, evaluation, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    tenure, _ = step_criteria(evaluation, 1)
    client.force_login(users[Role.PROCUREMENT_LEAD])
    client.post(
        f"/scorecards/{evaluation.pk}/score/1/",
        {f"c{tenure.pk}-value": "4", f"c{tenure.pk}-evidence": SimpleUploadedFile("hr.csv", b"staff,tenure\n")},
    )
    evidence = Score.objects.get().evidence.get()
    for role in (Role.PROCUREMENT_LEAD, Role.QA_ANALYST, Role.VIEWER):
        client.force_login(users[role])
        response = client.get(f"/scorecards/evidence/{evidence.pk}/")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"staff,tenure\n"
        assert 'filename="hr.csv"' in response["Content-Disposition"]
    client.force_login(users[Role.VENDOR])
    assert client.get(f"/scorecards/evidence/{evidence.pk}/").status_code == 403


def test_a_final_evaluation_cannot_be_scored_any_more(lead_client, evaluation, lead):
    score_all(evaluation, lead, value=3)
    services.evaluation_submit(evaluation=evaluation, user=lead)
    services.evaluation_finalize(evaluation=evaluation, user=lead)
    response = lead_client.get(f"/scorecards/{evaluation.pk}/score/1/", follow=True)
    assert response.redirect_chain[-1][0] == f"/scorecards/{evaluation.pk}/"
    assert "This evaluation is final" in response.content.decode()


# The summary -------------------------------------------------------------------------------


def test_summary_shows_total_band_flags_beside_it_calibration_and_history(lead_client, evaluation, lead, users):
    other = users[Role.PROCUREMENT_LEAD].__class__.objects.create(username="nadia", role=Role.PROCUREMENT_LEAD)
    score_all(evaluation, lead, value=4)
    score_all(evaluation, other, value=lambda c: 2 if c.name == "DPA" else 4)
    flag = evaluation.red_flags.get(text="No tenure data")
    services.red_flag_set(evaluation=evaluation, red_flag=flag, evaluator=other, ticked=True)
    page = lead_client.get(f"/scorecards/{evaluation.pk}/").content.decode()
    # Workforce 4 -> 48; Security (4 + 3 + 4) / 3 -> 29.33.
    assert re.search(r'id="total">77.33<small> / 100</small>', page)
    assert 'data-band="enterprise_grade">Enterprise-grade' in page
    total_card = page[page.index('data-testid="total-card"') : page.index("Dimension scores")]
    assert "No tenure data" in total_card and "ticked by nadia" in total_card
    calibration = page[page.index('id="calibration"') :]
    assert "Security › DPA" in calibration and "(spread 2)" in calibration
    assert 'id="history"' in page and "No tenure data" in page
    assert "/static/vendor/plotly-vendorscore.min.js" in page


def test_summary_of_an_empty_evaluation_says_what_is_missing(lead_client, evaluation):
    page = lead_client.get(f"/scorecards/{evaluation.pk}/").content.decode()
    assert "0 of 5 criteria have a score" in page
    assert "Nobody has scored yet." in page


def test_submit_and_finalize_buttons_move_the_status(lead_client, evaluation, lead):
    response = lead_client.post(f"/scorecards/{evaluation.pk}/submit/", follow=True)
    assert "No criterion has been scored yet." in response.content.decode()
    score_all(evaluation, lead, value=5)
    lead_client.post(f"/scorecards/{evaluation.pk}/submit/")
    lead_client.post(f"/scorecards/{evaluation.pk}/finalize/")
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.FINAL


def test_weights_page_refuses_weights_not_adding_up_to_100(lead_client, evaluation):
    workforce, security = evaluation.dimensions.all()
    response = lead_client.post(
        f"/scorecards/{evaluation.pk}/weights/", {f"weight_{workforce.pk}": "70", f"weight_{security.pk}": "20"}
    )
    assert response.status_code == 200
    assert "Weights must add up to exactly 100; these add up to 90." in response.content.decode()
    lead_client.post(
        f"/scorecards/{evaluation.pk}/weights/", {f"weight_{workforce.pk}": "70", f"weight_{security.pk}": "30"}
    )
    assert [d.weight for d in evaluation.dimensions.all()] == [70, 30]


def test_evaluation_list_shows_total_band_and_ticked_flags(lead_client, evaluation, lead):
    score_all(evaluation, lead, value=3)
    services.red_flag_set(evaluation=evaluation, red_flag=evaluation.red_flags.first(), evaluator=lead, ticked=True)
    page = lead_client.get("/scorecards/").content.decode()
    assert "<strong>60.00</strong>" in page
    assert "Viable with enhanced oversight" in page
    assert "No tenure data" in page


def test_evaluation_list_page_query_count_does_not_grow(lead_client, lead, django_assert_num_queries):
    for _ in range(5):
        evaluation = EvaluationFactory(vendor=VendorFactory())
        score_all(evaluation, lead, value=4)
        services.red_flag_set(evaluation=evaluation, red_flag=evaluation.red_flags.first(), evaluator=lead, ticked=True)
    # session, user, evaluations, dimensions, criteria, scores, their evaluators, red flags, ticks, tick users
    with django_assert_num_queries(10):
        assert lead_client.get("/scorecards/").status_code == 200


def test_new_evaluation_form_starts_scoring(lead_client, vendor_a):
    template = default_template()
    response = lead_client.post("/scorecards/new/", {"vendor": vendor_a.pk, "template": template.pk, "program": "P"})
    evaluation = vendor_a.evaluations.get()
    assert response["Location"] == f"/scorecards/{evaluation.pk}/score/1/"
    assert evaluation.template_name == template.name


# Comparison --------------------------------------------------------------------------------


def test_comparison_puts_vendors_side_by_side_with_both_charts(lead_client, lead, vendor_a, vendor_b):
    strong, weak = EvaluationFactory(vendor=vendor_a), EvaluationFactory(vendor=vendor_b)
    score_all(strong, lead, value=5)
    score_all(weak, lead, value=2)
    services.red_flag_set(evaluation=weak, red_flag=weak.red_flags.first(), evaluator=lead, ticked=True)
    page = lead_client.get("/scorecards/compare/").content.decode()
    table = page[page.index('id="comparison"') : page.index("</table>")]
    assert table.index("Vendor A") < table.index("Vendor B")
    assert 'data-vendor="Vendor A">100.00' in table and 'data-vendor="Vendor B">40.00' in table
    assert "Enterprise-grade" in table and "Material delivery risk" in table and "No tenure data" in table
    radar = json.loads(re.search(r'id="radar-data" type="application/json">(.*?)</script>', page, re.S).group(1))
    bars = json.loads(re.search(r'id="bars-data" type="application/json">(.*?)</script>', page, re.S).group(1))
    assert [t["name"] for t in radar["data"]] == ["Vendor A", "Vendor B"]
    assert [t["name"] for t in bars["data"] if t["type"] == "bar"] == ["Workforce", "Security"]
    assert '<script src="/static/vendor/plotly-vendorscore.min.js">' in page
    assert "cdn" not in page.lower()


def test_comparison_prefers_a_final_evaluation_and_skips_incomplete_ones(lead_client, lead, vendor_a, vendor_b):
    final = EvaluationFactory(vendor=vendor_a, program="Final one")
    score_all(final, lead, value=4)
    services.evaluation_submit(evaluation=final, user=lead)
    services.evaluation_finalize(evaluation=final, user=lead)
    newer_draft = EvaluationFactory(vendor=vendor_a, program="Newer draft")
    score_all(newer_draft, lead, value=1)
    EvaluationFactory(vendor=vendor_b)
    page = lead_client.get(f"/scorecards/compare/?vendor={vendor_a.pk}&vendor={vendor_b.pk}").content.decode()
    assert f'href="/scorecards/{final.pk}/"' in page and f'href="/scorecards/{newer_draft.pk}/"' not in page
    assert "Vendor B: no evaluation with a score for every criterion yet" in page


def test_comparison_without_complete_evaluations_shows_an_empty_state(lead_client):
    page = lead_client.get("/scorecards/compare/").content.decode()
    assert "Nothing to compare yet." in page and "plotly-vendorscore.min.js" not in page


def test_plotly_is_served_from_static(client):
    from django.contrib.staticfiles import finders

    assert finders.find("vendor/plotly-vendorscore.min.js")
    assert finders.find("js/charts.js")


# Templates and certifications --------------------------------------------------------------


def test_template_copy_page_refuses_weights_not_adding_up_to_100(lead_client):
    source = default_template()
    data = {"name": "Copy"} | {f"weight_{d.pk}": "10" for d in source.dimensions.all()}
    response = lead_client.post(f"/scorecards/templates/{source.pk}/copy/", data)
    assert "Weights must add up to exactly 100; these add up to 50." in response.content.decode()
    assert not ScorecardTemplate.objects.filter(name="Copy").exists()


def test_template_copy_page_creates_the_copy(lead_client):
    source = default_template()
    weights = dict(zip([d.pk for d in source.dimensions.all()], ("30", "30", "20", "10", "10"), strict=True))
    response = lead_client.post(
        f"/scorecards/templates/{source.pk}/copy/", {"name": "Secure"} | {f"weight_{k}": v for k, v in weights.items()}
    )
    copy = ScorecardTemplate.objects.get(name="Secure")
    assert response["Location"] == f"/scorecards/templates/{copy.pk}/"
    assert [int(d.weight) for d in copy.dimensions.all()] == [30, 30, 20, 10, 10]


def test_the_default_template_cannot_be_edited_from_the_page(lead_client):
    source = default_template()
    response = lead_client.get(f"/scorecards/templates/{source.pk}/edit/", follow=True)
    assert "The default framework is read-only" in response.content.decode()


def test_template_edit_page_renames_a_criterion_and_adds_one(lead_client):
    template = ScorecardTemplateFactory()
    form = lead_client.get(f"/scorecards/templates/{template.pk}/edit/").context["form"]
    data = {name: field.initial for name, field in form.fields.items() if field.initial not in (None, False)}
    tenure = template.dimensions.first().criteria.get(name="Tenure")
    security = template.dimensions.last()
    data |= {f"c{tenure.pk}-name": "Annotator tenure", f"new{security.pk}-name": "Air gap"}
    data = {k: str(v) for k, v in data.items()}
    response = lead_client.post(f"/scorecards/templates/{template.pk}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    tenure.refresh_from_db()
    assert tenure.name == "Annotator tenure"
    assert security.criteria.filter(name="Air gap").exists()


def test_certification_form_shows_the_missing_iso_dates_beside_their_fields(lead_client, vendor_a):
    response = lead_client.post(f"/vendors/{vendor_a.pk}/certifications/new/", {"kind": "iso27001"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["expires_on"] == ["An ISO 27001 certificate needs its expiry date."]
    assert "last_audit_on" in form.errors


def test_security_page_lists_certifications_and_the_flags_they_raise(lead_client, vendor_a):
    CertificationFactory(vendor=vendor_a, kind="soc2_type1")
    page = lead_client.get(f"/vendors/{vendor_a.pk}/security/").content.decode()
    assert "Only a SOC 2 Type I report is on file" in page
    assert "No signed data processing agreement on file." in page
    assert "SOC 2 Type I" in page
