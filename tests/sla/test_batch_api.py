"""Deliveries through the API: upload, validation, duplicates, scoping, metrics, gold secrecy."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sla.models import Annotation, Batch, GoldLabel
from tests.factories import csv_bytes
from vendorscore.constants import Role


@pytest.fixture
def upload(api_client_for, django_capture_on_commit_callbacks):
    """POST a file to /api/v1/batches/ as a user, running the queued processing (eager Celery)."""

    def post(user, to_contract, content: bytes, name="delivery.csv", **fields):
        data = {
            "contract": to_contract.pk,
            "task_type": "sentiment",
            "file": SimpleUploadedFile(name, content),
            **fields,
        }
        with django_capture_on_commit_callbacks(execute=True):
            return api_client_for(user).post("/api/v1/batches/", data, format="multipart")

    return post


@pytest.fixture
def delivered(upload, api_client_for):
    """Upload, let the worker (eager here) process it, and read the batch back as the uploader."""

    def deliver(user, contract, content: bytes, **fields):
        response = upload(user, contract, content, **fields)
        assert response.status_code == 202, response.json()
        assert response.json()["status"] == "received"
        return api_client_for(user).get(f"/api/v1/batches/{response.json()['id']}/").json()

    return deliver


def test_vendor_uploads_a_valid_batch_and_it_is_stored_and_evaluated(delivered, users, contract_a, delivery):
    body = delivered(users[Role.VENDOR], contract_a, csv_bytes(delivery.annotations), reference="wk45")
    assert body["status"] == "evaluated"
    assert body["rows"] == len(delivery.annotations)
    assert body["items"] == delivery.annotations["item_id"].nunique()
    assert body["errors"] == []
    assert Annotation.objects.filter(batch_id=body["id"]).count() == len(delivery.annotations)
    stored = Annotation.objects.get(batch_id=body["id"], row=1)
    first = delivery.annotations.iloc[0]
    assert (stored.item_id, stored.annotator_id, stored.label) == (first.item_id, first.annotator_id, first.label)


def test_invalid_file_is_kept_as_invalid_with_row_and_column_errors_and_no_rows(delivered, users, contract_a, delivery):
    rows = delivery.annotations.head(50).copy()
    rows.loc[4, "label"] = "ecstatic"
    body = delivered(users[Role.VENDOR], contract_a, csv_bytes(rows))
    assert body["status"] == "invalid"
    assert body["error_count"] == 1
    error = body["errors"][0]
    assert (error["row"], error["column"]) == (5, "label")
    assert "ecstatic" in error["message"]
    assert not Annotation.objects.exists()
    assert Batch.objects.get(pk=body["id"]).file.read() == csv_bytes(rows)


def test_same_file_twice_is_recognised_and_not_counted_twice(upload, users, contract_a, delivery):
    content = csv_bytes(delivery.annotations)
    first = upload(users[Role.VENDOR], contract_a, content).json()
    again = upload(users[Role.VENDOR], contract_a, content, name="renamed.csv")
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    assert again.json()["duplicate"] is True
    assert Batch.objects.count() == 1
    assert Annotation.objects.count() == len(delivery.annotations)


def test_vendor_user_uploading_to_another_vendors_contract_gets_404(upload, users, contract_b, delivery):
    response = upload(users[Role.VENDOR], contract_b, csv_bytes(delivery.annotations))
    assert response.status_code == 404
    assert not Batch.objects.exists()


def test_viewer_may_not_upload(upload, users, contract_a, delivery):
    assert upload(users[Role.VIEWER], contract_a, csv_bytes(delivery.annotations)).status_code == 403


@pytest.mark.parametrize(
    "fields,field",
    [
        ({"task_type": "no-such-task"}, "task_type"),
        ({"claimed_accuracy": "1.5"}, "claimed_accuracy"),
        ({"contract": "abc"}, "contract"),
    ],
)
def test_bad_upload_fields_are_answered_400(upload, users, contract_a, delivery, fields, field):
    response = upload(users[Role.PROCUREMENT_LEAD], contract_a, csv_bytes(delivery.annotations), **fields)
    assert response.status_code == 400
    assert field in response.json()


def test_missing_file_is_answered_400(api_client_for, lead, contract_a):
    response = api_client_for(lead).post("/api/v1/batches/", {"contract": contract_a.pk, "task_type": "sentiment"})
    assert response.status_code == 400
    assert "file" in response.json()


def test_task_type_without_terms_in_the_contract_is_refused(upload, lead, contract_a, delivery):
    from tests.factories import TaskTypeFactory

    TaskTypeFactory(name="ner", labels=["PER", "ORG"])
    response = upload(lead, contract_a, csv_bytes(delivery.annotations), task_type="ner")
    assert response.status_code == 400
    assert "has no SLA terms for task type “ner”" in str(response.json())


def test_vendor_sees_only_own_batches_and_404_for_others(
    upload, api_client_for, users, contract_a, contract_b, delivery
):
    own = upload(users[Role.VENDOR], contract_a, csv_bytes(delivery.annotations)).json()
    other = upload(users[Role.PROCUREMENT_LEAD], contract_b, csv_bytes(delivery.annotations.head(40))).json()
    client = api_client_for(users[Role.VENDOR])
    assert [b["id"] for b in client.get("/api/v1/batches/").json()["results"]] == [own["id"]]
    assert client.get(f"/api/v1/batches/{other['id']}/").status_code == 404
    assert client.get(f"/api/v1/batches/{other['id']}/metrics/").status_code == 404


def test_metrics_document_of_an_evaluated_batch(upload, api_client_for, lead, contract_a, delivery):
    batch = upload(lead, contract_a, csv_bytes(delivery.annotations)).json()
    metrics = api_client_for(lead).get(f"/api/v1/batches/{batch['id']}/metrics/").json()
    assert metrics["rows"] == len(delivery.annotations)
    assert metrics["items"] == delivery.annotations["item_id"].nunique()
    overlapped = (delivery.annotations.groupby("item_id").size() >= 2).mean()
    assert metrics["overlap_rate"] == pytest.approx(overlapped)
    assert set(metrics["agreement"]) >= {"percent_agreement", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha"}


def test_gold_set_upload_then_batch_accuracy_is_measured_against_it(
    api_client_for, upload, lead, contract_a, delivery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client_for(lead).post(
            "/api/v1/gold-sets/",
            {"task_type": "sentiment", "file": SimpleUploadedFile("gold.csv", csv_bytes(delivery.gold))},
            format="multipart",
        )
    assert response.status_code == 202, response.json()
    gold_set = api_client_for(lead).get(f"/api/v1/gold-sets/{response.json()['id']}/").json()
    assert (gold_set["status"], gold_set["items"]) == ("stored", len(delivery.gold))
    assert GoldLabel.objects.count() == len(delivery.gold)

    batch = upload(lead, contract_a, csv_bytes(delivery.annotations)).json()
    metrics = api_client_for(lead).get(f"/api/v1/batches/{batch['id']}/metrics/").json()
    rated = delivery.annotations.merge(delivery.gold, on="item_id", suffixes=("", "_gold"))
    assert metrics["accuracy"]["value"] == pytest.approx((rated["label"] == rated["label_gold"]).mean())


def test_gold_sets_are_refused_to_vendor_users(api_client_for, users):
    client = api_client_for(users[Role.VENDOR])
    assert client.get("/api/v1/gold-sets/").status_code == 403
    gold = SimpleUploadedFile("gold.csv", b"item_id,label\na,positive\n")
    assert client.post("/api/v1/gold-sets/", {"task_type": "sentiment", "file": gold}).status_code == 403


def test_deleting_a_batch_deletes_its_rows(delivered, lead, contract_a, delivery):
    body = delivered(lead, contract_a, csv_bytes(delivery.annotations))
    Batch.objects.get(pk=body["id"]).delete()
    assert not Annotation.objects.filter(batch_id=body["id"]).exists()


def test_vendor_users_get_metrics_without_gold_internals(
    api_client_for, upload, users, contract_a, delivery, django_capture_on_commit_callbacks, client
):
    with django_capture_on_commit_callbacks(execute=True):
        api_client_for(users[Role.PROCUREMENT_LEAD]).post(
            "/api/v1/gold-sets/",
            {"task_type": "sentiment", "file": SimpleUploadedFile("g.csv", csv_bytes(delivery.gold))},
            format="multipart",
        )
    batch_id = upload(users[Role.VENDOR], contract_a, csv_bytes(delivery.annotations)).json()["id"]
    buyer = api_client_for(users[Role.QA_ANALYST]).get(f"/api/v1/batches/{batch_id}/metrics/").json()
    vendor = api_client_for(users[Role.VENDOR]).get(f"/api/v1/batches/{batch_id}/metrics/").json()
    assert buyer["confusion_matrix"]["counts"] and "confusion_matrix" not in vendor
    assert "error_concentration" not in vendor
    assert all("support" not in row for row in vendor["by_label"]) and all(
        "support" in row for row in buyer["by_label"]
    )
    assert all("wrong_labels" not in row for row in vendor["by_annotator"])
    assert vendor["accuracy"] == buyer["accuracy"]

    client.force_login(users[Role.VENDOR])
    assert "Confusion matrix" not in client.get(f"/batches/{batch_id}/").content.decode()
    client.force_login(users[Role.PROCUREMENT_LEAD])
    assert "Confusion matrix" in client.get(f"/batches/{batch_id}/").content.decode()
