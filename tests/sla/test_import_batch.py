"""``manage.py import_batch``: exit 0 with a summary on success, non-zero with the errors on failure."""

import pytest
from django.core.management import CommandError, call_command

from sla.models import Annotation, Batch
from tests.factories import csv_bytes


def test_import_batch_stores_and_evaluates(contract_a, sentiment, delivery, tmp_path, capsys):
    path = tmp_path / "week45.csv"
    path.write_bytes(csv_bytes(delivery.annotations))
    call_command(
        "import_batch",
        str(path),
        "--contract",
        str(contract_a.pk),
        "--task-type",
        "sentiment",
        "--reference",
        "week 45",
    )
    batch = Batch.objects.get()
    assert (batch.status, batch.reference, batch.rows) == ("evaluated", "week 45", len(delivery.annotations))
    out, err = capsys.readouterr()
    assert f"batch #{batch.pk}: evaluated, verdict {batch.verdict}; {len(delivery.annotations)} rows" in out
    assert "rows" in err  # the progress bar


def test_import_batch_fails_with_the_errors_printed(contract_a, sentiment, delivery, tmp_path, capsys):
    rows = delivery.annotations.head(20).copy()
    rows.loc[2, "annotator_id"] = ""
    rows.loc[7, "label"] = "furious"
    path = tmp_path / "broken.csv"
    path.write_bytes(csv_bytes(rows))
    with pytest.raises(CommandError, match="rejected: 2 problem"):
        call_command("import_batch", str(path), "--contract", str(contract_a.pk), "--task-type", "sentiment")
    err = capsys.readouterr().err
    assert "broken.csv: row 3, column annotator_id" in err
    assert "broken.csv: row 8, column label" in err
    assert not Annotation.objects.exists()


def test_import_batch_fails_with_the_reason_when_processing_stops(
    contract_a, sentiment, delivery, tmp_path, monkeypatch
):
    path = tmp_path / "week46.csv"
    path.write_bytes(csv_bytes(delivery.annotations))
    monkeypatch.setattr("sla.services.intake.batch_check", lambda **kwargs: 1 / 0)
    with pytest.raises(CommandError, match="failed: Processing stopped on an internal error"):
        call_command("import_batch", str(path), "--contract", str(contract_a.pk), "--task-type", "sentiment")
    assert Batch.objects.get().status == "failed" and not Annotation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_import_batch_exit_status_is_non_zero_on_failure(contract_a, sentiment, tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import database_url_of_test_database

    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    result = subprocess.run(
        [sys.executable, "manage.py", "import_batch", str(path), "--contract", "999", "--task-type", "sentiment"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "DATABASE_URL": database_url_of_test_database()},
    )
    assert result.returncode != 0
    assert "No contract with id 999" in result.stderr


def test_import_batch_refuses_unknown_task_type(contract_a, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"item_id,annotator_id,label\na,b,positive\n")
    with pytest.raises(CommandError, match="No task type 'pos-tagging'"):
        call_command("import_batch", str(path), "--contract", str(contract_a.pk), "--task-type", "pos-tagging")
