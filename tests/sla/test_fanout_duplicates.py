"""A fanned-out delivery with ``duplicates=first`` or ``latest`` keeps the answers one pass keeps.

Each chunk drops the repeats within it; the merge drops those across chunks by the same
rule and renumbers the rows. Every case is delivered twice, fanned out (chunks of a few
dozen rows) and in one pass, and compared as a user sees a batch: its metrics, its stored
rows with their numbers, the answers dropped and the note saying so, and the item texts
(every row gives its item a text of its own, so a text of a dropped row would show).
"""

import io
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from django.test import override_settings

from sla.constants import BatchStatus
from sla.ingest.split import split_records
from sla.models import Annotation
from sla.simulate import DeliverySpec, simulate_delivery
from tests.sla.conftest import csv_bytes
from tests.sla.test_fanout import one_pass_document, process, receive, staging_tables
from tests.sla.test_fanout_formats import DELIVERIES

CHUNK_BYTES = 3_000
HOUR = timedelta(hours=1)


@pytest.fixture(scope="module")
def frame():
    return simulate_delivery(DeliverySpec(items=200, seed=11)).annotations


def repeated(frame: pd.DataFrame, repeats: list[tuple[int, float, timedelta]]) -> pd.DataFrame:
    """The rows with copies ``(row copied, where it goes, its time later by)`` of some, each with another label,
    then a text per row that names the row."""
    labels = sorted(frame["label"].unique())
    copies = [
        frame.iloc[[source]].assign(
            label=labels[(labels.index(frame["label"].iloc[source]) + 1) % len(labels)],
            annotated_at=frame["annotated_at"].iloc[source] + later,
            place=place,
        )
        for source, place, later in repeats
    ]
    rows = pd.concat([frame.assign(place=np.arange(len(frame), dtype=float)), *copies])
    rows = rows.sort_values("place", kind="stable").drop(columns="place").reset_index(drop=True)
    return rows.assign(text=[f"{item} as row {row} gave it" for row, item in enumerate(rows["item_id"], start=1)])


def chunks_of(content: bytes, rows: pd.DataFrame, item_id: str, annotator_id: str) -> list[int]:
    """The chunk of each answer of the annotator to the item, in file order."""
    spans = split_records(io.BytesIO(content), delimiter=",", target_bytes=CHUNK_BYTES).spans
    firsts = np.array([span.first_row for span in spans])
    answers = np.flatnonzero((rows["item_id"] == item_id) & (rows["annotator_id"] == annotator_id)) + 1
    return [int(np.searchsorted(firsts, row, side="right")) - 1 for row in answers]


def both_ways(contract_a, contract_b, sentiment, lead, capture, content: bytes, duplicates: str, name="delivery.csv"):
    """The batch with fan-out on, and the same file's batch (another contract's) read in one pass."""
    with override_settings(INGEST_FANOUT_BYTES=1, INGEST_FANOUT_CHUNK_BYTES=CHUNK_BYTES):
        fanned = process(receive(contract_a, sentiment, lead, content, name, duplicates=duplicates), capture)
    with override_settings(INGEST_FANOUT_BYTES=10**12):
        one_pass = process(receive(contract_b, sentiment, lead, content, name, duplicates=duplicates), capture)
    return fanned, one_pass


def seen(batch):
    """The batch as a user sees it, but for the metrics (their bootstrap is seeded by the batch)."""
    stored = Annotation.objects.filter(batch=batch).order_by("row")
    return {
        "status": batch.status,
        "rows": batch.rows,
        "skipped": batch.skipped,
        "notes": batch.intake_notes,
        "errors": (batch.error_count, batch.errors),
        "stored": list(stored.values_list("row", "item_id", "annotator_id", "label", "annotated_at")),
        "texts": dict(batch.item_contents.values_list("item_id", "text")),
    }


# (row copied, where the copy goes, its time later by), and how many chunks hold one answer.
CASES = {
    "twice in one chunk": ([(2, 6.5, HOUR)], 1),
    "twice in two chunks": ([(3, 1e9, HOUR)], 2),
    "three times in three chunks, the middle answer latest by time": ([(4, 110.5, 2 * HOUR), (4, 1e9, HOUR)], 3),
    "three times in three chunks at one time": ([(5, 110.5, timedelta(0)), (5, 1e9, timedelta(0))], 3),
    "twice in one chunk and again in another": ([(6, 8.5, -HOUR), (6, 1e9, -2 * HOUR), (7, 120.5, HOUR)], 2),
}


