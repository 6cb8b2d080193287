"""The same delivery, in every supported format, reads to the same canonical rows."""

import io

import pandas as pd
import pytest

from sla.ingest import read_delivery, read_gold, read_qa_reviews
from tests.sla.ingest.fixtures import EXPECTED, VALID, expected_frame

FORMATS = {
    "delivery.csv": "csv",
    "delivery.tsv": "tsv",
    "delivery_semicolon.csv": "csv",
    "delivery_pipe.txt": "csv",
    "delivery_bom_crlf.csv": "csv",
    "delivery_aliases.csv": "csv",
    "delivery.jsonl": "jsonl",
    "delivery.parquet": "parquet",
    "delivery.csv.gz": "csv+gzip",
    "delivery.tsv.gz": "tsv+gzip",
    "delivery.jsonl.gz": "jsonl+gzip",
    "delivery.parquet.gz": "parquet+gzip",
    "delivery_gzip_named_plain.csv": "csv+gzip",
    "delivery_label_studio.json": "label_studio",
    "delivery_prodigy.jsonl": "prodigy",
    "delivery_doccano.jsonl": "doccano",
}


def test_every_fixture_has_an_expected_format():
    assert set(FORMATS) == set(EXPECTED["columns"])


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_each_format_reads_to_the_same_canonical_rows(name):
    delivery = read_delivery(VALID / name, filename=name, labels=EXPECTED["labels"])

    assert delivery.ok, delivery.errors
    assert delivery.format == FORMATS[name]
    assert delivery.rows == len(EXPECTED["rows"])
    expected = expected_frame(EXPECTED["columns"][name])
    if name == "delivery_aliases.csv":  # its "text" column is the item's content, kept for reviewers
        expected["text"] = "some text, with a comma"
    if name.startswith(("delivery_label_studio", "delivery_prodigy", "delivery_doccano")):  # the tools' own text
        expected["text"] = "Text of " + expected["item_id"]
    pd.testing.assert_frame_equal(delivery.frame.reset_index(drop=True), expected)


@pytest.mark.parametrize(
    ("name", "rows"),
    [
        ("delivery.csv", [1, 2, 3, 4, 5, 6, 7, 8]),
        ("delivery_label_studio.json", [1, 1, 2, 2, 3, 4, 5, 5]),  # the task's position
        ("delivery_prodigy.jsonl", [1, 2, 4, 5, 7, 8, 9, 10]),  # lines 3 and 6 are not accepted
    ],
)
def test_frame_index_is_the_data_row_in_the_file(name, rows):
    frame = read_delivery(VALID / name, filename=name).frame

    assert frame.index.name == "row"
    assert frame.index.tolist() == rows


@pytest.mark.parametrize(("name", "skipped"), [("delivery_label_studio.json", 1), ("delivery_prodigy.jsonl", 2)])
def test_skipped_answers_are_counted_not_read(name, skipped):
    assert read_delivery(VALID / name, filename=name).skipped == skipped


class Unseekable(io.RawIOBase):
    """A stream that can only be read forward, like a network upload."""

    def __init__(self, data: bytes):
        self._data = io.BytesIO(data)

    def readable(self):
        return True

    def seekable(self):
        return False

    def readinto(self, buffer):
        return self._data.readinto(buffer)


@pytest.mark.parametrize("name", ["delivery.csv", "delivery.parquet", "delivery.parquet.gz", "delivery.jsonl.gz"])
@pytest.mark.parametrize("wrap", [io.BytesIO, Unseekable], ids=["file object", "unseekable stream"])
def test_file_objects_read_like_paths(name, wrap):
    data = (VALID / name).read_bytes()

    delivery = read_delivery(wrap(data), filename=name)

    assert delivery.ok, delivery.errors
    pd.testing.assert_frame_equal(delivery.frame.reset_index(drop=True), expected_frame(EXPECTED["columns"][name]))


def test_a_file_object_is_read_from_its_start():
    upload = io.BytesIO((VALID / "delivery.csv").read_bytes())
    upload.read(100)  # as computing its sha256 would

    assert read_delivery(upload, filename="delivery.csv").rows == len(EXPECTED["rows"])


def test_gold_set_reads_item_and_label():
    gold = read_gold(VALID / "gold.csv", filename="gold.csv", labels=EXPECTED["labels"])

    assert gold.ok, gold.errors
    assert list(gold.frame.columns) == ["item_id", "label"]
    assert gold.frame.to_dict("list") == {
        "item_id": ["item-001", "item-002", "item-003", "item-004", "item-005"],
        "label": ["neutral", "positive", "negative", "neutral", "positive"],
    }


def test_qa_reviews_read_with_normalised_verdicts_and_multiline_notes():
    reviews = read_qa_reviews(VALID / "qa_reviews.csv", filename="qa_reviews.csv")

    assert reviews.ok, reviews.errors
    assert list(reviews.frame.columns) == ["item_id", "reviewer", "verdict", "defect_type", "note"]
    assert reviews.frame["verdict"].tolist() == ["ok", "defect", "ok"]
    assert reviews.frame["note"].iloc[1] == "Neutral, not negative:\nthe text is factual."
    assert reviews.frame["defect_type"].isna().tolist() == [True, False, True]
