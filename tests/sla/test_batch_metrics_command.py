"""``manage.py batch_metrics``: the metrics document of a file, equal to the engine's, nothing stored."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from sla.metrics import compute_metrics
from sla.models import Batch
from sla.simulate import DeliverySpec, simulate_delivery
from tests.factories import csv_bytes

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def files(tmp_path):
    delivery = simulate_delivery(DeliverySpec(items=400, labels=("none", "mild", "severe"), seed=31))
    (tmp_path / "d.csv").write_bytes(csv_bytes(delivery.annotations))
    delivery.annotations.to_parquet(tmp_path / "d.parquet", index=False)
    (tmp_path / "gold.csv").write_bytes(csv_bytes(delivery.gold))
    return tmp_path, delivery


def test_prints_the_engine_document_for_csv_and_parquet_alike(db, files, capsys):
    path, delivery = files
    documents = []
    for name in ("d.csv", "d.parquet"):
        call_command(
            "batch_metrics",
            str(path / name),
            "--level",
            "ordinal",
            "--labels",
            "none,mild,severe",
            "--gold",
            str(path / "gold.csv"),
            "--json",
        )
        documents.append(json.loads(capsys.readouterr().out))
    assert documents[0] == documents[1]
    frame = delivery.annotations[["item_id", "annotator_id", "label", "queue", "prelabel"]].replace(
        {"prelabel": {"": None}}
    )
    expected = compute_metrics(frame, level="ordinal", labels=["none", "mild", "severe"], gold=delivery.gold)
    assert documents[0]["agreement"]["krippendorff_alpha"] == expected["agreement"]["krippendorff_alpha"]
    assert documents[0]["accuracy"]["value"] == pytest.approx(expected["accuracy"]["value"])
    assert documents[0]["rows"] == len(delivery.annotations)
    assert not Batch.objects.exists()


def test_a_label_outside_the_given_set_is_reported_by_row_and_column(files):
    path, _ = files
    with pytest.raises(CommandError, match=r"d.csv: row \d+, column label: .*not in the task type's label set"):
        call_command("batch_metrics", str(path / "d.csv"), "--labels", "none,mild", "--json")


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("batch_metrics", str(tmp_path / "nope.csv"), "--json")


def test_numbers_spelled_differently_are_one_label_at_an_ordered_level(db, tmp_path, capsys):
    """Snow et al. (2008) anger ratings spell one 0 as "00": with ``--labels`` at the ordinal
    level the file is read, and the document equals the one of the file spelled plainly."""
    source = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "datasets" / "snow2008_anger.standardized.tsv"
    table = pd.read_csv(source, sep="\t", dtype=str)
    rows = table.rename(columns={"!amt_worker_ids": "annotator_id", "orig_id": "item_id", "response": "label"})
    rows = rows[["item_id", "annotator_id", "label"]]
    labels = ",".join(str(value) for value in range(101))
    documents = []
    for name, frame in (("spelled.csv", rows), ("plain.csv", rows.assign(label=rows.label.astype(int).astype(str)))):
        (tmp_path / name).write_bytes(csv_bytes(frame))
        call_command("batch_metrics", str(tmp_path / name), "--level", "ordinal", "--labels", labels, "--json")
        documents.append(json.loads(capsys.readouterr().out))
    assert "00" in set(rows.label)
    assert documents[0] == documents[1]


def test_the_command_process_imports_no_report_or_chart_library(files):
    """A whole process, as a user runs it: no system checks (which import every URL conf and
    WeasyPrint with it), no scipy.stats, no plotly; they cost seconds and are never used here."""
    path, _ = files
    script = (
        "import sys\n"
        "from django.core.management import execute_from_command_line\n"
        f"execute_from_command_line(['manage.py', 'batch_metrics', {str(path / 'd.csv')!r}, '--json'])\n"
        "heavy = ('weasyprint', 'plotly', 'kaleido', 'scipy.stats')\n"
        "print(sorted(name for name in heavy if name in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(done.stdout)["rows"] > 0
    assert done.stderr.strip().splitlines()[-1] == "[]"
