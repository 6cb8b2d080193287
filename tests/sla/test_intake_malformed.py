"""Every malformed file of the reader's corpus, taken through the real intake: invalid, its error
named by row and column, and not one row stored."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sla import services
from sla.exceptions import UploadTooLarge
from sla.models import Annotation, Batch

MALFORMED = Path(__file__).resolve().parents[1] / "fixtures" / "deliveries" / "malformed"
ALL_CASES = [case for case in json.loads((MALFORMED / "cases.json").read_text()) if case["reader"] == "delivery"]
SETTINGS_FOR = {"max_bytes": "MAX_UPLOAD_BYTES", "chunk_rows": "INGEST_CHUNK_ROWS"}


def _over_limit(case) -> bool:
    return (MALFORMED / case["file"]).stat().st_size > case["options"].get("max_bytes", float("inf"))


# A file over the upload limit never reaches the intake: it is refused before it is stored.
CASES = [case for case in ALL_CASES if not _over_limit(case)]
OVER_LIMIT = [case for case in ALL_CASES if _over_limit(case)]


@pytest.mark.parametrize("case", CASES, ids=[case["file"] for case in CASES])
def test_malformed_delivery_is_rejected_with_its_error_and_nothing_stored(case, lead, contract_a, sentiment, settings):
    for option, setting in SETTINGS_FOR.items():
        if option in case["options"]:
            setattr(settings, setting, case["options"][option])
    upload = SimpleUploadedFile(case["file"], (MALFORMED / case["file"]).read_bytes())
    batch = services.batch_receive(
        contract=contract_a, task_type=sentiment, upload=upload, user=lead, queue_processing=False
    ).upload
    services.batch_ingest(batch_id=batch.pk)

    batch = Batch.objects.get(pk=batch.pk)
    assert batch.status == "invalid"
    assert not Annotation.objects.filter(batch=batch).exists()
    assert batch.error_count >= case["count"]
    found = [
        (e["row"], e["column"])
        for e in batch.errors
        if (case["message"] in e["message"] if case["contains"] else e["message"] == case["message"])
    ]
    assert (case["row"], case["column"]) in found, batch.errors[:5]


@pytest.mark.parametrize("case", OVER_LIMIT, ids=[case["file"] for case in OVER_LIMIT])
def test_a_file_over_the_upload_limit_is_refused_before_it_is_stored(case, lead, contract_a, sentiment, settings):
    settings.MAX_UPLOAD_BYTES = case["options"]["max_bytes"]
    upload = SimpleUploadedFile(case["file"], (MALFORMED / case["file"]).read_bytes())
    with pytest.raises(UploadTooLarge, match="uploads are limited to 1,000 bytes"):
        services.batch_receive(contract=contract_a, task_type=sentiment, upload=upload, user=lead)
    assert not Batch.objects.exists()
