"""Regression tests for what the labeling tools write and the intake once got wrong.

Each test builds the smallest file that shows one defect of issue 13: a gold column scored
as the annotators' label, Label Studio variants refused or crashing, doccano's per-user
export without its annotator, Prodigy's binary rejects dropped and repeated answers with
no way to say which counts.
"""

import io
import json
import random
import time

import pytest

from sla.ingest import iter_delivery, read_delivery, read_gold
from sla.ingest.errors import FileProblem
from sla.ingest.limits import JsonScan, Limits


def delivery(content: bytes | str, name: str = "delivery.csv", **options):
    data = content.encode() if isinstance(content, str) else content
    return read_delivery(io.BytesIO(data), filename=name, **options)


def jsonl(records) -> bytes:
    return "".join(json.dumps(record) + "\n" for record in records).encode()


# Gold columns --------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["gold", "gold_label", "Ground Truth", "true_label"])
def test_a_gold_column_in_a_delivery_is_refused_not_scored(spelling):
    result = delivery(f"worker,item_id,response,{spelling}\nw1,i1,yes,yes\nw2,i1,no,yes\n")

    assert not result.ok
    assert (result.errors[0].column, result.errors[0].message) == (
        spelling,
        f"column {spelling!r} holds gold (reference) labels; a delivery is scored on its annotators' labels only. "
        "Remove the column and upload the gold labels as a gold set (item_id, label)",
    )


def test_a_delivery_with_only_a_gold_column_is_refused_not_read_as_labels():
    result = delivery("worker,item_id,gold\nw1,i1,yes\nw2,i1,yes\n")

    assert not result.ok
    assert any("gold set" in error.message for error in result.errors)


def test_a_gold_key_in_json_lines_records_is_refused_too():
    result = delivery(jsonl([{"item_id": "i1", "annotator_id": "a", "label": "x", "gold": "x"}]), "d.jsonl")

    assert not result.ok
    assert result.errors[0].column == "gold"
    assert "gold set" in result.errors[0].message


@pytest.mark.parametrize("null_line", [False, True], ids=["parsed by Arrow", "parsed line by line"])
def test_a_gold_key_in_some_json_lines_is_told_once_and_every_row_is_still_read(null_line):
    """Whichever lines (blocks, fanned-out chunks) hold the key, the file reads the same."""
    records = [{"item_id": f"i{n}", "annotator_id": "a", "label": "x"} for n in range(5)]
    for gold in (records[1], records[3]):
        gold["gold"] = "x"
    del records[4]["label"]
    lines = [json.dumps(record) for record in records] + (["null"] if null_line else [])
    result = delivery("\n".join(lines), "d.jsonl")

    assert result.rows == 5
    assert [(error.row, error.column) for error in result.errors] == [(None, "gold"), (5, "label")] + (
        [(6, None)] if null_line else []
    )


def test_a_gold_key_in_doccano_records_is_refused_on_the_label():
    line = {"id": 1, "text": "t", "label": ["x"], "gold": "x"}
    result = delivery(jsonl([line]), "alice.jsonl")

    assert result.errors[0].column == "label"
    assert "gold set" in result.errors[0].message


def test_a_gold_set_still_accepts_gold_spellings():
    result = read_gold(io.BytesIO(b"item_id,gold\ni1,yes\ni2,no\n"), filename="gold.csv")

    assert result.ok, result.errors
    assert result.frame.label.tolist() == ["yes", "no"]


# Label Studio --------------------------------------------------------------------------


def _task(task_id, annotations, **extra):
    return {"id": task_id, "data": {"text": f"text {task_id}"}, "annotations": annotations, **extra}


def _choice(user, choice, **extra):
    return {
        "completed_by": user,
        "result": [{"type": "choices", "from_name": "sentiment", "value": {"choices": [choice]}}],
        **extra,
    }


def test_label_studio_task_with_several_annotations_gives_one_row_each_with_its_text_once():
    tasks = [
        _task(1, [_choice(1, "pos"), _choice({"id": 2, "email": "b@x"}, "neg"), _choice(3, "pos", was_cancelled=True)])
    ]
    result = delivery(json.dumps(tasks), "export.json")

    assert result.ok, result.errors
    assert result.frame[["item_id", "annotator_id", "label"]].values.tolist() == [
        ["1", "1", "pos"],
        ["1", "b@x", "neg"],
    ]
    assert result.frame.index.tolist() == [1, 1]  # errors point at the task
    assert result.notes == ("1 Label Studio annotations cancelled (skipped) in the tool",)


