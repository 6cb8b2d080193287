"""Files built to drive the parsers past their limits are refused, quickly and in bounded memory.

Each hostile file is generated here (nothing big is committed). The measured bounds run in
a fresh Python process, so its peak memory is this file's alone.
"""

import gzip
import io
import json
import random
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sla.ingest import limits, read_delivery
from sla.ingest.errors import FileProblem

ROOT = Path(__file__).resolve().parents[3]
ROW = {"item_id": "item-1", "annotator_id": "ann-1", "label": "positive"}


def jsonl(*records: bytes) -> bytes:
    return b"".join(record + b"\n" for record in records)


def errors_of(content: bytes, name: str = "delivery.jsonl", **options) -> list[tuple]:
    delivery = read_delivery(io.BytesIO(content), filename=name, **options)
    assert not delivery.ok
    return [(error.row, error.column, error.message) for error in delivery.errors]


def parser_depth(text: str, *, per_line: bool) -> tuple[int, bool]:
    """How deep a parser gets: each line alone, or the whole text as one stream. It stops at a
    backslash outside a string (invalid JSON); the second value says whether it never did."""
    deepest, clean = 0, True
    depth = 0
    for segment in text.split("\n") if per_line else [text]:
        depth = 0 if per_line else depth
        in_string = escaped = False
        for char in segment:
            if char == "\n":
                in_string = escaped = False
            elif escaped:
                escaped = False
            elif in_string:
                escaped = char == "\\"
                in_string = char != '"'
            elif char == "\\":
                clean = False
                break
            else:
                in_string = char == '"'
                depth += (char in "[{") - (char in "]}")
                deepest = max(deepest, depth)
        if not clean and not per_line:
            break
    return deepest, clean


def test_the_depth_scan_agrees_with_a_parser_on_random_text_cut_anywhere():
    """The vectorised scan never reports less than a parser reaches, and on text without stray
    backslashes exactly as much, wherever the text is cut into pieces."""
    chance = random.Random(14)
    for _ in range(3000):
        text = "".join(chance.choice('[]{}"\\\\\n a') for _ in range(chance.randint(0, 80)))
        per_line, per_line_clean = parser_depth(text, per_line=True)
        stream, stream_clean = parser_depth(text, per_line=False)
        for lines in (True, False):
            for limit in (0, 1, 2, 4):
                scan = limits.JsonScan(limits.Limits(json_depth=limit), lines=lines)
                cut = chance.randint(0, len(text))
                try:
                    scan.feed(text[:cut].encode())
                    scan.feed(text[cut:].encode())
                    refused = False
                except FileProblem:
                    refused = True
                reached = per_line if lines else stream
                assert refused or reached <= limit, (text, lines, limit, cut)
                if lines and per_line_clean and stream_clean:
                    assert refused == (per_line > limit or stream > limit), (text, limit, cut)
                if not lines and stream_clean:
                    assert refused == (stream > limit), (text, limit, cut)


def test_a_line_nested_100000_deep_is_refused_before_arrow_parses_it():
    """Arrow's C parser overflows its stack on this 200 KB line and kills the process."""
    deep = b'{"item_id": "a", "annotator_id": "b", "label": "x", "extra": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    message = "line 2 nests arrays or objects more than 64 deep; no delivery needs that, so the file is not read"
    assert errors_of(jsonl(json.dumps(ROW).encode(), deep)) == [(None, None, message)]


def test_a_first_line_nested_20000_deep_is_invalid_not_a_recursion_error():
    assert errors_of(jsonl(b"[" * 20_000))[0][2].startswith("line 1 nests arrays or objects more than 64 deep")


def test_a_label_studio_file_of_50000_brackets_is_invalid():
    assert errors_of(b"[" * 50_000, "export.json")[0][2].startswith("line 1 nests arrays or objects more than 64")


def test_brackets_inside_strings_do_not_count_and_the_limit_is_a_setting():
    label = json.dumps("[" * 500 + '\\"{')
    record = b'{"item_id": "i", "annotator_id": "a", "label": ' + label.encode() + b"}"
    assert read_delivery(io.BytesIO(jsonl(record)), filename="d.jsonl").ok
    nested = b'{"item_id": "i", "annotator_id": "a", "label": "positive", "extra": [[[[1]]]]}'
    assert read_delivery(io.BytesIO(jsonl(nested)), filename="d.jsonl").ok
    tight = limits.Limits(json_depth=4)
    assert errors_of(jsonl(nested), limits=tight)[0][2].startswith("line 1 nests arrays or objects more than 4 deep")


def test_a_jsonl_line_over_the_length_limit_is_refused_with_its_line():
    long = json.dumps({**ROW, "item_id": "x" * 5000}).encode()
    found = errors_of(jsonl(json.dumps(ROW).encode(), long), limits=limits.Limits(line_bytes=4096))
    assert found == [
        (None, None, "line 2 is longer than 4,096 bytes; a JSON Lines record is one annotation and must be shorter")
    ]


