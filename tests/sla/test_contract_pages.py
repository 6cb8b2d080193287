"""Contract, terms and task type pages: validation that explains itself, templates, corrections."""

import pytest

from sla.models import Batch, CheckRun, ContractTerms, InspectionState, TaskType
from tests.factories import DeliveredBatchFactory
from vendorscore.constants import Role

VALID_TERMS = {
    "task_type": "",
    "effective_from": "2026-06-01",
    "accuracy_metric": "accuracy",
    "accuracy_scope": "batch",
    "iaa_coefficient": "cohen_kappa",
    "decision_rule": "point",
}


@pytest.fixture
def terms_data(sentiment):
    return {**VALID_TERMS, "task_type": sentiment.pk}


@pytest.mark.parametrize(
    "fields,field,message",
    [
        ({"accuracy_floor": "1.5"}, "accuracy_floor", "A share between 0 and 1: 0.95 means 95%. Enter at most 1."),
        ({"overlap_min": "0.2", "overlap_max": "0.1"}, "overlap_min", "The overlap minimum (0.2) is above the maximum"),
        (
            {"iaa_min": "0.8", "iaa_fail_below": "0.85"},
            "iaa_fail_below",
            "The fail threshold (0.85) is above the target (0.8); a batch would fail while meeting the target.",
        ),
        ({"safety_critical_labels": "urgent"}, "safety_critical_labels", "Not in the label set of sentiment: urgent."),
    ],
)
def test_terms_form_explains_what_is_wrong(client, lead, contract_a, terms_data, fields, field, message):
    client.force_login(lead)
    response = client.post(f"/contracts/{contract_a.pk}/terms/new/", {**terms_data, **fields})
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert contract_a.terms.count() == 1


