"""SLA pages by role: contracts, batches, uploads, gold sets, QA reviews (NetBox style: data, not code)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sla.models import QAReview
from tests.factories import DeliveredBatchFactory, csv_bytes
from vendorscore.constants import Role

EVERYONE = set(Role.values)
BUYERS = {Role.PROCUREMENT_LEAD, Role.QA_ANALYST, Role.VIEWER}
UPLOADERS = {Role.PROCUREMENT_LEAD, Role.QA_ANALYST, Role.VENDOR}
BUYER_UPLOADERS = {Role.PROCUREMENT_LEAD, Role.QA_ANALYST}

PAGES = [
    ("/contracts/", EVERYONE),
    ("/contracts/{contract}/", EVERYONE),
    ("/batches/", EVERYONE),
    ("/batches/upload/", UPLOADERS),
    ("/batches/{batch}/", EVERYONE),
    ("/batches/{batch}/status.json", EVERYONE),
    ("/batches/{batch}/reviews/", BUYER_UPLOADERS),
    ("/batches/{batch}/review/", BUYER_UPLOADERS),
    ("/gold-sets/", BUYERS),
    ("/breaches/", EVERYONE),
    ("/notifications/", {Role.PROCUREMENT_LEAD}),
    ("/notifications/preferences/", EVERYONE),
]


@pytest.fixture
def batch_a(contract_a, delivery, lead):
    return DeliveredBatchFactory(contract=contract_a, rows=delivery.annotations, filename="a.csv", user=lead)


@pytest.fixture
def batch_b(contract_b, delivery, lead):
    return DeliveredBatchFactory(contract=contract_b, rows=delivery.annotations.head(60), filename="b.csv", user=lead)


@pytest.mark.parametrize("template,allowed", PAGES)
@pytest.mark.parametrize("role", Role.values)
def test_sla_page_access_by_role(client, users, contract_a, batch_a, role, template, allowed):
    client.force_login(users[role])
    response = client.get(template.format(contract=contract_a.pk, batch=batch_a.pk))
    assert response.status_code == (200 if role in allowed else 403)


@pytest.mark.parametrize("template", ["/contracts/{contract}/", "/batches/{batch}/", "/batches/{batch}/status.json"])
def test_vendor_user_gets_404_for_other_vendors_pages(client, users, contract_b, batch_b, template):
    client.force_login(users[Role.VENDOR])
    assert client.get(template.format(contract=contract_b.pk, batch=batch_b.pk)).status_code == 404


def test_vendor_batch_list_and_upload_form_show_only_own_contracts(client, users, batch_a, batch_b, contract_b):
    client.force_login(users[Role.VENDOR])
    listing = client.get("/batches/").content.decode()
    assert f"#{batch_a.pk}" in listing and f"#{batch_b.pk}<" not in listing
    form = client.get("/batches/upload/").content.decode()
    assert "Vendor A sentiment MSA" in form
    assert "Vendor B sentiment MSA" not in form


def test_evaluated_batch_page_shows_metrics(client, lead, batch_a):
    client.force_login(lead)
    page = client.get(f"/batches/{batch_a.pk}/").content.decode()
    assert "Krippendorff&#x27;s alpha" in page or "Krippendorff's alpha" in page
    assert f"{batch_a.rows} rows" in page


def test_qa_review_upload_stores_verdicts(client, users, batch_a, delivery):
    items = delivery.annotations["item_id"].unique()[:3]
    content = "item_id,reviewer,verdict,defect_type,note\n" + "\n".join(
        f"{item},qa-1,{'defect' if i == 0 else 'ok'},{'wrong label' if i == 0 else ''}," for i, item in enumerate(items)
    )
    client.force_login(users[Role.QA_ANALYST])
    response = client.post(f"/batches/{batch_a.pk}/reviews/", {"file": SimpleUploadedFile("qa.csv", content.encode())})
    assert response.status_code == 302
    assert QAReview.objects.count() == 3
    assert QAReview.objects.filter(verdict="defect").count() == 1


def test_qa_review_of_an_item_outside_the_batch_names_the_row(client, users, batch_a):
    content = b"item_id,reviewer,verdict\nno-such-item,qa-1,ok\n"
    client.force_login(users[Role.QA_ANALYST])
    response = client.post(f"/batches/{batch_a.pk}/reviews/", {"file": SimpleUploadedFile("qa.csv", content)})
    page = response.content.decode()
    assert "item &#x27;no-such-item&#x27; is not in batch" in page
    assert not QAReview.objects.exists()


def test_gold_set_page_upload(client, lead, sentiment, delivery, django_capture_on_commit_callbacks):
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/gold-sets/upload/",
            {"task_type": sentiment.pk, "file": SimpleUploadedFile("gold.csv", csv_bytes(delivery.gold))},
        )
    assert response.status_code == 302
    page = client.get("/gold-sets/").content.decode()
    assert "gold.csv" in page and "Stored" in page


def test_gold_set_upload_without_file_shows_the_error(client, lead, sentiment):
    client.force_login(lead)
    response = client.post("/gold-sets/upload/", {"task_type": sentiment.pk})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_batch_list_query_count_is_pinned(client, lead, batch_a, batch_b, django_assert_num_queries):
    client.force_login(lead)
    # The filter form's vendor and contract choices are one query each, whatever the number of rows.
    with django_assert_num_queries(8):
        assert client.get("/batches/").status_code == 200
