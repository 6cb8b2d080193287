"""Issue 14, finding 7: bad input is answered 400 or 404, never 500 (on PostgreSQL as on SQLite)."""

import io

import pytest

from tests.factories import ContractFactory, TaskTypeFactory


@pytest.fixture
def lead_api(api_client_for, lead):
    client = api_client_for(lead)
    client.raise_request_exception = False
    return client


@pytest.fixture
def lead_browser(client, lead):
    client.force_login(lead)
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize("suffix", ["", "metrics/", "findings/"])
def test_a_batch_id_that_is_not_a_number_is_404(lead_api, suffix):
    assert lead_api.get(f"/api/v1/batches/abc/{suffix}").status_code == 404


def test_rechecking_a_batch_id_that_is_not_a_number_is_404(lead_api):
    assert lead_api.post("/api/v1/batches/abc/recheck/").status_code == 404


def test_patching_a_breach_id_that_is_not_a_number_is_404(lead_api):
    assert lead_api.patch("/api/v1/breaches/abc/", {"status": "waived"}, format="json").status_code == 404


def _upload(client, task_type):
    contract = ContractFactory()
    TaskTypeFactory()
    upload = io.BytesIO(b"item_id,annotator_id,label\n1,a,positive\n")
    upload.name = "d.csv"
    return client.post(
        "/api/v1/batches/", {"contract": contract.pk, "task_type": task_type, "file": upload}, format="multipart"
    )


def test_a_superscript_digit_as_task_type_is_400(lead_api):
    response = _upload(lead_api, "²")
    assert response.status_code == 400 and "task_type" in response.json()


def test_a_nul_in_the_uploaded_task_type_is_400(lead_api):
    response = _upload(lead_api, "senti\x00ment")
    assert response.status_code == 400 and "task_type" in response.json()


def test_a_nul_in_the_task_type_filter_is_400(lead_api):
    response = lead_api.get("/api/v1/batches/?task_type=%00")
    assert response.status_code == 400 and "task_type" in response.json()


def test_a_nul_as_scorecard_status_is_400(lead_browser):
    assert lead_browser.get("/scorecards/?status=%00").status_code == 400


def test_an_unknown_scorecard_status_is_400(lead_browser):
    assert lead_browser.get("/scorecards/?status=lost").status_code == 400
    assert lead_browser.get("/scorecards/?status=final").status_code == 200


def test_comparison_pdf_with_vendor_ids_that_are_not_numbers_is_400(lead_browser):
    response = lead_browser.get("/reports/comparison.pdf?vendors=abc")
    assert response.status_code == 400 and b"vendor ids" in response.content


def test_comparison_pdf_with_unknown_vendor_ids_is_404(lead_browser):
    assert lead_browser.get("/reports/comparison.pdf?vendors=998,999").status_code == 404
