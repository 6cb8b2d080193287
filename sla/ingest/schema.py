"""What a delivery, a gold set and a QA review file must contain, declared as data.

The three uploads differ only in their columns, in which columns form the key that may
not repeat, and in the wording of a duplicate; reading and validation are shared. Each
column has a ``Kind`` that says how its cells are parsed and checked, so the validator
dispatches on kinds rather than on column names.
"""

from dataclasses import dataclass
from enum import StrEnum

from sla.ingest.aliases import QUEUE_VALUES, VERDICT_VALUES

# Longest cell accepted, in characters. Identifiers, labels and notes are far shorter; a
# longer cell is a broken export (a whole document pasted into a label) or an attack.
MAX_CELL_CHARS = 1000


class Kind(StrEnum):
    LINE = "line"  # one line of text: identifiers, task type, defect type
    LABEL = "label"  # one line of text from the task type's label set
    TEXT = "text"  # free text that may span lines: QA notes
    CHOICE = "choice"  # one of a few coded values, any accepted spelling
    PROBABILITY = "probability"  # a number within [0, 1]
    TIMESTAMP = "timestamp"  # ISO 8601; without an offset it is read as UTC
    FLAG = "flag"  # true/false, yes/no, 1/0; missing means false


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = False
    choices: dict[str, tuple[str, ...]] | None = None


@dataclass(frozen=True)
class Schema:
    name: str
    columns: tuple[Column, ...]
    unique: tuple[str, ...]
    duplicate_message: str  # formatted with the key columns' values and ``first`` (a row)
    multiline: bool = False  # whether CSV values may contain quoted line breaks

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns if column.required)


DELIVERY = Schema(
    name="delivery",
    columns=(
        Column("item_id", Kind.LINE, required=True),
        Column("annotator_id", Kind.LINE, required=True),
        Column("label", Kind.LABEL, required=True),
        Column("task_type", Kind.LINE),
        Column("queue", Kind.CHOICE, choices=QUEUE_VALUES),
        Column("prelabel", Kind.LABEL),
        Column("confidence", Kind.PROBABILITY),
        Column("annotated_at", Kind.TIMESTAMP),
        Column("escalated", Kind.FLAG),
        Column("escalation_resolved_at", Kind.TIMESTAMP),
    ),
    unique=("item_id", "annotator_id"),
    duplicate_message="annotator {annotator_id!r} labeled item {item_id!r} twice (first in row {first})",
)

GOLD = Schema(
    name="gold set",
    columns=(
        Column("item_id", Kind.LINE, required=True),
        Column("label", Kind.LABEL, required=True),
    ),
    unique=("item_id",),
    duplicate_message="item {item_id!r} has a second gold label (first in row {first})",
)

QA_REVIEWS = Schema(
    name="QA reviews",
    columns=(
        Column("item_id", Kind.LINE, required=True),
        Column("reviewer", Kind.LINE, required=True),
        Column("verdict", Kind.CHOICE, required=True, choices=VERDICT_VALUES),
        Column("defect_type", Kind.LINE),
        Column("note", Kind.TEXT),
    ),
    unique=("item_id", "reviewer"),
    duplicate_message="reviewer {reviewer!r} reviewed item {item_id!r} twice (first in row {first})",
    multiline=True,
)
