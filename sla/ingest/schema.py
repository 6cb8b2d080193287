"""What a delivery, a gold set and a QA review file must contain, declared as data.

The three uploads differ only in their columns, in which columns form the key that may
not repeat, and in the wording of a duplicate; reading and validation are shared. Each
column has a ``Kind`` that says how its cells are parsed and checked, so the validator
dispatches on kinds rather than on column names.
"""

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from sla.ingest.aliases import (
    GOLD_IN_DELIVERY,
    GOLD_LABEL_ALIASES,
    QUEUE_VALUES,
    VERDICT_VALUES,
    canonical_names,
    normalize,
)

# Longest cell accepted, in characters. Identifiers, labels and notes are far shorter; a
# longer cell is a broken export (a whole document pasted into a label) or an attack.
MAX_CELL_CHARS = 1000
# Longest item content kept, in characters: enough for a reviewer to judge a label, and a
# document longer than that is cut (with an ellipsis), not refused, since the content is
# shown to reviewers and never scored.
MAX_CONTENT_CHARS = 5000


class Kind(StrEnum):
    LINE = "line"  # one line of text: identifiers, task type, defect type
    LABEL = "label"  # one line of text from the task type's label set
    TEXT = "text"  # free text that may span lines: QA notes
    CHOICE = "choice"  # one of a few coded values, any accepted spelling
    PROBABILITY = "probability"  # a number within [0, 1]
    TIMESTAMP = "timestamp"  # ISO 8601; without an offset it is read as UTC
    FLAG = "flag"  # true/false, yes/no, 1/0; missing means false
    CONTENT = "content"  # the item's own text, for reviewers: may span lines, cut at MAX_CONTENT_CHARS


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
    aliases: dict[str, tuple[str, ...]] | None = None  # spellings accepted here besides the shared ones
    refused: dict[str, str] | None = None  # spelling -> why a column of that name is refused ({name})

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @cached_property
    def known_names(self) -> dict[str, str]:
        """Normalised spelling -> canonical column, for every accepted spelling."""
        return canonical_names(self.names, self.aliases)

    @cached_property
    def _refused(self) -> dict[str, str]:
        return {normalize(spelling): message for spelling, message in (self.refused or {}).items()}

    def refusal(self, name: str) -> str | None:
        """Why a column named ``name`` may not be in this upload, or None."""
        message = self._refused.get(normalize(name))
        return None if message is None else message.format(name=name)

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
        Column("text", Kind.CONTENT),
    ),
    unique=("item_id", "annotator_id"),
    duplicate_message=(
        "annotator {annotator_id!r} labeled item {item_id!r} twice (first in row {first}); "
        "to keep one answer, upload with duplicates=latest or duplicates=first"
    ),
    refused=dict.fromkeys(GOLD_LABEL_ALIASES, GOLD_IN_DELIVERY),
)

GOLD = Schema(
    name="gold set",
    columns=(
        Column("item_id", Kind.LINE, required=True),
        Column("label", Kind.LABEL, required=True),
    ),
    unique=("item_id",),
    duplicate_message="item {item_id!r} has a second gold label (first in row {first})",
    aliases={"label": GOLD_LABEL_ALIASES},
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
