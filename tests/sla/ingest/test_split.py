"""A split file, each range parsed alone, numbers rows and errors exactly as one pass over the file."""

import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sla import ingest
from sla.ingest import split

LABELS = ["pos", "neg"]


def csv_file(*, crlf: bool = False, bom: bool = False) -> bytes:
    end = "\r\n" if crlf else "\n"
    lines = ["item_id,annotator_id,label"]
    for number in range(1, 61):
        if number == 7:
            lines.append(f'"item\n{number}",a1,pos')  # a line feed inside quotes is not a record end
        elif number == 20:
            lines.append(f'"it""em{number}",a2,pos')
        elif number == 25:
            lines.append(f'i{number},"a\n1",""')  # quotes after the delimiter; an empty quoted label
        elif number in (12, 13):
            lines.append("")  # blank lines are not rows
        elif number == 31:
            lines.append(f"i{number},a1,sarcastic")  # an error to be found at its row
        elif number == 45:
            lines.append("i1,a1,neg")  # item i1 again by a1, far from the first
        else:
            lines.append(f"i{number},a{number % 3},{LABELS[number % 2]}")
    text = end.join(lines)  # no line end after the last record
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def jsonl_file() -> bytes:
    lines = []
    for number in range(1, 51):
        if number in (5, 6):
            lines.append("   \t")
        elif number == 30:
            lines.append('{"item_id": "i30", "annotator_id": "a1", "label": ')  # not JSON
        else:
            lines.append(f'{{"item_id": "i{number}", "annotator_id": "a{number % 4}", "label": "pos"}}')
    return ("\n".join(lines) + "\n\n").encode()


def parse_in_spans(content: bytes, name: str, delimiter: str | None, target: int):
    layout = split.split_records(io.BytesIO(content), delimiter=delimiter, target_bytes=target)
    rows, errors, counted = [], [], 0  # counted: rows read, valid or not
    for span in layout.spans:
        part = layout.header + content[span.start : span.end]
        reader = ingest.iter_delivery(io.BytesIO(part), filename=name, labels=LABELS, first_row=span.first_row)
        rows += [int(row) for chunk in reader for row in chunk.rows]
        errors += [error for error in reader.errors if error.message != "the file has no data rows"]
        counted += reader.rows
    return layout, rows, sorted(errors, key=ingest.RowError.sort_key), counted


@pytest.mark.parametrize("target", [1, 17, 64, 200, 10_000])
@pytest.mark.parametrize("variant", [{}, {"crlf": True}, {"bom": True, "crlf": True}])
def test_delimited_spans_number_rows_and_errors_as_one_pass(target, variant):
    content = csv_file(**variant)
    whole = ingest.iter_delivery(io.BytesIO(content), filename="d.csv", labels=LABELS)
    whole_rows = [int(row) for chunk in whole for row in chunk.rows]

    layout, rows, errors, counted = parse_in_spans(content, "d.csv", ",", target)

    assert layout.header.rstrip(b"\r\n").endswith(b"item_id,annotator_id,label")
    assert rows == whole_rows and counted == whole.rows
    within_spans = [error for error in whole.errors if error.column != "annotator_id"]  # duplicates: the merge's
    assert [error for error in errors if error.column != "annotator_id"] == within_spans
    assert any(error.row == 29 and error.column == "label" for error in errors)  # data row 29: file line 31
    if target >= 10_000:
        assert len(layout.spans) == 1


@pytest.mark.parametrize("target", [1, 100, 500])
def test_json_lines_spans_skip_white_space_lines_as_one_pass(target):
    content = jsonl_file()
    whole = ingest.iter_delivery(io.BytesIO(content), filename="d.jsonl", labels=LABELS)
    whole_rows = [int(row) for chunk in whole for row in chunk.rows]

    layout, rows, errors, counted = parse_in_spans(content, "d.jsonl", None, target)

    assert layout.header == b""
    assert rows == whole_rows and len(rows) == 47  # 50 lines, 2 of white space, 1 broken
    assert errors == whole.errors and errors[0].row == 28


