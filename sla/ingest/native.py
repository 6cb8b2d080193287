"""Readers for the native exports of Label Studio, Prodigy and doccano, and JSON arrays.

Vendors run these tools and should not have to convert their exports. The exports nest
annotations inside tasks, so they are read one task or line at a time in Python (the
flat formats are read column-wise by Arrow) and handed to the same validator. Only
classification (one choice per annotation) maps to the canonical columns; anything else
is refused with a message that names the tool, what was recognised and the tool's own
field that is missing or unsupported, never guessed.

Row numbers (for errors): for a JSON document, the 1-based position of the task or
record in the exported list (every annotation of a task has its task's row); for
Prodigy and doccano JSON Lines, the 1-based number of the line among the non-blank lines.

Label Studio (JSON export: a list of tasks, or one task object; 1.x ``annotations`` or
0.x ``completions``): ``item_id`` is the task's ``data`` field named like an item id
(``item_id``, ``id``, ...) if there is one, else the task ``id``; ``annotator_id`` is
``completed_by`` (a user id, or the e-mail of a user object), else the annotator given on
upload; ``label`` is the single choice of the annotation's one ``choices`` result;
``annotated_at`` is its ``created_at``; ``prelabel`` is the single choice of the task's
first prediction; ``text`` (the item's content, for reviewers) is ``data.text`` or
another content field. Cancelled (skipped) annotations are not rows; they are counted.
An annotation marked ``ground_truth`` is still its annotator's label (counted in the
notes): gold for scoring only ever comes from a gold set upload.

A JSON list of flat records (Label Studio's JSON-MIN, doccano's JSON export, any list of
rows) is read like JSON Lines records.

Prodigy (JSONL): ``annotator_id`` is ``_annotator_id``, else ``_session_id``, else the
annotator given on upload; ``item_id`` is a top-level or ``meta`` field named like an item
id, else ``_input_hash``; ``annotated_at`` is ``_timestamp``; ``text`` is ``text``. A
choice task (``options``) gives the one option in ``accept``; a rejected choice answer says
which options are wrong, not which is right, so it is skipped and counted. A binary task
(one ``label``) gives ``<label>`` when accepted and ``not <label>`` when rejected, so the
agreement of a binary dataset can be computed. ``ignore`` answers are skipped and counted.

doccano (JSONL): the nested exports (doccano 1.0 to 1.5: ``{"id", "text", "annotations":
[{"label", "user"}]}``, with ``label_name``/``user_name`` in some versions) give one row
per annotation, the label by its name where the export has one; the per-user export of
doccano 1.6 and later (``{"id", "text", "label": [...]}``, one file per user, named after
the user) gives one row per line, the annotator being the one given on upload, else the
file name's stem (``alice.jsonl`` -> ``alice``); an empty ``label`` list (an example that
user did not label) is skipped and counted.

Which JSON Lines flavour a file is comes from its first record: Prodigy if it has
Prodigy's ``_annotator_id``, ``_session_id``, ``_input_hash`` or ``_task_hash`` and an
``answer``; doccano if its ``label`` is a list, or it has doccano's ``Comments`` or a list
of ``annotations``; else canonical JSON Lines. A file whose first line is not a whole
JSON value (a pretty-printed object) is one JSON document.

JSON documents are parsed as a stream (ijson): memory holds one task, not the file. Their
nesting depth is checked on the bytes before the parser sees them (``limits.JsonScan``,
applied by ``sources.open_source``), because a few bytes of ``[`` can nest a million levels.
"""

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import ijson

from sla.ingest.aliases import COLUMN_ALIASES
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
# The fields Label Studio's JSON-MIN writes besides the task data and the control's own column.
LABEL_STUDIO_MIN_KEYS = frozenset(
    {"id", "annotator", "annotation_id", "created_at", "updated_at", "lead_time", "text", "image", "audio"}
)
GIVE_ANNOTATOR = "give the annotator on upload (the annotator field, API annotator or import_batch --annotator)"


