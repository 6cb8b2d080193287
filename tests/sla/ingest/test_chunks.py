"""Reading in chunks: bounded work per chunk, nothing lost or hidden at chunk boundaries."""

import io
import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sla.ingest import iter_delivery, read_delivery
from tests.sla.ingest.fixtures import EXPECTED, VALID

HEADER = "item_id,annotator_id,label\n"


def csv_file(rows: list[tuple[str, str, str]]) -> io.BytesIO:
    return io.BytesIO((HEADER + "".join(f"{i},{a},{label}\n" for i, a, label in rows)).encode())


def jsonl_file(rows):
    lines = [json.dumps({"item_id": i, "annotator_id": a, "label": label}) for i, a, label in rows]
    return io.BytesIO("\n".join(lines).encode())


def parquet_file(rows):
    out = io.BytesIO()
    items, annotators, labels = zip(*rows, strict=True)
    pq.write_table(pa.table({"item_id": items, "annotator_id": annotators, "label": labels}), out)
    out.seek(0)
    return out


def expected_duplicates(rows) -> list[tuple[int, int]]:
    """(row, first row) of every repeated (item, annotator) pair, by a plain dict."""
    first, found = {}, []
    for row, (item, annotator, _) in enumerate(rows, 1):
        if (item, annotator) in first:
            found.append((row, first[(item, annotator)]))
        first.setdefault((item, annotator), row)
    return found


ROWS = [(f"item-{n % 7}", f"ann-{n % 3}", "x") for n in range(30)]  # pairs repeat every 21 rows


@pytest.mark.parametrize("make", [csv_file, jsonl_file, parquet_file], ids=["csv", "jsonl", "parquet"])
@pytest.mark.parametrize("chunk_rows", [1, 2, 5, 20, 1000])
def test_duplicates_are_found_whatever_the_chunk_boundaries(make, chunk_rows):
    reader = iter_delivery(make(ROWS), filename="d", chunk_rows=chunk_rows, max_errors=1000)
    list(reader)

    found = [(error.row, int(error.message.split("first in row ")[1].split(")")[0])) for error in reader.errors]
    assert found == expected_duplicates(ROWS)
    assert reader.error_count == len(found) == 9


def test_errors_are_capped_and_all_counted():
    rows = [(f"item-{n}", "ann-a", "bad" if n % 2 else "x") for n in range(500)]

    delivery = read_delivery(csv_file(rows), filename="d.csv", labels=["x"], max_errors=100)

    assert delivery.error_count == 250
    assert len(delivery.errors) == 100
    assert [error.row for error in delivery.errors] == list(range(2, 201, 2))


def test_the_error_cap_is_configurable_and_keeps_the_first_by_row():
    rows = [(f"item-{n}", "ann-a", "bad") for n in range(50)]

    delivery = read_delivery(csv_file(rows), filename="d.csv", labels=["x"], max_errors=5, chunk_rows=7)

    assert [error.row for error in delivery.errors] == [1, 2, 3, 4, 5]
    assert delivery.error_count == 50


def test_every_chunk_is_yielded_and_errors_are_known_as_they_are_found():
    rows = [(f"item-{n}", "ann-a", "x") for n in range(10)]
    rows[4] = ("item-4", "ann-a", "bad")
    rows[8] = ("item-8", "ann-a", "bad")
    reader = iter_delivery(csv_file(rows), filename="d.csv", labels=["x"], chunk_rows=2)

    seen = [(chunk.first_row, reader.error_count) for chunk in reader]

    assert seen == [(1, 0), (3, 0), (5, 1), (7, 1), (9, 2)]
    assert reader.rows == 10
    assert reader.bytes_read == len(csv_file(rows).getvalue())


def test_a_bad_cell_is_null_in_its_chunk():
    rows = [("item-1", "ann-a", "x"), ("item-2", "ann-a", "bad")]

    chunk = next(iter(iter_delivery(csv_file(rows), filename="d.csv", labels=["x"])))

    assert chunk.frame["label"].isna().tolist() == [False, True]


def test_chunked_reading_gives_the_same_rows_as_one_chunk():
    path = VALID / "delivery.csv"
    whole = read_delivery(path, filename="delivery.csv").frame

    chunks = list(iter_delivery(path, filename="delivery.csv", chunk_rows=3))

    assert [len(chunk.frame) for chunk in chunks] == [3, 3, 2]
    assert [chunk.first_row for chunk in chunks] == [1, 4, 7]
    pd.testing.assert_frame_equal(pd.concat([chunk.frame for chunk in chunks]), whole)
    assert chunks[1].table.num_rows == 3


def test_reading_again_starts_afresh():
    reader = iter_delivery(VALID / "delivery.csv", filename="delivery.csv", labels=["positive"], chunk_rows=3)

    first = (len(list(reader)), reader.error_count, reader.rows)
    second = (len(list(reader)), reader.error_count, reader.rows)

    assert first == second == (3, 7, len(EXPECTED["rows"]))  # 7 errors: 5 labels, 2 prelabels


def test_native_export_rows_keep_their_task_position_across_chunks():
    chunks = list(iter_delivery(VALID / "delivery_label_studio.json", filename="ls.json", chunk_rows=3))

    assert [chunk.frame.index.tolist() for chunk in chunks] == [[1, 1, 2, 2], [3, 4, 5, 5]]


@pytest.mark.parametrize(
    ("odd", "message"),
    [
        (b"null", "is not a JSON object but null"),
        (b'{"item_id": "i"}{"item_id": "j"}', "is not valid JSON: Extra data"),
    ],
    ids=["null", "two objects"],
)
def test_a_json_lines_line_that_is_not_one_object_is_reported_whatever_shares_its_block(odd, message):
    lines = [json.dumps({"item_id": f"i{n}", "annotator_id": "a", "label": "x"}).encode() for n in range(6)]
    lines[3] = odd
    alone = read_delivery(io.BytesIO(b"\n".join(lines)), filename="d.jsonl", labels=["x"])
    lines[5] = b"{broken"
    with_a_broken_line = read_delivery(io.BytesIO(b"\n".join(lines)), filename="d.jsonl", labels=["x"])

    assert [(error.row, error.message[: len(message)]) for error in alone.errors] == [(4, message)]
    assert alone.rows == 5 and with_a_broken_line.rows == 4
    assert with_a_broken_line.errors[0] == alone.errors[0]