def test_spans_cover_the_data_once_in_order_with_rows_each():
    content = csv_file()
    layout = split.split_records(io.BytesIO(content), delimiter=",", target_bytes=100)
    assert layout.spans[0].start == len(layout.header) and layout.spans[-1].end == len(content)
    for before, after in zip(layout.spans, layout.spans[1:], strict=False):
        assert before.end == after.start and after.first_row == before.first_row + before.rows
    assert all(span.rows > 0 for span in layout.spans)


def test_a_bare_carriage_return_keeps_delimited_text_in_one_piece():
    """Arrow ends a line at a carriage return alone; the split does not, so such a file is read in one pass."""
    content = csv_file().replace(b"i40,a1,", b"i40,a1,pos\ri40b,a1,")
    assert split.split_records(io.BytesIO(content), delimiter=",", target_bytes=100) is None


@pytest.mark.parametrize("block", [5, split.BLOCK_BYTES])
@pytest.mark.parametrize(
    "line",
    [
        'i40,a1,5" screen',  # a quote inside an unquoted value is a character
        'i40,a1,pos"',
        'i40,"a1"x\ny",pos',  # and so is a quote after a quoted value's closing quote
        'i40, "a1\n",pos',  # a quote after a space starts no quoted value
    ],
)
def test_a_quote_arrow_reads_as_a_character_keeps_delimited_text_in_one_piece(line, block, monkeypatch):
    """The parity of quotes would take the line feeds after such a quote for line feeds in a value."""
    monkeypatch.setattr(split, "BLOCK_BYTES", block)  # a quote's neighbours in the block before or after
    content = csv_file().replace(b"i40,a1,pos", line.encode())
    assert split.split_records(io.BytesIO(content), delimiter=",", target_bytes=100) is None


@pytest.mark.parametrize("block", [5, split.BLOCK_BYTES])
@pytest.mark.parametrize("target", [1, 64])
def test_quoted_values_arrow_reads_as_values_are_still_split_as_one_pass_reads_them(target, block, monkeypatch):
    monkeypatch.setattr(split, "BLOCK_BYTES", block)
    content = b'\xef\xbb\xbf"item_id",annotator_id,"label"' + csv_file()[len(b"item_id,annotator_id,label") :]
    whole = ingest.iter_delivery(io.BytesIO(content), filename="d.csv", labels=LABELS)
    whole_rows = [int(row) for chunk in whole for row in chunk.rows]

    layout, rows, errors, counted = parse_in_spans(content, "d.csv", ",", target)

    assert len(layout.spans) > 1
    assert rows == whole_rows and counted == whole.rows
    assert [error for error in errors if error.column != "annotator_id"] == [
        error for error in whole.errors if error.column != "annotator_id"
    ]


def test_a_quote_starts_a_value_only_after_the_files_own_delimiter():
    tsv = csv_file().replace(b",", b"\t")
    assert split.split_records(io.BytesIO(tsv), delimiter="\t", target_bytes=100) is not None
    after_a_comma = tsv.replace(b"i40\ta1\tpos", b'i40\ta1,"x\tpos')  # a character in a value: a1,"x
    assert split.split_records(io.BytesIO(after_a_comma), delimiter="\t", target_bytes=100) is None


@pytest.mark.parametrize(
    "line",
    [
        '\ufeff{{"item_id": "x{n}", "annotator_id": "a1", "label": "pos"}}',
        '{{"item_id": "x{n}", "annotator_id": "a1", "label": "pos", "_session_id": "s", "answer": "accept"}}',
    ],
    ids=["byte order mark", "a Prodigy record"],
)
def test_a_json_lines_span_starts_with_a_record_the_reader_reads_as_one_pass_does(line):
    lines = jsonl_file().split(b"\n")
    lines[11:31] = [line.format(n=n).encode() for n in range(20)]  # whichever span starts among them starts with one
    content = b"\n".join(lines)
    whole = ingest.iter_delivery(io.BytesIO(content), filename="d.jsonl", labels=LABELS)
    whole_rows = [int(row) for chunk in whole for row in chunk.rows]

    layout, rows, errors, counted = parse_in_spans(content, "d.jsonl", None, 100)

    assert rows == whole_rows and counted == whole.rows
    assert errors == whole.errors