def jsonl_flavour(head: bytes) -> str:
    """ "prodigy", "doccano", "json" (one document) or "jsonl" (canonical), from the first record."""
    line = next((line for line in head.split(b"\n") if line.strip()), b"")
    try:
        first = json.loads(line)
    except (ValueError, RecursionError):
        return "jsonl" if line.rstrip().endswith(b"}") else "json"
    if not isinstance(first, dict):
        return "jsonl"
    if PRODIGY_KEYS & first.keys() and "answer" in first:
        return "prodigy"
    if isinstance(first.get("label"), list) or "Comments" in first or isinstance(first.get("annotations"), list):
        return "doccano"
    return "jsonl"


def file_stem(filename: str) -> str:
    """The name a per-user export gives its user: "alice.jsonl.gz" -> "alice" (doccano's own rule)."""
    return filename.rsplit("/", 1)[-1].split(".")[0]


def _single(options, what: str):
    """The one element of ``options``, or why there is not exactly one."""
    if not isinstance(options, list):
        return Invalid(f"{what} should be a list, got {type_of(options)}")
    if len(options) != 1:
        return Invalid(f"{what} has {len(options)} labels; only single-label classification is supported")
    return options[0]


def _lines(opened: Opened, context: ReadContext, cells_of) -> Iterator[RawChunk]:
    """Chunks from a JSON Lines export, ``cells_of(record)`` giving the rows' cells (a list)."""
    builder = RowBuilder(context.schema)
    for row, record in json_lines(opened.stream, 1, context.log):
        for cells in [] if record is None else cells_of(record, context):
            builder.add(row, cells)
        if len(builder) >= context.chunk_rows:
            yield builder.take()
    if len(builder):
        yield builder.take()


