"""Readers for the native exports of Label Studio, Prodigy and doccano.

Vendors run these tools and should not have to convert their exports. The exports nest
annotations inside tasks, so they are read one task or line at a time in Python (the
flat formats are read column-wise by Arrow) and handed to the same validator. Only
classification (one choice per annotation) maps to the canonical columns; anything else
is reported, never guessed.

Row numbers: for Label Studio, the 1-based position of the task in the exported list
(every annotation of a task has its task's row); for Prodigy and doccano, the 1-based
number of the line among the non-blank lines.

Label Studio (JSON export, one list of tasks): ``item_id`` is the task's ``data`` field
named like an item id (``item_id``, ``id``, ...) if there is one, else the task ``id``;
``annotator_id`` is ``completed_by`` (a user id, or the e-mail of a user object);
``label`` is the single choice of the annotation's ``choices`` result; ``annotated_at``
is its ``created_at``; ``prelabel`` is the single choice of the task's first prediction.
Other canonical columns are taken from the task's ``data``. Cancelled (skipped)
annotations are not rows; they are counted as skipped.

Prodigy (JSONL): ``annotator_id`` is ``_annotator_id``, else ``_session_id``; ``item_id``
is a top-level or ``meta`` field named like an item id, else ``_input_hash``; ``label`` is
the one accepted option (``accept``) of a choice task, or the ``label`` of a binary task;
``annotated_at`` is ``_timestamp``; other canonical columns come from ``meta``. Only
accepted answers are rows: ``ignore`` skips the example and ``reject`` says which label
does not apply, not which does, so both are counted as skipped.

doccano (JSONL): each line is one annotation with its fields under any accepted name
(``id``, ``user``, ``label`` ...); ``label`` may be a string or a list of exactly one.

Which JSON Lines flavour a file is comes from its first record: Prodigy if it has
Prodigy's ``_annotator_id``, ``_session_id``, ``_input_hash`` or ``_task_hash`` and an
``answer``; doccano if its ``label`` is a list or it has doccano's ``Comments``; else
canonical JSON Lines (where a doccano line with a string label reads the same anyway).
"""

import json
from collections.abc import Iterator
from datetime import UTC, datetime

from sla.ingest.common import (
    Invalid,
    RawChunk,
    ReadContext,
    RowBuilder,
    aliased,
    json_lines,
    not_utf8,
    type_of,
)
from sla.ingest.errors import FileProblem
from sla.ingest.sources import Opened

PRODIGY_KEYS = frozenset({"_annotator_id", "_session_id", "_input_hash", "_task_hash"})
PRODIGY_ANSWERS = ("accept", "reject", "ignore")


def jsonl_flavour(head: bytes) -> str:
    """ "prodigy", "doccano" or "jsonl" (canonical), judged from the first record."""
    line = next((line for line in head.split(b"\n") if line.strip()), b"")
    try:
        first = json.loads(line)
    except ValueError:
        return "jsonl"
    if not isinstance(first, dict):
        return "jsonl"
    if PRODIGY_KEYS & first.keys() and "answer" in first:
        return "prodigy"
    if isinstance(first.get("label"), list) or "Comments" in first:
        return "doccano"
    return "jsonl"


def _single(options, what: str):
    """The one element of ``options``, or why there is not exactly one."""
    if not isinstance(options, list):
        return Invalid(f"{what} should be a list, got {type_of(options)}")
    if len(options) != 1:
        return Invalid(f"{what} has {len(options)} labels; only single-label classification is supported")
    return options[0]


def _lines(opened: Opened, context: ReadContext, cells_of) -> Iterator[RawChunk]:
    """Chunks from a JSON Lines export, ``cells_of(record)`` giving a row's cells or None."""
    builder = RowBuilder(context.schema)
    for row, record in json_lines(opened.stream, 1, context.log):
        cells = None if record is None else cells_of(record, context)
        if cells is not None:
            builder.add(row, cells)
        if len(builder) >= context.chunk_rows:
            yield builder.take()
    if len(builder):
        yield builder.take()


# Label Studio --------------------------------------------------------------------------


def _load_json(opened: Opened):
    data = opened.stream.read()
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise FileProblem(f"line {line} {not_utf8(error, 'file')}") from error
    except ValueError as error:
        raise FileProblem(f"the file is not valid JSON: {error}") from error


