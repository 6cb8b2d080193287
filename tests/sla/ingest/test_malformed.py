"""Each broken file of the corpus is rejected with its own error, at its row and column.

The corpus and the error each file must give are in ``tests/fixtures/deliveries/malformed``
(written by ``make_fixtures.py``), so the intake tests can drive the same files.
"""

import pytest

from sla.ingest import read_delivery, read_gold, read_qa_reviews
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