def _timestamp(value):
    """A tool's time as cell text: ISO text as it is, epoch seconds converted."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC).isoformat()
    return value


# JSON documents, streamed ----------------------------------------------------------------


def _json_values(opened: Opened) -> Iterator[tuple[int, object]]:
    """(position, value) of each element of a top-level list, or (1, object) for one object."""
    prefix = "item" if opened.head.lstrip()[:1] == b"[" else ""
    try:
        yield from enumerate(ijson.items(opened.stream, prefix, use_float=True), 1)
    except ijson.JSONError as error:
        raise FileProblem(f"the file is not valid JSON: {_first_line(error)}") from error
    except UnicodeDecodeError as error:
        raise FileProblem(f"the file {not_utf8(error, 'text')}") from error


def _first_line(error: Exception) -> str:
    text = error.args[0] if error.args else str(error)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return str(text).strip().splitlines()[0] if str(text).strip() else type(error).__name__


def read_json(opened: Opened, context: ReadContext) -> Iterator[RawChunk]:
    """A JSON document: Label Studio tasks (a list, or one task), or a list of flat records.

    The first element decides: a task has ``annotations`` (Label Studio 1.x) or
    ``completions`` (0.x); anything else is a flat record (Label Studio's JSON-MIN,
    doccano's JSON export, a list of rows).
    """
    builder = RowBuilder(context.schema)
    cells_of = None
    for row, value in _json_values(opened):
        if cells_of is None:
            cells_of = _recognise(value, context)
        for cells in cells_of(row, value, context):
            builder.add(row, cells)
        if len(builder) >= context.chunk_rows:
            yield builder.take()
    if cells_of is None:
        context.format = context.format or "json"
        raise FileProblem("the JSON document holds no tasks or records")
    if len(builder):
        yield builder.take()


def _recognise(first, context: ReadContext):
    if isinstance(first, dict) and ("annotations" in first or "completions" in first):
        context.format = "label_studio" if "annotations" in first else "label_studio_0x"
        return _label_studio_task
    if isinstance(first, dict) and isinstance(first.get("data"), dict):
        context.format = "label_studio"  # a task file without annotations (one to import, not an export)
        return _label_studio_task
    if isinstance(first, dict) and ("annotation_id" in first or "annotator" in first):
        context.format = "label_studio_min"
    elif isinstance(first, dict) and isinstance(first.get("label"), list):
        context.format = "doccano"
    else:
        context.format = "json"
    return _flat_record


def _flat_record(row: int, record, context: ReadContext) -> list[dict]:
    if not isinstance(record, dict):
        context.log.add(
            row, None, f"is neither a Label Studio task nor a record: a JSON object was expected, got {type_of(record)}"
        )
        return []
    if context.format == "label_studio_min":
        return [_label_studio_min_cells(record, context)]
    return _doccano_cells(record, context)


def _label_studio_min_cells(record: dict, context: ReadContext) -> dict:
    cells = aliased(record, context.schema)
    if "label" not in cells:
        own = [key for key in record if key not in LABEL_STUDIO_MIN_KEYS]
        cells["label"] = Invalid(
            "Label Studio JSON-MIN names the choice after the Choices control "
            f'(one of {", ".join(map(repr, own)) or "no other field"}); name the control "label" '
            "or export as Label Studio JSON"
        )
    return cells


# Label Studio ----------------------------------------------------------------------------


def _result_types(results: list) -> str:
    types = sorted({str(r.get("type") or "?") for r in results if isinstance(r, dict)})
    return ", ".join(types) or "none"


def _label_studio_choice(item: dict, what: str):
    """The single choice of an annotation's or prediction's ``result``, or why there is none."""
    results = item.get("result")
    if not isinstance(results, list):
        return Invalid(f"the result of {what} should be a list, got {type_of(results)}")
    choices = [r for r in results if isinstance(r, dict) and "choices" in (r.get("value") or {})]
    if not choices:
        return Invalid(
            f"{what} has no choices in its result (result types: {_result_types(results)}); "
            "only a single-choice classification (a Choices control) can be scored"
        )
    if len(choices) > 1:
        names = ", ".join(sorted({str(r.get("from_name")) for r in choices}))
        return Invalid(
            f"{what} has {len(choices)} choices results (from_name {names}); "
            "only one classification per annotation can be scored"
        )
    chosen = choices[0]["value"]["choices"]
    if isinstance(chosen, list) and len(chosen) != 1:
        return Invalid(
            f"{what} chose {len(chosen)} options ({', '.join(map(str, chosen))}); "
            "only single-choice classification can be scored"
        )
    return _single(chosen, f"the choices of {what}")


def _completed_by(annotation: dict, context: ReadContext):
    user = annotation.get("completed_by")
    if isinstance(user, dict):
        user = user.get("email") or user.get("id")
    if user is None or user == "":
        user = context.annotator or Invalid(
            f"the Label Studio annotation has no completed_by (the annotator); {GIVE_ANNOTATOR}"
        )
    return user


def _label_studio_prelabel(predictions):
    if not isinstance(predictions, list) or not predictions or not isinstance(predictions[0], dict):
        return None
    version = predictions[0].get("model_version")
    what = "the task's first prediction" + (f" (model_version {version!r})" if version else "")
    return _label_studio_choice(predictions[0], what)


def _label_studio_task(row: int, task, context: ReadContext) -> list[dict]:
    key = "annotations" if context.format == "label_studio" else "completions"
    if not isinstance(task, dict) or not isinstance(task.get(key), list):
        version = "1.x" if key == "annotations" else "0.x"
        if isinstance(task, dict) and isinstance(task.get("data"), dict):
            only = " (only predictions)" if task.get("predictions") else ""
            message = f'is a Label Studio task with no "{key}"{only}: export the annotated tasks, not the task file'
            context.log.add(row, None, message)
        else:
            context.log.add(row, None, f'is not a Label Studio {version} task (an object with an "{key}" list)')
        return []
    data = task.get("data") if isinstance(task.get("data"), dict) else {}
    shared = aliased(data, context.schema)
    shared.pop("label", None)  # a task's data never gives the annotators' label
    if "item_id" not in shared:
        shared["item_id"] = task.get("id")
        if shared["item_id"] is None:
            names = ", ".join(COLUMN_ALIASES["item_id"][:4])
            shared["item_id"] = Invalid(f'the Label Studio task has no "id" and its data no item id ({names}, ...)')
    if "prelabel" not in shared and (prelabel := _label_studio_prelabel(task.get("predictions"))) is not None:
        shared["prelabel"] = prelabel
    rows = []
    for annotation in task[key]:
        if not isinstance(annotation, dict):
            context.log.add(row, None, f"has an annotation that is {type_of(annotation)}, not an object")
            continue
        if annotation.get("was_cancelled"):
            context.note("Label Studio annotations cancelled (skipped) in the tool")
            continue
        if annotation.get("ground_truth"):
            context.note(
                "Label Studio annotations marked ground_truth, read as their annotators' labels "
                "(gold comes only from gold set uploads)",
                skipped=False,
            )
        rows.append(
            shared
            | {
                "annotator_id": _completed_by(annotation, context),
                "label": _label_studio_choice(annotation, "the annotation"),
                "annotated_at": _timestamp(annotation.get("created_at")),
            }
        )
    return rows


# Prodigy -------------------------------------------------------------------------------


def _prodigy_label(record: dict, answer, context: ReadContext):
    """The label of one answer, None when it is skipped (and counted)."""
    if answer == "ignore":
        context.note("Prodigy answers marked ignore (skipped)")
        return None
    if answer not in ("accept", "reject"):
        return Invalid(f"answer {answer!r} is not one of {', '.join(PRODIGY_ANSWERS)}")
    if isinstance(record.get("options"), list) or "accept" in record:
        if answer == "reject":
            context.note("Prodigy choice answers rejected, which say no option is right (skipped)")
            return None
        return _single(record.get("accept"), "accept")
    label = record.get("label")
    if not isinstance(label, str) or not label:
        view = record.get("_view_id")
        return Invalid(
            "the Prodigy answer has no label and no options/accept"
            + (f" (its _view_id is {view!r})" if view else "")
            + "; only classification (textcat binary or choice) can be scored"
        )
    return label if answer == "accept" else f"not {label}"


def _prodigy_cells(record: dict, context: ReadContext) -> list[dict]:
    answer = record.get("answer")
    label = _prodigy_label(record, answer, context)
    if label is None:
        return []
    meta = record.get("meta") if isinstance(record.get("meta"), dict) else {}
    top = aliased(record, context.schema)
    cells = aliased(meta, context.schema) | {key: top[key] for key in ("item_id", "text") if key in top}
    cells.setdefault("item_id", record.get("_input_hash"))
    annotator = record.get("_annotator_id") or record.get("_session_id") or context.annotator
    cells["annotator_id"] = annotator or Invalid(
        f"the Prodigy answer has neither _annotator_id nor _session_id; export with Prodigy 1.8 or later, "
        f"or {GIVE_ANNOTATOR}"
    )
    cells["label"] = label
    if "annotated_at" not in cells and isinstance(record.get("_timestamp"), int | float):
        cells["annotated_at"] = _timestamp(record["_timestamp"])
    return [cells]


def read_prodigy(opened: Opened, context: ReadContext) -> Iterator[RawChunk]:
    context.format = "prodigy"
    yield from _lines(opened, context, _prodigy_cells)


# doccano -------------------------------------------------------------------------------


def _doccano_nested(record: dict, context: ReadContext) -> list[dict]:
    """doccano 1.0-1.5: one line per example, its annotations nested, one row each."""
    shared = aliased({key: value for key, value in record.items() if key != "annotations"}, context.schema)
    shared.pop("label", None)
    shared.pop("annotator_id", None)
    if not record["annotations"]:
        context.note("doccano examples without annotations (skipped)")
    rows = []
    for annotation in record["annotations"]:
        if not isinstance(annotation, dict):
            rows.append(shared | {"label": Invalid(f"a doccano annotation is {type_of(annotation)}, not an object")})
            continue
        label = annotation.get("label_name", annotation.get("label"))
        user = annotation.get("user_name", annotation.get("user"))
        rows.append(
            shared
            | {
                "label": Invalid("the doccano annotation has no label") if label is None else label,
                "annotator_id": Invalid("the doccano annotation has no user") if user is None else user,
            }
        )
    return rows


def _doccano_cells(record: dict, context: ReadContext) -> list[dict]:
    if isinstance(record.get("annotations"), list):
        return _doccano_nested(record, context)
    cells = aliased(record, context.schema)
    label = cells.get("label")
    if isinstance(label, list):
        if not label:
            context.note("doccano examples this user did not label (empty label list, skipped)")
            return []
        cells["label"] = _single(label, "label")
    if context.format != "doccano":
        return [cells]
    if "annotator_id" not in cells:
        cells["annotator_id"] = context.annotator or file_stem(context.log.file)
    if "item_id" not in cells:
        cells["item_id"] = Invalid(
            'the doccano example has no "id" (doccano writes the example\'s id as "id"; keep it in the export)'
        )
    return [cells]


def read_doccano(opened: Opened, context: ReadContext) -> Iterator[RawChunk]:
    context.format = "doccano"
    yield from _lines(opened, context, _doccano_cells)
