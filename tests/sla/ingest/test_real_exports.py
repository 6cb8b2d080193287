"""The files Label Studio, doccano and Prodigy really write, from their own repositories.

Each file of ``tests/fixtures/real`` (origins in its README) is either read to the rows a
user expects or refused with a message that names the tool's own field that is missing
or unsupported. Before this reader, every doccano export, the single-task and 0.x Label
Studio files and Prodigy's binary rejects were refused or silently dropped.
"""

import gzip
import json
from collections import Counter
from pathlib import Path

import pytest

from sla.ingest import read_delivery

REAL = Path(__file__).resolve().parents[2] / "fixtures" / "real"


def read(relative: str, **options):
    path = REAL / relative
    return read_delivery(path, filename=path.name, **options)


def messages(result) -> list[tuple]:
    return [(error.row, error.column, error.message) for error in result.errors]


# Label Studio --------------------------------------------------------------------------


def test_label_studio_export_with_user_objects_reads_its_choice_and_text():
    result = read("label_studio/ls1_export_sentiment_history.json")

    assert result.ok, result.errors
    assert result.format == "label_studio"
    row = result.frame.iloc[0]
    assert (row.item_id, row.annotator_id, row.label) == ("6141", "sergei@heartex.e2e", "Positive")
    assert row.text.startswith("Calif. wildfires signal")  # data.text, kept for reviewers


def test_label_studio_single_task_object_is_read():
    result = read("label_studio/ls1_previous_export_single_task.json")

    assert result.ok, result.errors
    assert result.frame[["item_id", "annotator_id", "label"]].values.tolist() == [
        ["1234", "annotator_from_past@project.com", "Cat"]
    ]
    assert str(result.frame.iloc[0].annotated_at) == "2021-07-06 06:06:25.927570+00:00"


def test_label_studio_0x_completions_are_recognised_and_what_they_lack_is_named():
    result = read("label_studio/ls0x_completions_348.json")

    assert result.format == "label_studio_0x"
    assert messages(result) == [
        (
            1,
            "annotator_id",
            "the Label Studio annotation has no completed_by (the annotator); give the annotator on upload "
            "(the annotator field, API annotator or import_batch --annotator)",
        ),
        (
            1,
            "label",
            "the annotation has no choices in its result (result types: labels); "
            "only a single-choice classification (a Choices control) can be scored",
        ),
    ]
    given = read("label_studio/ls0x_completions_348.json", annotator="alice")
    assert [error.column for error in given.errors] == ["label"]


def test_label_studio_prediction_that_is_not_a_classification_is_blamed_on_the_prediction():
    result = read("label_studio/ls16_export_rectangles.json")

    assert not result.ok
    assert (
        1,
        "prelabel",
        "the task's first prediction (model_version 'model 0') has no choices in its result "
        "(result types: rectanglelabels); only a single-choice classification (a Choices control) can be scored",
    ) in messages(result)
    assert any(column == "label" and "rectanglelabels" in text for _, column, text in messages(result))


def test_label_studio_choice_with_line_breaks_is_refused_at_its_cell():
    result = read("label_studio/ls1_export_choice_with_controls.json")

    assert messages(result) == [(1, "label", 'contains a control character: \'Yes " "" \\n \\t \\t а б в\'')]


def test_label_studio_tasks_without_id_are_refused_naming_id_and_ground_truth_is_noted():
    result = read("label_studio/ls1_humor_dataset_no_task_id.json")

    assert [(row, column) for row, column, _ in messages(result)] == [(1, "item_id"), (2, "item_id")]
    assert result.errors[0].message.startswith('the Label Studio task has no "id" and its data no item id')


def test_label_studio_task_file_with_only_predictions_is_refused_as_not_an_export():
    result = read("label_studio/ls1_text_with_2_predictions_no_annotations.json")

    assert messages(result) == [
        (
            1,
            None,
            'is a Label Studio task with no "annotations" (only predictions): '
            "export the annotated tasks, not the task file",
        )
    ]


def test_label_studio_csv_export_without_a_label_column_is_refused_naming_the_column():
    """Label Studio's CSV/TSV export names the choice column after the Choices control."""
    result = read("label_studio/ls_csv_export_tsv.csv")

    assert result.format == "tsv"
    assert messages(result) == [
        (
            None,
            "label",
            "required column label is missing (accepted names: label, answer, category, class, annotation, "
            "choice, response)",
        )
    ]


# doccano -------------------------------------------------------------------------------


def test_doccano_nested_export_with_names_reads_one_row_per_annotation():
    result = read("doccano/doccano_1x_nested_with_names.jsonl")

    assert result.ok, result.errors
    assert result.format == "doccano"
    assert result.frame[["item_id", "annotator_id", "label", "text"]].values.tolist() == [
        ["1", "user1", "negative", "Terrible customer service."],
        ["2", "user1", "positive", "Really great transaction."],
        ["3", "user1", "positive", "Great price."],
    ]