def test_label_studio_taxonomy_is_refused_naming_the_control_type():
    taxonomy = {"completed_by": 1, "result": [{"type": "taxonomy", "value": {"taxonomy": [["Animal", "Cat"]]}}]}
    result = delivery(json.dumps([_task(1, [taxonomy])]), "export.json")

    assert result.errors[0].message == (
        "the annotation has no choices in its result (result types: taxonomy); "
        "only a single-choice classification (a Choices control) can be scored"
    )


def test_label_studio_two_choices_controls_are_named():
    annotation = {
        "completed_by": 1,
        "result": [
            {"type": "choices", "from_name": "sentiment", "value": {"choices": ["pos"]}},
            {"type": "choices", "from_name": "topic", "value": {"choices": ["sport"]}},
        ],
    }
    result = delivery(json.dumps([_task(1, [annotation])]), "export.json")

    assert result.errors[0].message == (
        "the annotation has 2 choices results (from_name sentiment, topic); "
        "only one classification per annotation can be scored"
    )


def test_label_studio_prelabel_comes_from_the_first_prediction():
    prediction = {"model_version": "v1", "result": [{"type": "choices", "value": {"choices": ["neg"]}}]}
    result = delivery(json.dumps([_task(1, [_choice(1, "pos")], predictions=[prediction])]), "export.json")

    assert result.ok, result.errors
    assert result.frame.prelabel.tolist() == ["neg"]


@pytest.mark.parametrize("nesting", [b"[" * 50_000, b"[" + b'{"a":' * 50_000 + b"1" + b"}" * 50_000 + b"]"])
def test_deeply_nested_json_is_refused_quickly_not_a_recursion_error(nesting):
    started = time.monotonic()
    result = delivery(nesting, "export.json")

    assert time.monotonic() - started < 5
    assert not result.ok
    assert result.errors[0].message == (
        "line 1 nests arrays or objects more than 64 deep; no delivery needs that, so the file is not read"
    )


def test_label_studio_export_is_read_as_a_stream_in_chunks():
    tasks = [_task(i, [_choice(1, "pos"), _choice(2, "neg")]) for i in range(1, 2001)]
    reader = iter_delivery(io.BytesIO(json.dumps(tasks).encode()), filename="export.json", chunk_rows=500)
    sizes = [chunk.table.num_rows for chunk in reader]

    assert reader.error_count == 0
    assert sum(sizes) == 4000 and max(sizes) <= 501


def test_pretty_printed_single_task_is_one_json_document_not_json_lines():
    task = json.dumps(_task(7, [_choice(1, "pos")]), indent=2)
    result = delivery(task, "task.json")

    assert result.ok, result.errors
    assert result.format == "label_studio"
    assert result.frame.item_id.tolist() == ["7"]


# doccano -------------------------------------------------------------------------------

PER_USER = [
    {"id": 1, "text": "Terrible customer service.", "label": ["negative"], "Comments": []},
    {"id": 2, "text": "Really great transaction.", "label": [], "Comments": []},
    {"id": 3, "text": "Great price.", "label": ["positive"], "Comments": []},
]


def test_doccano_per_user_export_takes_the_file_name_as_its_annotator():
    result = delivery(jsonl(PER_USER), "alice.jsonl")

    assert result.ok, result.errors
    assert result.frame[["item_id", "annotator_id", "label"]].values.tolist() == [
        ["1", "alice", "negative"],
        ["3", "alice", "positive"],
    ]
    assert result.notes == ("1 doccano examples this user did not label (empty label list, skipped)",)


def test_doccano_per_user_export_takes_the_annotator_given_on_upload():
    result = delivery(jsonl(PER_USER), "export.jsonl.gz", annotator="bob")

    assert set(result.frame.annotator_id) == {"bob"}


def test_doccano_nested_annotations_by_two_users_give_two_rows():
    line = {"id": 9, "text": "t", "annotations": [{"label": 1, "user": 1}, {"label": 2, "user": 2}]}
    result = delivery(jsonl([line]), "d.jsonl")

    assert result.ok, result.errors
    assert result.frame[["item_id", "annotator_id", "label"]].values.tolist() == [["9", "1", "1"], ["9", "2", "2"]]


# Prodigy -------------------------------------------------------------------------------