def parquet_file(*, rows: int = 60, per_group: int = 7) -> bytes:
    labels = [LABELS[number % 2] if number != 45 else "sarcastic" for number in range(1, rows + 1)]
    table = pa.table(
        {
            "item_id": [f"i{number}" for number in range(1, rows + 1)],
            "annotator_id": [f"a{number % 3}" for number in range(1, rows + 1)],
            "label": labels,
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer, row_group_size=per_group)
    return buffer.getvalue()


@pytest.mark.parametrize("target", [1, 500, 1_000])
def test_parquet_row_groups_read_alone_number_rows_and_errors_as_one_pass(target):
    content = parquet_file()
    whole = ingest.iter_delivery(io.BytesIO(content), filename="d.parquet", labels=LABELS)
    whole_rows = [int(row) for chunk in whole for row in chunk.rows]

    metadata = pq.ParquetFile(io.BytesIO(content)).metadata
    layout = split.split_row_groups(metadata, target_bytes=target)
    rows, errors = [], []
    for span in layout.spans:
        reader = ingest.iter_delivery(
            io.BytesIO(content),
            filename="d.parquet",
            labels=LABELS,
            first_row=span.first_row,
            row_groups=list(span.row_groups),
        )
        part = [int(row) for chunk in reader for row in chunk.rows]
        assert len(part) == span.rows == reader.rows
        rows += part
        errors += reader.errors

    declared = sum(metadata.row_group(group).total_byte_size for group in range(metadata.num_row_groups))
    assert len(layout.spans) == min(metadata.num_row_groups, round(declared / target))  # of about the target size
    assert [group for span in layout.spans for group in span.row_groups] == list(range(9))  # each group once
    assert rows == whole_rows and errors == whole.errors and errors[0].row == 45
    assert all(before.end <= after.start for before, after in zip(layout.spans, layout.spans[1:], strict=False))


def test_parquet_of_one_row_group_is_not_split():
    metadata = pq.ParquetFile(io.BytesIO(parquet_file(per_group=100))).metadata
    assert metadata.num_row_groups == 1
    assert split.split_row_groups(metadata, target_bytes=1) is None


class _Declaring:
    """A Parquet footer as a hostile writer could leave it: every row group declaring ``size`` bytes uncompressed,
    or (``offset``) every column chunk starting there."""

    def __init__(self, metadata, size: int, offset: int | None = None):
        self._metadata, self._size, self._offset = metadata, size, offset
        self.num_row_groups, self.num_columns = metadata.num_row_groups, metadata.num_columns

    def row_group(self, index: int):
        group = self._metadata.row_group(index)
        declared = {"total_byte_size": self._size, "num_rows": group.num_rows, "num_columns": group.num_columns}
        return type("Group", (), {**declared, "column": group.column if self._offset is None else self._column})

    def _column(self, position: int):
        declared = {"has_dictionary_page": False, "data_page_offset": self._offset, "total_compressed_size": 10}
        return type("Column", (), declared)


@pytest.mark.parametrize("size", [2**62, -1], ids=["a size of exabytes", "a negative size"])
def test_a_footer_declaring_absurd_sizes_costs_the_split_nothing(size):
    """The sizes only shape the spans: exabytes give one span a group (no array a span of 32 MiB each), and a
    negative size leaves the file to the one pass, which reads or refuses it by its own limits."""
    metadata = _Declaring(pq.ParquetFile(io.BytesIO(parquet_file())).metadata, size)
    layout = split.split_row_groups(metadata, target_bytes=32 * 2**20)
    if size < 0:
        assert layout is None
    else:
        assert [list(span.row_groups) for span in layout.spans] == [[group] for group in range(9)]


def test_a_footer_declaring_column_chunks_before_the_file_start_is_left_to_the_one_pass():
    metadata = _Declaring(pq.ParquetFile(io.BytesIO(parquet_file())).metadata, 100, offset=-50)
    assert split.split_row_groups(metadata, target_bytes=100) is None
