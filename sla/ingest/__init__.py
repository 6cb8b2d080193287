"""Reading and validating uploaded files: deliveries, gold sets and QA reviews.

Pure Python (pandas, pyarrow, numpy), no Django: the intake service in ``sla`` stores
what this returns, and the tests run without a database. Supported: delimited text
(comma, tab, semicolon or pipe, UTF-8 with or without BOM), JSON Lines, Parquet, the
native exports of Label Studio (JSON 1.x and 0.x, a list or one task, streamed; JSON-MIN),
Prodigy (JSONL) and doccano (nested and per-user JSONL, JSON), each plain or gzipped,
recognised by content (``native`` lists the versions and their rules). Files are read
and validated in chunks, so memory stays bounded whatever their size.

Modules: ``reader`` (the entry points), ``sources`` (opening, size limit, format
detection), ``tabular`` and ``native`` (the format readers), ``validate`` (typed
canonical columns and per-cell errors), ``keys`` (duplicates across chunks), ``schema``
and ``aliases`` (what the files must contain, as data), ``sniff`` (delimiters),
``errors`` and ``common`` (shared pieces), ``limits`` (what no upload may drive a parser
past: JSON depth, line length, compression ratio, declared Parquet sizes).
"""

from sla.ingest.errors import RowError
from sla.ingest.limits import Limits, upload_too_large
from sla.ingest.reader import (
    Delivery,
    DeliveryChunk,
    DeliveryReader,
    duplicates_note,
    empty_frame,
    format_name,
    iter_delivery,
    read_delivery,
    read_gold,
    read_qa_reviews,
)
from sla.ingest.schema import DELIVERY, GOLD, MAX_CELL_CHARS, QA_REVIEWS, Schema

__all__ = [
    "DELIVERY",
    "GOLD",
    "MAX_CELL_CHARS",
    "QA_REVIEWS",
    "Delivery",
    "DeliveryChunk",
    "DeliveryReader",
    "Limits",
    "RowError",
    "Schema",
    "duplicates_note",
    "format_name",
    "empty_frame",
    "iter_delivery",
    "read_delivery",
    "read_gold",
    "read_qa_reviews",
    "upload_too_large",
]