def test_a_lone_surrogate_is_an_invalid_cell_at_its_row_and_column():
    good = json.dumps(ROW).encode()
    bad = b'{"item_id": "a\\ud800", "annotator_id": "ann-2", "label": "positive"}'
    rows = errors_of(jsonl(good, bad))
    assert [(row, column) for row, column, _ in rows] == [(2, "item_id")]
    assert "surrogate" in rows[0][2]


MEASURE = """
import gzip, io, json, resource, sys, time
import pyarrow as pa
from sla.ingest import read_delivery
content = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
delivery = read_delivery(io.BytesIO(content), filename=sys.argv[2], max_bytes=int(sys.argv[3]))
print(json.dumps({
    "seconds": time.perf_counter() - start,
    "grown_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024,
    "arrow_peak_mb": pa.default_memory_pool().max_memory() / 2**20,
    "errors": [e.message for e in delivery.errors],
}))
"""


def measured(tmp_path, content: bytes, name: str, max_bytes: int = 2 * 1024**3) -> dict:
    path = tmp_path / name
    path.write_bytes(content)
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), name, str(max_bytes)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def gzip_bomb(head: bytes, body: bytes, expanded: int) -> bytes:
    """A gzip of ``head`` then ``body`` repeated to about ``expanded`` bytes, built from
    concatenated members (valid gzip) so that making it costs seconds, not gigabytes."""
    member = gzip.compress(body * (64 * 1024 * 1024 // len(body)), compresslevel=9)
    return gzip.compress(head) + member * (expanded // (64 * 1024 * 1024))


def decompressed_at_refusal(message: str) -> int:
    assert "expands more than 200 times" in message, message
    return int(message.split("(")[1].split(" bytes")[0].replace(",", ""))


def test_a_csv_gzip_bomb_is_refused_after_a_few_megabytes(tmp_path):
    """6 MB expanding to 2.5 GB: refused once it has expanded past the grace, not after 2 GB."""
    bomb = gzip_bomb(b"item_id,annotator_id,label\n", b"item-1,ann-1,positive\n", 2560 * 1024**2)
    assert len(bomb) < 8 * 1024**2
    result = measured(tmp_path, bomb, "delivery.csv")
    assert decompressed_at_refusal(result["errors"][0]) < 64 * 1024**2
    assert result["seconds"] < 30
    assert result["grown_mb"] < 400


def test_a_label_studio_gzip_bomb_is_refused_before_it_is_parsed(tmp_path):
    task = json.dumps({"id": 1, "data": {"text": "t"}, "annotations": [{"result": [], "completed_by": 1}]})
    bomb = gzip_bomb(b"[", (task + ",").encode(), 320 * 1024**2)
    result = measured(tmp_path, bomb, "export.json")
    assert decompressed_at_refusal(result["errors"][0]) < 64 * 1024**2
    assert result["grown_mb"] < 400


def test_a_plain_delivery_with_a_high_ratio_is_still_read():
    """Under the grace a file may compress as well as it likes: small files are not judged by ratio."""
    content = b"item_id,annotator_id,label\n" + b"".join(b"item-%d,ann-1,positive\n" % n for n in range(50_000))
    delivery = read_delivery(io.BytesIO(gzip.compress(content)), filename="d.csv.gz")
    assert delivery.ok and delivery.rows == 50_000


def parquet_bytes(table: pa.Table, **options) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd", **options)
    return sink.getvalue()


@pytest.mark.parametrize("dictionary", [True, False], ids=["dictionary", "plain"])
def test_a_small_parquet_declaring_a_gigabyte_is_refused_before_it_is_materialised(tmp_path, dictionary):
    """12 KB of Parquet: 900 rows whose label is one megabyte each (0.9 GB read naively)."""
    rows = 900
    table = pa.table(
        {
            "item_id": [f"item-{n}" for n in range(rows)],
            "annotator_id": ["ann-1"] * rows,
            "label": pa.array(["x" * 1024**2] * rows),
        }
    )
    content = parquet_bytes(table, use_dictionary=dictionary)
    assert len(content) < 64 * 1024
    result = measured(tmp_path, content, "delivery.parquet")
    assert result["arrow_peak_mb"] < 64, result
    message = result["errors"][0]
    if dictionary:
        assert message.startswith("row 1 has a value of 1,048,576 bytes; a cell holds at most 1,000 characters")
    else:
        assert message == (
            "the Parquet file's columns declare 943,740,922 bytes uncompressed, more than 200 times its "
            f"{len(content):,} bytes; a delivery does not, so it is not read"
        )


def test_a_parquet_declaring_more_rows_than_the_size_limit_allows_is_refused():
    table = pa.table({"item_id": ["i"] * 2000, "annotator_id": ["a"] * 2000, "label": ["positive"] * 2000})
    found = errors_of(parquet_bytes(table), "d.parquet", max_bytes=6000)
    assert found == [
        (
            None,
            None,
            "the Parquet file declares 2,000 rows, more than any delivery within the size limit of 6,000 bytes holds",
        )
    ]
