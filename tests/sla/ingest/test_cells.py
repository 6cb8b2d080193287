"""How single cells are read: text clean-up, the formula rule, numbers, times and codes."""

import io
import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sla.ingest import read_delivery, read_qa_reviews


def one_row(**cells) -> pd.Series:
    """The canonical row read from a one-line CSV with these cells (all as text)."""
    cells = {"item_id": "i1", "annotator_id": "a1", "label": "x"} | cells
    text = ",".join(cells) + "\n" + ",".join(f'"{value}"' for value in cells.values()) + "\n"
    delivery = read_delivery(io.BytesIO(text.encode()), filename="one.csv")
    assert delivery.ok, delivery.errors
    return delivery.frame.iloc[0]


def first_error(content: bytes, filename="f.csv", **options):
    delivery = read_delivery(io.BytesIO(content), filename=filename, **options)
    assert not delivery.ok
    return delivery.errors[0]


@pytest.mark.parametrize("label", ["-1", "+1", "-", "@alice", "- none", "+2 (strong)", "a=b", "x|y"])
def test_labels_that_merely_start_with_a_sign_are_not_formulas(label):
    assert one_row(label=label)["label"] == label


@pytest.mark.parametrize(
    "label", ["=1+1", "=A1", "-2+3+cmd|' /C calc'!A0", "+SUM(A1:A3)", "@IMPORTDATA(x)", "-Sheet1!A1", "  =cmd|x"]
)
def test_formula_cells_are_rejected(label):
    error = first_error(f'item_id,annotator_id,label\ni1,a1,"{label}"\n'.encode())

    assert (error.row, error.column) == (1, "label")
    assert "would run as a spreadsheet formula" in error.message


def test_surrounding_whitespace_including_unicode_spaces_is_trimmed():
    row = one_row(item_id="\u00a0 i1 \u3000", label=" x\t")

    assert (row["item_id"], row["label"]) == ("i1", "x")


@pytest.mark.parametrize("character", ["\x00", "\x1b", "\x7f", "\x85", "\t", "\n"])
def test_control_characters_inside_a_label_are_rejected(character):
    content = json.dumps({"item_id": "i1", "annotator_id": "a", "label": f"a{character}b"}).encode()

    error = first_error(content, "f.jsonl")

    assert (error.row, error.column) == (1, "label")
    assert error.message.startswith("contains a control character")


def test_a_qa_note_may_hold_tabs_and_line_breaks():
    content = b'item_id,reviewer,verdict,note\ni1,r1,defect,"first line\n\tsecond line"\n'

    reviews = read_qa_reviews(io.BytesIO(content), filename="qa.csv")

    assert reviews.ok, reviews.errors
    assert reviews.frame["note"].iloc[0] == "first line\n\tsecond line"


def test_a_value_of_exactly_the_limit_is_accepted():
    assert len(one_row(item_id="é" * 1000)["item_id"]) == 1000


@pytest.mark.parametrize(
    ("written", "utc"),
    [
        ("2025-03-01T09:30:00Z", "2025-03-01 09:30:00"),
        ("2025-03-01T11:30:00+02:00", "2025-03-01 09:30:00"),
        ("2025-03-01 09:30:00", "2025-03-01 09:30:00"),  # no offset: read as UTC
        ("2025-03-01", "2025-03-01 00:00:00"),
        ("2025-03-01T09:30:00.123456789+0000", "2025-03-01 09:30:00.123456"),
    ],
)
def test_timestamps_are_read_as_utc(written, utc):
    assert one_row(annotated_at=written)["annotated_at"] == pd.Timestamp(utc, tz="UTC")


def test_a_column_mixing_timestamp_forms_reads_each_cell_as_utc():
    """Arrow reads a column in one form at once; a column mixing forms (here with and without
    offsets, and nanoseconds) takes the cell-by-cell route and must give the same instants."""
    written = ["2025-03-01 09:30:00", "2025-03-01T11:30:00+02:00", "2025-03-01T09:30:00.123456789Z", "2025-03-01"]
    rows = "".join(f"i{k},a1,x,{value}\n" for k, value in enumerate(written))
    delivery = read_delivery(io.BytesIO(f"item_id,annotator_id,label,annotated_at\n{rows}".encode()), filename="m.csv")
    assert delivery.ok, delivery.errors
    assert list(delivery.frame["annotated_at"]) == [
        pd.Timestamp(utc, tz="UTC")
        for utc in ("2025-03-01 09:30:00", "2025-03-01 09:30:00", "2025-03-01 09:30:00.123456", "2025-03-01")
    ]


def test_a_number_is_not_a_timestamp():
    content = json.dumps({"item_id": "i1", "annotator_id": "a", "label": "x", "annotated_at": 1740821400}).encode()

    error = first_error(content, "f.jsonl")

    assert (error.column, error.message) == (
        "annotated_at",
        "'1740821400' is not an ISO 8601 timestamp (like 2025-03-01T09:30:00Z)",
    )


@pytest.mark.parametrize(
    ("written", "queue"),
    [("prelabeled", "prelabeled"), ("Pre-Labelled", "prelabeled"), ("FULL", "full"), ("manual", "full")],
)
def test_queue_spellings(written, queue):
    assert one_row(queue=written)["queue"] == queue


@pytest.mark.parametrize(
    ("written", "escalated"), [("yes", True), ("N", False), ("1", True), ("False", False), ("", False)]
)
def test_escalated_spellings(written, escalated):
    assert bool(one_row(escalated=written)["escalated"]) is escalated


def test_json_numbers_become_text_like_csv_would_have_them():
    lines = [
        {"item_id": 17, "annotator_id": "a", "label": 3.0, "confidence": 1},
        {"item_id": 18, "annotator_id": "a", "label": 2.5, "confidence": 0.25},
    ]
    content = "\n".join(json.dumps(line) for line in lines).encode()

    frame = read_delivery(io.BytesIO(content), filename="f.jsonl").frame

    assert frame["item_id"].tolist() == ["17", "18"]
    assert frame["label"].tolist() == ["3", "2.5"]
    assert frame["confidence"].tolist() == [1.0, 0.25]


def test_parquet_dictionary_and_integer_columns_are_read_as_text():
    out = io.BytesIO()
    table = pa.table(
        {
            "item_id": pa.array([1, 2]),
            "annotator_id": pa.array(["a", "b"]).dictionary_encode(),
            "label": pa.array(["x", "y"], pa.large_string()),
        }
    )
    pq.write_table(table, out)

    frame = read_delivery(io.BytesIO(out.getvalue()), filename="f.parquet").frame

    assert frame[["item_id", "annotator_id", "label"]].to_dict("list") == {
        "item_id": ["1", "2"],
        "annotator_id": ["a", "b"],
        "label": ["x", "y"],
    }


def test_an_exact_canonical_name_wins_over_an_alias():
    content = b"id,item_id,annotator,label\n9,i1,a,x\n"

    assert read_delivery(io.BytesIO(content), filename="f.csv").frame["item_id"].tolist() == ["i1"]
