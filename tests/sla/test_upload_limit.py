"""The upload size limit is enforced on the web side: 413 with a clear message, nothing stored or queued."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sla.models import Batch, GoldSet
from vendorscore.constants import Role
from vendorscore.middleware import MULTIPART_ALLOWANCE

LIMIT = 20_000
LIMITED = "uploads are limited to 20,000 bytes (20 KiB). Split the delivery into smaller files, or gzip it."


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.MAX_UPLOAD_BYTES = LIMIT


def stored_files(settings) -> set[Path]:
    root = Path(settings.MEDIA_ROOT)
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def csv_of(size: int) -> bytes:
    header = b"item_id,annotator_id,label\n"
    row = b"item-1,ann-1,positive\n"
    return header + row * ((size - len(header)) // len(row) + 1)


@pytest.mark.parametrize("size", [LIMIT + MULTIPART_ALLOWANCE + 1000, LIMIT + 10], ids=["request", "file"])
def test_an_api_upload_over_the_limit_gets_413_and_leaves_no_file(
    api_client_for, users, contract_a, settings, size, django_capture_on_commit_callbacks
):
    """Over the allowance the request is refused before its body is read; just over the limit, the
    file is refused by the service before it is stored. Either way: 413, no batch, no file."""
    before = stored_files(settings)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = api_client_for(users[Role.VENDOR]).post(
            "/api/v1/batches/",
            {"contract": contract_a.pk, "task_type": "sentiment", "file": SimpleUploadedFile("big.csv", csv_of(size))},
            format="multipart",
        )
    assert response.status_code == 413
    message = next(iter(response.json().values()))
    message = message[0] if isinstance(message, list) else message
    assert message.endswith(LIMITED)
    assert not Batch.objects.exists() and queued == []
    assert stored_files(settings) == before


def test_a_gold_set_over_the_limit_gets_413(api_client_for, lead, sentiment, settings):
    before = stored_files(settings)
    content = b"item_id,label\n" + b"item-1,positive\n" * 2000
    response = api_client_for(lead).post(
        "/api/v1/gold-sets/",
        {"task_type": sentiment.pk, "file": SimpleUploadedFile("gold.csv", content)},
        format="multipart",
    )
    assert response.status_code == 413
    assert response.json() == {
        "file": [
            f"The file is {len(content):,} bytes (31 KiB); uploads are limited to 20,000 bytes (20 KiB). "
            "Split the delivery into smaller files, or gzip it."
        ]
    }
    assert not GoldSet.objects.exists() and stored_files(settings) == before


def test_the_upload_page_refuses_an_oversized_request_with_a_413_page(client, users, contract_a, sentiment, settings):
    client.force_login(users[Role.VENDOR])
    content = csv_of(LIMIT + MULTIPART_ALLOWANCE + 1000)
    response = client.post(
        "/batches/upload/",
        {"contract": contract_a.pk, "task_type": sentiment.pk, "file": SimpleUploadedFile("big.csv", content)},
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "Upload too large" in page and "Nothing was received or stored." in page
    assert not Batch.objects.exists()


def test_the_upload_page_names_the_limit_on_the_file_field(client, users, contract_a, sentiment):
    client.force_login(users[Role.VENDOR])
    form = client.get("/batches/upload/").content.decode()
    assert f'data-max-bytes="{LIMIT}"' in form
    content = csv_of(LIMIT + 10)
    response = client.post(
        "/batches/upload/",
        {"contract": contract_a.pk, "task_type": sentiment.pk, "file": SimpleUploadedFile("big.csv", content)},
    )
    assert response.status_code == 200
    assert "uploads are limited to 20,000 bytes" in response.content.decode()
    assert not Batch.objects.exists()