def _label_studio_choice(annotation: dict):
    results = annotation.get("result")
    if not isinstance(results, list):
        return Invalid(f"the annotation's result should be a list, got {type_of(results)}")
    choices = [r["value"]["choices"] for r in results if isinstance(r, dict) and "choices" in (r.get("value") or {})]
    if len(choices) != 1:
        return Invalid(f"the annotation has {len(choices)} choices results; exactly one classification is supported")
    return _single(choices[0], "the choices result")


def _completed_by(annotation: dict):
    user = annotation.get("completed_by")
    if isinstance(user, dict):
        return user.get("email") or user.get("id")
    return user


def _label_studio_task(row: int, task, context: ReadContext) -> list[dict]:
    if not isinstance(task, dict) or not isinstance(task.get("annotations"), list):
        context.log.add(row, None, "is not a Label Studio task (an object with an annotations list)")
        return []
    data = task.get("data") if isinstance(task.get("data"), dict) else {}
    shared = aliased(data, context.schema)
    shared.setdefault("item_id", task.get("id"))
    predictions = task.get("predictions") or []
    if "prelabel" not in shared and predictions and isinstance(predictions[0], dict):
        shared["prelabel"] = _label_studio_choice(predictions[0])
    rows = []
    for annotation in task.get("annotations", []):
        if isinstance(annotation, dict) and annotation.get("was_cancelled"):
            context.skipped += 1
            continue
        if not isinstance(annotation, dict):
            context.log.add(row, None, f"has an annotation that is {type_of(annotation)}, not an object")
            continue
        rows.append(
            shared
            | {
                "annotator_id": _completed_by(annotation),
                "label": _label_studio_choice(annotation),
                "annotated_at": annotation.get("created_at"),
            }
        )
    return rows


def read_label_studio(opened: Opened, context: ReadContext) -> Iterator[RawChunk]:
    """Label Studio's JSON export. It is one JSON document, so it is parsed whole."""
    context.format = "label_studio"
    tasks = _load_json(opened)
    if not isinstance(tasks, list):
        raise FileProblem("a JSON file must be a Label Studio export: a list of tasks")
    builder = RowBuilder(context.schema)
    for row, task in enumerate(tasks, 1):
        for cells in _label_studio_task(row, task, context):
            builder.add(row, cells)
        if len(builder) >= context.chunk_rows:
            yield builder.take()
    if len(builder):
        yield builder.take()


# Prodigy -------------------------------------------------------------------------------


def _prodigy_cells(record: dict, context: ReadContext) -> dict | None:
    answer = record.get("answer")
    if answer in ("reject", "ignore"):
        context.skipped += 1
        return None
    meta = record.get("meta") if isinstance(record.get("meta"), dict) else {}
    cells = aliased(meta, context.schema) | {
        key: value for key, value in aliased(record, context.schema).items() if key == "item_id"
    }
    cells.setdefault("item_id", record.get("_input_hash"))
    cells["annotator_id"] = record.get("_annotator_id") or record.get("_session_id")
    if answer != "accept":
        cells["label"] = Invalid(f"answer {answer!r} is not one of {', '.join(PRODIGY_ANSWERS)}")
    elif "accept" in record:
        cells["label"] = _single(record["accept"], "accept")
    else:
        cells["label"] = record.get("label")
    if "annotated_at" not in cells and isinstance(record.get("_timestamp"), int | float):
        cells["annotated_at"] = datetime.fromtimestamp(record["_timestamp"], UTC).isoformat()
    return cells


def read_prodigy(opened: Opened, context: ReadContext) -> Iterator[RawChunk]:
    context.format = "prodigy"
    yield from _lines(opened, context, _prodigy_cells)


# doccano -------------------------------------------------------------------------------


def _doccano_cells(record: dict, context: ReadContext) -> dict:
    cells = aliased(record, context.schema)
    if isinstance(cells.get("label"), list):
        cells["label"] = _single(cells["label"], "label") if cells["label"] else None
    return cells


def read_doccano(opened: Opened, context: ReadContext) -> Iterator[RawChunk]:
    context.format = "doccano"
    yield from _lines(opened, context, _doccano_cells)