def _answer(answer, annotator="s-1", item=1, label="SPORTS", **extra):
    return {"text": "t", "label": label, "_input_hash": item, "_task_hash": item, "answer": answer} | (
        {"_session_id": annotator} | extra
    )


def test_prodigy_binary_reject_is_the_negative_label_and_ignore_is_counted():
    lines = [_answer("accept"), _answer("reject", item=2), _answer("ignore", item=3)]
    result = delivery(jsonl(lines), "db.jsonl")

    assert result.ok, result.errors
    assert result.frame.label.tolist() == ["SPORTS", "not SPORTS"]
    assert result.frame.annotator_id.tolist() == ["s-1", "s-1"]  # _session_id when there is no _annotator_id
    assert result.skipped == 1


def test_prodigy_choice_reject_is_skipped_because_it_names_no_option():
    line = {"text": "t", "options": [{"id": "A"}, {"id": "B"}], "accept": [], "_input_hash": 1, "answer": "reject"}
    result = delivery(jsonl([line, _answer("accept", item=2)]), "db.jsonl")

    assert result.rows == 1
    assert result.notes[0] == "1 Prodigy choice answers rejected, which say no option is right (skipped)"


def test_prodigy_latest_answer_wins_by_timestamp_not_file_order():
    lines = [
        _answer("accept", _timestamp=200),
        _answer("reject", _timestamp=100),
        _answer("accept", item=2, _timestamp=50),
    ]
    result = delivery(jsonl(lines), "db.jsonl", duplicates="latest")

    assert result.ok, result.errors
    assert result.frame.label.tolist() == ["SPORTS", "SPORTS"]
    assert result.skipped == 1


def test_unknown_duplicates_policy_is_refused():
    with pytest.raises(ValueError, match="duplicates must be one of reject, first, latest"):
        delivery(jsonl([_answer("accept")]), "db.jsonl", duplicates="any")


# Item content -----------------------------------------------------------------------


def test_item_text_is_kept_cut_and_cleaned_but_never_an_error():
    long = "word " * 2000
    result = delivery(f'item_id,annotator_id,label,text\ni1,a,x,"{long}"\ni2,a,x,"tab\there\x01"\ni3,a,x,\n')

    assert result.ok, result.errors
    texts = result.frame.text.tolist()
    assert len(texts[0]) == 5000 and texts[0].endswith("…")
    assert texts[1] == "tab\there"
    assert texts[2] is None or texts[2] != texts[2]  # missing


# Numeric labels ------------------------------------------------------------------------


def test_at_an_ordered_level_a_number_spelled_differently_is_the_label_sets_label():
    content = "item_id,annotator_id,label\ni1,a,00\ni1,b,-0\ni2,a,2.0\ni2,b,1\n"

    numeric = delivery(content, labels=["0", "1", "2"], numeric_labels=True)
    nominal = delivery(content, labels=["0", "1", "2"])

    assert numeric.ok, numeric.errors
    assert numeric.frame.label.tolist() == ["0", "0", "2", "1"]
    assert [error.message for error in nominal.errors][:1] == ["'00' is not in the task type's label set (0, 1, 2)"]
    assert not delivery(content.replace("2.0", "3"), labels=["0", "1", "2"], numeric_labels=True).ok


def test_the_depth_check_ignores_brackets_in_strings_whatever_the_block_boundaries():
    """Brackets, quotes and backslashes inside strings, fed to the scan in pieces of 1-7 bytes."""
    rng = random.Random(1)

    def value(level=0):
        draw = rng.random()
        if level > 8 or draw < 0.3:
            return "".join(rng.choice('ab[]{}"\\\\ ') for _ in range(rng.randint(0, 6)))
        if draw < 0.65:
            return [value(level + 1) for _ in range(rng.randint(0, 3))]
        return {f"k{i}{rng.choice('[]{}')}": value(level + 1) for i in range(rng.randint(0, 3))}

    def depth(item):
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        return 0 if children is None else 1 + max(map(depth, children), default=0)

    for _ in range(1000):
        item, limit = value(), rng.randint(0, 10)
        text = json.dumps(item).encode()
        scan = JsonScan(Limits(json_depth=limit), lines=False)
        try:
            start = 0
            while start < len(text):
                size = rng.randint(1, 7)
                scan.feed(text[start : start + size])
                start += size
            refused = False
        except FileProblem:
            refused = True
        assert refused == (depth(item) > limit), (item, limit)
