"""A fanned-out delivery with a bad line at or near a chunk's edge reads as one pass reads it.

Each case is delivered twice, with fan-out on (chunks of a few dozen rows) and off: the
batch's status, rows and errors (by row and column) must be the same.
"""

import io
import json

import pytest
from django.test import override_settings

from sla.constants import BatchStatus
from sla.ingest.split import split_records
from sla.models import Annotation
from sla.simulate import DeliverySpec, simulate_delivery
from tests.sla.conftest import csv_bytes
from tests.sla.test_fanout import process, receive

CHUNK_BYTES = 3_000


@pytest.fixture(scope="module")
def frame():
    return simulate_delivery(DeliverySpec(items=100, seed=11)).annotations


def edited(content: bytes, *, delimiter: str | None, edit) -> bytes:
    """The content with ``edit(lines, last)`` applied, ``last`` the index of the second chunk's last line."""
    end = split_records(io.BytesIO(content), delimiter=delimiter, target_bytes=CHUNK_BYTES).spans[1].end
    lines = content.split(b"\n")
    edit(lines, content[:end].count(b"\n") - 1)
    return b"\n".join(lines)


def truncated(lines, last):
    lines[last] = lines[last][:-5]


def without_item_id(lines, first, stop):
    """Lines ``first`` to ``stop`` (JSON records) without their item_id."""
    for index in range(first, min(stop, len(lines))):
        if lines[index].strip():
            record = json.loads(lines[index])
            del record["item_id"]
            lines[index] = json.dumps(record).encode()


def with_gold(lines, index):
    """Line ``index`` (a JSON record) with a gold label, a key a delivery may not hold."""
    lines[index] = lines[index][:-1] + b', "gold": "positive"}'


def quoted_in_values(lines, last):
    """Quotes inside unquoted values around a chunk's end, which Arrow reads as characters."""
    for index in (last - 3, last + 3):
        lines[index] = lines[index].replace(b"item-", b'item-5" ', 1)


JSON_LINES_CASES = {
    "a chunk ends in a broken line": truncated,
    "and a later line is null": lambda lines, last: (truncated(lines, last), lines.__setitem__(last + 30, b"null")),
    "and a later line holds two objects": lambda lines, last: (
        truncated(lines, last),
        lines.__setitem__(last + 30, lines[last + 30] * 2),
    ),
    "a chunk starts with a byte order mark": lambda lines, last: lines.__setitem__(
        last + 1, b"\xef\xbb\xbf" + lines[last + 1]
    ),
    "a chunk starts with a blank line": lambda lines, last: lines.__setitem__(last, lines[last] + b"\n  "),
    "no line of a chunk has an item_id": lambda lines, last: without_item_id(lines, last + 1, last + 60),
    "no line has an item_id": lambda lines, last: without_item_id(lines, 0, len(lines)),
    "a line of a chunk holds a gold label": lambda lines, last: with_gold(lines, last + 5),
    "and a line of another chunk is null": lambda lines, last: (
        with_gold(lines, last + 5),
        lines.__setitem__(last + 60, b"null"),
    ),
}

CSV_CASES = {
    "a chunk ends in a short line": lambda lines, last: lines.__setitem__(last, lines[last].rsplit(b",", 2)[0]),
    "a chunk ends in two rows parted by a bare carriage return": lambda lines, last: (
        lines.__setitem__(last, lines[last] + b"\r" + lines[last].replace(b"item-", b"extra-", 1)),
        lines.__setitem__(last + 30, b"short,line"),
    ),
    "a chunk starts with a blank line": lambda lines, last: lines.__setitem__(last, lines[last] + b"\n"),
    "a blank line of carriage returns": lambda lines, last: lines.__setitem__(last, lines[last] + b"\n\r\r"),
    "values hold quotes around a chunk's end": quoted_in_values,
    "the header lacks a required column": lambda lines, last: lines.__setitem__(0, lines[0].replace(b"item_id", b"x")),
}


def both_ways(contract_a, contract_b, sentiment, lead, capture, content: bytes, name: str):
    """The batch with fan-out on, and the same file's batch (another contract's) read in one pass."""
    with override_settings(INGEST_FANOUT_BYTES=1, INGEST_FANOUT_CHUNK_BYTES=CHUNK_BYTES):
        fanned = process(receive(contract_a, sentiment, lead, content, name), capture)
    with override_settings(INGEST_FANOUT_BYTES=10**12):
        one_pass = process(receive(contract_b, sentiment, lead, content, name), capture)
    return fanned, one_pass


def outcome(batch):
    stored = (
        Annotation.objects.filter(batch=batch).order_by("row").values_list("row", "item_id", "annotator_id", "label")
    )
    return batch.status, batch.rows, batch.error_count, batch.errors, list(stored)


@pytest.mark.django_db
@pytest.mark.parametrize("edit", JSON_LINES_CASES.values(), ids=JSON_LINES_CASES.keys())
def test_json_lines_with_a_bad_line_at_a_chunk_edge_reads_as_one_pass(
    edit, frame, contract_a, contract_b, sentiment, lead, django_capture_on_commit_callbacks
):
    content = frame.to_json(orient="records", lines=True, date_format="iso").encode()
    content = edited(content, delimiter=None, edit=edit)

    fanned, one_pass = both_ways(
        contract_a, contract_b, sentiment, lead, django_capture_on_commit_callbacks, content, "delivery.jsonl"
    )

    assert fanned.chunks_total > 1 and one_pass.chunks_total == 0
    assert outcome(fanned) == outcome(one_pass)


@pytest.mark.django_db
@pytest.mark.parametrize("edit", CSV_CASES.values(), ids=CSV_CASES.keys())
def test_csv_with_a_bad_line_at_a_chunk_edge_reads_as_one_pass(
    edit, frame, contract_a, contract_b, sentiment, lead, django_capture_on_commit_callbacks
):
    content = edited(csv_bytes(frame), delimiter=",", edit=edit)

    fanned, one_pass = both_ways(
        contract_a, contract_b, sentiment, lead, django_capture_on_commit_callbacks, content, "delivery.csv"
    )

    assert outcome(fanned) == outcome(one_pass)
    assert fanned.status == one_pass.status != BatchStatus.FAILED