def test_doccano_nested_export_with_ids_reads_the_ids_and_the_label_set_names_them():
    result = read("doccano/doccano_1x_nested_ids.jsonl")

    assert result.ok, result.errors
    assert result.frame[["item_id", "annotator_id", "label"]].values.tolist() == [
        ["1", "1", "1"],
        ["2", "1", "2"],
        ["3", "1", "2"],
    ]
    named = read("doccano/doccano_1x_nested_ids.jsonl", labels=["negative", "positive"])
    assert named.errors[0].message == "'1' is not in the task type's label set (negative, positive)"


@pytest.mark.parametrize("name", ["doccano_per_user_example.jsonl", "doccano_per_user_example.json"])
def test_doccano_per_user_documentation_example_without_id_is_refused_naming_id(name):
    result = read(f"doccano/{name}")

    assert result.format == "doccano"
    assert messages(result)[0] == (
        1,
        "item_id",
        'the doccano example has no "id" (doccano writes the example\'s id as "id"; keep it in the export)',
    )


# Prodigy -------------------------------------------------------------------------------


def _prodigy_records(name: str) -> list[dict]:
    with gzip.open(REAL / "prodigy" / name, "rt") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def test_prodigy_without_annotator_fields_names_both_and_reads_with_the_given_annotator():
    refused = read("prodigy/annotated_reddit-INSULT-textcat.jsonl.gz")
    assert refused.errors[0].message == (
        "the Prodigy answer has neither _annotator_id nor _session_id; export with Prodigy 1.8 or later, "
        "or give the annotator on upload (the annotator field, API annotator or import_batch --annotator)"
    )

    # One text was served twice (same _input_hash): the one annotator's first answer is kept.
    result = read("prodigy/annotated_reddit-INSULT-textcat.jsonl.gz", annotator="reddit-rater", duplicates="first")

    assert result.ok, result.errors
    records = _prodigy_records("annotated_reddit-INSULT-textcat.jsonl.gz")
    first = {}
    for record in records:
        if record["answer"] != "ignore":
            first.setdefault(record["_input_hash"], record["answer"])
    answers = Counter(first.values())
    assert Counter(result.frame.label) == {"INSULT": answers["accept"], "not INSULT": answers["reject"]}
    assert answers["reject"] > 300  # the rejects are the bulk of a binary dataset, not dropped
    assert Counter(record["answer"] for record in records)["ignore"] == 58
    assert result.notes == (
        "58 Prodigy answers marked ignore (skipped)",
        "1 repeated answers of an annotator to an item dropped (duplicates=first: the first answer kept)",
    )
    assert set(result.frame.annotator_id) == {"reddit-rater"}


def test_prodigy_repeated_answers_are_refused_by_default_with_the_way_out():
    result = read("prodigy/pydata-ams-2023.jsonl.gz")

    assert result.error_count == 46
    assert result.errors[0].message.endswith("to keep one answer, upload with duplicates=latest or duplicates=first")


@pytest.mark.parametrize("policy", ["latest", "first"])
def test_prodigy_repeated_answers_keep_the_latest_or_the_first(policy):
    result = read("prodigy/pydata-ams-2023.jsonl.gz", duplicates=policy)

    assert result.ok, result.errors
    answered = [r for r in _prodigy_records("pydata-ams-2023.jsonl.gz") if r["answer"] != "ignore"]
    chosen = {}
    for record in answered:  # the file is in time order; ties keep file order
        key = (str(record["_input_hash"]), record["_annotator_id"])
        if policy == "latest" and (key not in chosen or record["_timestamp"] >= chosen[key]["_timestamp"]):
            chosen[key] = record
        elif policy == "first":
            chosen.setdefault(key, record)
    expected = {
        key: record["label"] if record["answer"] == "accept" else f"not {record['label']}"
        for key, record in chosen.items()
    }
    got = dict(zip(zip(result.frame.item_id, result.frame.annotator_id, strict=True), result.frame.label, strict=True))
    assert got == expected
    assert result.rows == len(expected) == 3047
    assert result.notes == (
        "279 Prodigy answers marked ignore (skipped)",
        f"46 repeated answers of an annotator to an item dropped (duplicates={policy}: the {policy} answer kept)",
    )


def test_prodigy_ner_spans_are_refused_naming_the_view():
    result = read("prodigy/annotated_news_headlines-ORG-PERSON-LOCATION-ner.jsonl.gz")

    assert result.format == "prodigy+gzip"
    assert (
        1,
        "label",
        "the Prodigy answer has no label and no options/accept (its _view_id is 'ner_manual'); "
        "only classification (textcat binary or choice) can be scored",
    ) in messages(result)