@pytest.mark.django_db
@pytest.mark.parametrize("duplicates", ["first", "latest"])
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_repeated_answers_are_dropped_as_one_pass_drops_them(
    case, duplicates, frame, contract_a, contract_b, sentiment, lead, django_capture_on_commit_callbacks
):
    repeats, chunks = case
    rows = repeated(frame, repeats)
    content = csv_bytes(rows)
    item_id, annotator_id = frame.iloc[repeats[0][0]][["item_id", "annotator_id"]]
    assert len(set(chunks_of(content, rows, item_id, annotator_id))) == chunks

    fanned, one_pass = both_ways(
        contract_a, contract_b, sentiment, lead, django_capture_on_commit_callbacks, content, duplicates
    )

    assert fanned.chunks_total > 3 and one_pass.chunks_total == 0
    assert seen(fanned) == seen(one_pass)
    assert fanned.status == BatchStatus.EVALUATED and fanned.skipped == len(repeats)
    assert fanned.metrics == one_pass_document(content, fanned)
    assert staging_tables() == []


@pytest.mark.django_db
@pytest.mark.parametrize("duplicates", ["first", "latest"])
def test_many_repeats_across_every_chunk_keep_what_one_pass_keeps(
    duplicates, frame, contract_a, contract_b, sentiment, lead, django_capture_on_commit_callbacks
):
    """A vendor's second sending appended: a third of the answers again, a minute later or earlier."""
    rng = np.random.default_rng(3)
    sources = rng.choice(len(frame), size=len(frame) // 3, replace=False)
    places = rng.uniform(0, len(frame), size=len(sources))
    minutes = rng.integers(-1, 2, len(sources))
    repeats = [(int(s), float(p), timedelta(minutes=int(m))) for s, p, m in zip(sources, places, minutes, strict=True)]
    content = csv_bytes(repeated(frame, repeats))

    fanned, one_pass = both_ways(
        contract_a, contract_b, sentiment, lead, django_capture_on_commit_callbacks, content, duplicates
    )

    assert seen(fanned) == seen(one_pass)
    assert fanned.status == BatchStatus.EVALUATED and fanned.skipped == len(repeats)
    assert fanned.metrics == one_pass_document(content, fanned)


@pytest.mark.django_db
@pytest.mark.parametrize("duplicates", ["first", "latest"])
def test_a_bad_cell_in_a_dropped_answer_makes_the_batch_invalid_with_every_error(
    duplicates, frame, contract_a, contract_b, sentiment, lead, django_capture_on_commit_callbacks
):
    """One pass reports a bad cell whether or not its row's answer is dropped; so does every chunk."""
    rows = repeated(frame, [(3, 1e9, -HOUR), (9, 12.5, -HOUR)]).astype({"annotated_at": object})
    rows.loc[len(rows) - 1, "queue"] = "sideways"  # the copy at the end: dropped by either policy
    rows.loc[13, "label"] = "sarcastic"  # the copy in the first chunk, also dropped
    rows.loc[len(rows) // 2, "annotated_at"] = "yesterday"  # a row no policy drops
    content = csv_bytes(rows)

    fanned, one_pass = both_ways(
        contract_a, contract_b, sentiment, lead, django_capture_on_commit_callbacks, content, duplicates
    )

    assert fanned.status == one_pass.status == BatchStatus.INVALID
    assert (fanned.error_count, fanned.errors) == (one_pass.error_count, one_pass.errors)
    assert [error["column"] for error in fanned.errors] == ["label", "annotated_at", "queue"]
    assert not Annotation.objects.filter(batch=fanned).exists() and staging_tables() == []


@pytest.mark.django_db
@pytest.mark.parametrize("duplicates", ["first", "latest"])
def test_json_lines_with_repeats_across_chunks_keep_what_one_pass_keeps(
    duplicates, frame, contract_a, contract_b, sentiment, lead, django_capture_on_commit_callbacks
):
    rows = repeated(frame, CASES["twice in one chunk and again in another"][0])
    content = rows.to_json(orient="records", lines=True, date_format="iso").encode()

    fanned, one_pass = both_ways(
        contract_a,
        contract_b,
        sentiment,
        lead,
        django_capture_on_commit_callbacks,
        content,
        duplicates,
        "delivery.jsonl",
    )

    assert fanned.chunks_total > 3 and fanned.format == "jsonl"
    assert seen(fanned) == seen(one_pass)
    assert fanned.status == BatchStatus.EVALUATED and fanned.skipped == 3


@pytest.mark.django_db
@pytest.mark.parametrize("duplicates", ["first", "latest"])
@pytest.mark.parametrize(("build", "name", "kind"), DELIVERIES.values(), ids=DELIVERIES.keys())
def test_parquet_and_gzip_with_repeats_across_chunks_keep_what_one_pass_keeps(
    build, name, kind, duplicates, frame, contract_a, contract_b, sentiment, lead, django_capture_on_commit_callbacks
):
    """Parquet chunks are runs of row groups (``latest`` fetches them twice); a gzip's chunks are ranges of its
    decompressed content: the merge drops and renumbers the same way."""
    rows = repeated(frame, CASES["twice in one chunk and again in another"][0])
    content = build(rows)

    fanned, one_pass = both_ways(
        contract_a, contract_b, sentiment, lead, django_capture_on_commit_callbacks, content, duplicates, name
    )

    assert fanned.chunks_total > 3 and fanned.format == one_pass.format == kind
    assert seen(fanned) == seen(one_pass)
    assert fanned.status == BatchStatus.EVALUATED and fanned.skipped == 3
    assert staging_tables() == []


def invalid_both_ways(contract_a, contract_b, sentiment, lead, capture, rows: pd.DataFrame, duplicates: str):
    """The file of ``rows`` fanned out and in one pass: both invalid, with the same errors, rows and notes."""
    content = csv_bytes(rows)
    fanned, one_pass = both_ways(contract_a, contract_b, sentiment, lead, capture, content, duplicates)
    assert fanned.chunks_total > 3 and one_pass.chunks_total == 0
    assert fanned.status == one_pass.status == BatchStatus.INVALID
    assert seen(fanned) == seen(one_pass)
    assert not Annotation.objects.filter(batch=fanned).exists() and staging_tables() == []
    return fanned


def with_bad_cells(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows with a bad label at the end (an answer repeated across chunks) and a bad queue halfway."""
    rows = rows.copy()
    rows.loc[len(rows) - 1, "label"] = "sarcastic"
    rows.loc[len(rows) // 2, "queue"] = "sideways"
    return rows


@pytest.mark.django_db
def test_answers_repeated_across_chunks_of_an_invalid_batch_are_reported_as_one_pass_reports_them(
    frame, contract_a, contract_b, sentiment, lead, django_capture_on_commit_callbacks
):
    """With ``reject`` every repeat is an error at its row, also when other rows have errors: across chunks (also
    a repeat whose own label is bad), twice in a later chunk (whose second answer one pass says is first in the
    earlier chunk), but not a row whose annotator_id is itself bad."""
    rows = repeated(frame, [(8, 110.5, HOUR), (8, 110.7, HOUR), (9, 1e9 - 1, HOUR), (3, 1e9, HOUR)])
    rows.loc[len(rows) - 2, "annotator_id"] = "=evil()"  # the copy of row 10: no pair, so no repeat
    rows = with_bad_cells(rows)
    assert len(set(chunks_of(csv_bytes(rows), rows, *frame.iloc[8][["item_id", "annotator_id"]]))) == 2

    fanned = invalid_both_ways(
        contract_a, contract_b, sentiment, lead, django_capture_on_commit_callbacks, rows, "reject"
    )

    repeats = [error for error in fanned.errors if "twice" in error["message"]]
    assert [(error["row"], error["message"].split("(")[1][:15]) for error in repeats] == [
        (112, "first in row 9)"),
        (113, "first in row 9)"),
        (len(rows), "first in row 4)"),
    ]
    assert fanned.error_count == 3 + 3  # and the bad label, queue and annotator_id


@pytest.mark.django_db
def test_more_errors_than_listed_mixing_repeats_and_bad_cells_are_those_of_one_pass(
    frame, contract_a, contract_b, sentiment, lead, django_capture_on_commit_callbacks, settings
):
    rng = np.random.default_rng(5)
    sources = rng.choice(len(frame), size=len(frame) // 3, replace=False)
    places = rng.uniform(0, len(frame), size=len(sources))
    rows = repeated(frame, [(int(s), float(p), HOUR) for s, p in zip(sources, places, strict=True)])
    rows.loc[rng.choice(len(rows), size=40, replace=False), "label"] = "sarcastic"

    fanned = invalid_both_ways(
        contract_a, contract_b, sentiment, lead, django_capture_on_commit_callbacks, rows, "reject"
    )

    assert fanned.error_count > len(sources) and len(fanned.errors) == settings.MAX_LISTED_ERRORS


@pytest.mark.django_db
@pytest.mark.parametrize("duplicates", ["first", "latest"])
def test_an_invalid_batch_counts_the_rows_one_pass_counts_without_the_answers_dropped_across_chunks(
    duplicates, frame, contract_a, contract_b, sentiment, lead, django_capture_on_commit_callbacks
):
    rows = repeated(frame, [(8, 110.5, HOUR), (8, 110.7, -HOUR), (9, 1e9 - 1, HOUR), (3, 1e9, HOUR)])
    rows.loc[len(rows) - 2, "annotator_id"] = "=evil()"  # the copy of row 10 is no answer of a pair: kept
    rows = with_bad_cells(rows)

    fanned = invalid_both_ways(
        contract_a, contract_b, sentiment, lead, django_capture_on_commit_callbacks, rows, duplicates
    )

    assert fanned.rows == len(rows) - 3
