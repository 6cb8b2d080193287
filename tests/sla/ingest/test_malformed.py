"""Each broken file of the corpus is rejected with its own error, at its row and column.

The corpus and the error each file must give are in ``tests/fixtures/deliveries/malformed``
(written by ``make_fixtures.py``), so the intake tests can drive the same files.
"""

import io

import pytest

from sla.ingest import read_delivery, read_gold, read_qa_reviews, tabular
from tests.sla.ingest.fixtures import CASES, MALFORMED

READERS = {"delivery": read_delivery, "gold": read_gold, "qa": read_qa_reviews}


def test_the_corpus_covers_at_least_25_problems():
    assert len(CASES) >= 25
    assert len({case["file"] for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case["file"] for case in CASES])
def test_malformed_file_is_rejected_with_its_error(case):
    result = READERS[case["reader"]](MALFORMED / case["file"], filename=case["file"], **case["options"])

    assert not result.ok
    assert result.frame.empty
    assert result.error_count == case["count"], result.errors
    first = result.errors[0]
    assert (first.file, first.row, first.column) == (case["file"], case["row"], case["column"])
    if case["contains"]:
        assert case["message"] in first.message
    else:
        assert first.message == case["message"]
    assert first.as_dict() == {"file": case["file"], "row": first.row, "column": first.column, "message": first.message}


@pytest.mark.parametrize("block_bytes", [None, 64], ids=["first block", "a later block"])
def test_a_wrong_width_line_with_bytes_that_are_not_utf8_is_an_error_at_its_row(block_bytes, monkeypatch):
    if block_bytes:
        monkeypatch.setattr(tabular, "CSV_BLOCK_BYTES", block_bytes)
    good = b"".join(b"item-%d,ann-%d,pos\n" % (number, number) for number in range(1, 9))
    content = b"item_id,annotator_id,label\n" + good + b",,,,\xff\n" + b"item-9,ann-9,neg\n"

    result = read_delivery(io.BytesIO(content), filename="vendor.csv")

    assert not result.ok and result.frame.empty
    (error,) = result.errors
    assert (error.file, error.row, error.column) == ("vendor.csv", 9, None)
    assert error.message.startswith("has 5 cells; the header has 3 (and bytes that are not UTF-8)")