@pytest.mark.parametrize(
    "fields,field,message",
    [
        ({"safety_critical_labels": ["no-such-label"]}, "safety_critical_labels", "Not in the label set of sentiment"),
        ({"safety_critical_labels": "negative"}, "safety_critical_labels", "Expected a list of items"),
        ({"overlap_min": 0.2, "overlap_max": 0.1}, "overlap_min", "The overlap minimum (0.2) is above the maximum"),
        ({"iaa_min": 0.8, "iaa_fail_below": 0.85}, "iaa_fail_below", "The fail threshold (0.85) is above the target"),
    ],
)
def test_terms_api_refuses_what_the_form_refuses_naming_the_field(
    api_client_for, lead, contract_a, sentiment, fields, field, message
):
    response = api_client_for(lead).post(
        f"/api/v1/contracts/{contract_a.pk}/terms/",
        {"task_type": sentiment.name, "effective_from": "2026-06-01", **fields},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert message in response.json()[field][0]
    assert contract_a.terms.count() == 1


def test_terms_api_stores_safety_critical_labels_of_the_task_type(api_client_for, lead, contract_a, sentiment):
    response = api_client_for(lead).post(
        f"/api/v1/contracts/{contract_a.pk}/terms/",
        {"task_type": sentiment.name, "effective_from": "2026-06-01", "safety_critical_labels": ["negative"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert contract_a.terms.get(pk=response.json()["id"]).safety_critical_labels == ["negative"]


def test_services_refuse_terms_naming_labels_outside_the_task_type(contract_a, sentiment, lead):
    from django.core.exceptions import ValidationError

    from sla import services

    with pytest.raises(ValidationError) as refused:
        services.terms_create(
            contract=contract_a, task_type=sentiment, effective_from="2026-06-01", safety_critical_labels=["urgent"]
        )
    assert refused.value.message_dict == {"safety_critical_labels": ["Not in the label set of sentiment: urgent."]}
    terms = contract_a.terms.get()
    with pytest.raises(ValidationError) as refused:
        services.terms_correct(terms=terms, data={"iaa_min": 0.5, "iaa_fail_below": 0.6}, user=lead)
    assert list(refused.value.message_dict) == ["iaa_fail_below"]


def test_terms_template_prefills_the_framework_defaults(client, lead, contract_a):
    client.force_login(lead)
    form = client.get(f"/contracts/{contract_a.pk}/terms/new/?template=sentiment").context["form"]
    assert (form.initial["iaa_min"], form.initial["iaa_fail_below"], form.initial["accuracy_floor"]) == (
        0.8,
        0.78,
        0.99,
    )
    assert (form.initial["overlap_min"], form.initial["overlap_max"], form.initial["defect_rate_max"]) == (
        0.05,
        0.15,
        0.01,
    )


def test_a_new_terms_version_is_added(client, lead, contract_a, terms_data):
    client.force_login(lead)
    response = client.post(f"/contracts/{contract_a.pk}/terms/new/", {**terms_data, "accuracy_floor": "0.97"})
    assert response.status_code == 302
    assert contract_a.terms.order_by("-effective_from").first().accuracy_floor == 0.97


def test_the_same_version_date_twice_is_refused_with_a_message(client, lead, contract_a, terms_data):
    client.force_login(lead)
    existing = contract_a.terms.get()
    response = client.post(
        f"/contracts/{contract_a.pk}/terms/new/", {**terms_data, "effective_from": existing.effective_from.isoformat()}
    )
    assert "These terms already have a version effective from that date." in response.content.decode()


def test_correcting_terms_rechecks_the_batches_and_keeps_history(
    client, lead, contract_a, sentiment, delivery, django_capture_on_commit_callbacks
):
    batch = DeliveredBatchFactory(contract=contract_a, rows=delivery.annotations, user=lead)
    terms = contract_a.terms.get()
    client.force_login(lead)
    data = {
        field: getattr(terms, field)
        for field in ("effective_from", "accuracy_metric", "accuracy_scope", "iaa_coefficient", "decision_rule")
    }
    data.update(task_type=sentiment.pk, overlap_min="0.6", overlap_max="0.7")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/contracts/{contract_a.pk}/terms/{terms.pk}/edit/", data)
    assert response.status_code == 302
    runs = CheckRun.objects.filter(batch=batch).order_by("id")
    assert runs.count() == 2
    assert runs.last().verdict == "rejected" and runs.last().is_current
    assert "corrected by lead" in runs.last().reason
    assert ContractTerms.objects.get(pk=terms.pk).overlap_min == 0.6


def test_task_type_page_adds_a_task_type_with_ordered_labels(client, lead):
    client.force_login(lead)
    response = client.post(
        "/task-types/",
        {"name": "severity", "scale": "ordinal", "complexity": "complex", "labels": "none\nmild\n\nsevere\n"},
    )
    assert response.status_code == 302
    assert TaskType.objects.get(name="severity").labels == ["none", "mild", "severe"]


def test_task_type_with_repeated_label_is_refused(client, lead):
    client.force_login(lead)
    response = client.post(
        "/task-types/", {"name": "x", "scale": "nominal", "complexity": "simple", "labels": "a\nb\na"}
    )
    assert "Each label may appear once." in response.content.decode()


@pytest.mark.parametrize(
    "path,allowed",
    [
        ("/contracts/new/", {Role.PROCUREMENT_LEAD}),
        ("/contracts/{c}/terms/new/", {Role.PROCUREMENT_LEAD}),
        ("/contracts/{c}/terms/{t}/edit/", {Role.PROCUREMENT_LEAD}),
        ("/task-types/", {Role.PROCUREMENT_LEAD, Role.QA_ANALYST, Role.VIEWER}),
    ],
)
@pytest.mark.parametrize("role", Role.values)
def test_contract_editing_pages_by_role(client, users, contract_a, role, path, allowed):
    client.force_login(users[role])
    url = path.format(c=contract_a.pk, t=contract_a.terms.get().pk)
    assert client.get(url).status_code == (200 if role in allowed else 403)


def test_only_leads_may_post_task_types(client, users):
    client.force_login(users[Role.QA_ANALYST])
    assert client.post("/task-types/", {"name": "x", "labels": "a"}).status_code == 403


def test_contract_page_draws_trend_charts(client, lead, contract_a, delivery):
    contract_a.terms.update(iaa_coefficient="fleiss_kappa")
    for seed in range(2):
        rows = delivery.annotations.assign(item_id=delivery.annotations["item_id"] + f"-{seed}")
        DeliveredBatchFactory(contract=contract_a, rows=rows, filename=f"{seed}.csv", user=lead)
    client.force_login(lead)
    page = client.get(f"/contracts/{contract_a.pk}/").content.decode()
    assert 'data-plotly="data-iaa-' in page
    assert "/static/vendor/plotly-vendorscore.min.js" in page
    assert "//cdn" not in page.lower()

    # The trends' figures are kept in the cache by their content: a changed measure is drawn anew.
    Batch.objects.filter(contract=contract_a).update(fleiss_kappa=0.123456)
    again = client.get(f"/contracts/{contract_a.pk}/").content.decode()
    assert "0.123456" in again and "0.123456" not in page


def test_contract_page_shows_where_each_task_type_stands_in_the_switching_rules(client, lead, contract_a, sentiment):
    InspectionState.objects.create(
        contract=contract_a, task_type=sentiment, inspection="normal", results=[True, False, True], switching_score=12
    )
    client.force_login(lead)
    page = client.get(f"/contracts/{contract_a.pk}/").content.decode()
    assert "QA review inspection (ISO 2859-1)" in page
    assert "12 of 30 for reduced" in page and "accepted, <strong>not accepted</strong>, accepted" in page
