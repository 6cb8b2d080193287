"""CSV and XLSX exports of the delivery lists (batches, findings, breaches) and the credit statement.

The same filtered queryset as the JSON list goes in; rows come out one at a time, so an
export of 100,000 rows holds one chunk of the query in memory, not the list: CSV is a
streamed response written line by line (the stdlib ``csv`` writer), XLSX is openpyxl's
write-only workbook, which spools rows to a temporary file as they are appended, sent
with ``FileResponse``. ``bench/exports.py`` measures the peak.

Every cell a person reads follows the same two rules:
- date-times in the contract's time zone with its abbreviation (``sla.timefmt``);
- text that a spreadsheet would run as a formula (a cell starting with ``=``, ``+``, ``-``,
  ``@``, tab or carriage return: OWASP's CSV-injection rule) gets a leading ``'``.
"""

import csv
import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from sla.timefmt import local_datetime

FORMATS = ("csv", "xlsx")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ITERATOR_CHUNK = 2000


def neutralise(text: str) -> str:
    """Text a spreadsheet would evaluate, made inert with a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable


@dataclass(frozen=True)
class Export:
    """What one export writes: its columns (headed by the JSON field names) and each row's time zone."""

    name: str
    columns: tuple[Column, ...]
    zone: Callable

    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def row(self, obj) -> list:
        zone = self.zone(obj)
        return [cell(column.value(obj), zone) for column in self.columns]


def cell(value, zone: str):
    """One value as a spreadsheet should hold it: numbers stay numbers, times read in ``zone``, text made inert."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return local_datetime(value, zone)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool | int | float | Decimal):
        return value
    return neutralise(str(value))


def _col(header: str, value: Callable | None = None) -> Column:
    return Column(header, value or (lambda obj, name=header: getattr(obj, name)))


BATCHES = Export(
    name="batches",
    columns=(
        _col("id", lambda b: b.pk),
        _col("vendor", lambda b: b.contract.vendor_id),
        _col("vendor_name", lambda b: b.contract.vendor.name),
        _col("contract", lambda b: b.contract_id),
        _col("contract_title", lambda b: b.contract.title),
        _col("task_type", lambda b: b.task_type.name),
        _col("reference"),
        _col("status"),
        _col("verdict"),
        _col("rows"),
        _col("items"),
        _col("annotators"),
        _col("error_count"),
        _col("terms_version", lambda b: b.terms_version_id),
        _col("claimed_accuracy"),
        _col("remediates", lambda b: b.remediates_id),
        _col("redelivered_items"),
        _col("invoiced_items"),
        _col("remediation_coverage"),
        _col("original_name"),
        _col("sha256"),
        _col("size"),
        _col("format"),
        _col("delivered_at"),
        _col("due_at"),
        _col("processed_at"),
    ),
    zone=lambda b: b.contract.time_zone,
)

FINDINGS = Export(
    name="findings",
    columns=(
        _col("batch", lambda f: f.check_run.batch_id),
        _col("vendor", lambda f: f.check_run.batch.contract.vendor_id),
        _col("vendor_name", lambda f: f.check_run.batch.contract.vendor.name),
        _col("contract", lambda f: f.check_run.batch.contract_id),
        _col("task_type", lambda f: f.check_run.batch.task_type.name),
        _col("delivered_at", lambda f: f.check_run.batch.delivered_at),
        _col("term"),
        _col("measured"),
        _col("threshold"),
        _col("ci95_low", lambda f: f.ci_low),
        _col("ci95_high", lambda f: f.ci_high),
        _col("n"),
        _col("verdict"),
        _col("detail"),
        _col("more_items_needed"),
    ),
    zone=lambda f: f.check_run.batch.contract.time_zone,
)

BREACHES = Export(
    name="breaches",
    columns=(
        _col("id", lambda b: b.pk),
        _col("batch", lambda b: b.batch_id),
        _col("vendor", lambda b: b.batch.contract.vendor_id),
        _col("vendor_name", lambda b: b.batch.contract.vendor.name),
        _col("contract", lambda b: b.batch.contract_id),
        _col("task_type", lambda b: b.batch.task_type.name),
        _col("term"),
        _col("status"),
        _col("severity"),
        _col("opened_at"),
        _col("remediation_due"),
        _col("service_credit"),
        _col("credit_full"),
        _col("credit_percent"),
        _col("batch_value"),
        _col("currency", lambda b: b.batch.contract.currency),
        _col("remediation_batch", lambda b: b.remediation_batch_id),
        _col("waiver_reason"),
        _col("dispute_reason"),
        _col("disputed_at"),
        _col("escalated_at"),
        _col("closed_at"),
    ),
    zone=lambda b: b.batch.contract.time_zone,
)


class _Line:
    """A write-only file for ``csv.writer`` that hands back each line instead of storing it."""

    def write(self, text: str) -> str:
        return text


def csv_lines(headers: list[str], rows: Iterable[list]) -> Iterator[str]:
    """The CSV text line by line, with a BOM so Excel reads it as UTF-8."""
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(headers)
    for row in rows:
        yield writer.writerow(["" if value is None else value for value in row])


def xlsx_file(headers: list[str], rows: Iterable[list], *, title: str):
    """An XLSX written row by row by openpyxl's write-only workbook; returns the open temporary file."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        header_cell = WriteOnlyCell(sheet, value=header)
        header_cell.font = bold
        header_cells.append(header_cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append(row)
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 -- FileResponse closes it once sent
    book.save(spool)
    spool.seek(0)
    return spool


def _rows(export: Export, objects) -> Iterator[list]:
    """Rows of a queryset, fetched in chunks so memory stays bounded, or of objects already in hand."""
    iterable = objects.iterator(chunk_size=ITERATOR_CHUNK) if isinstance(objects, QuerySet) else objects
    for obj in iterable:
        yield export.row(obj)


def table_response(*, headers: list[str], rows: Iterable[list], fmt: str, name: str):
    """A streamed CSV or an XLSX download of ready-made rows (cells already passed through ``cell``)."""
    filename = f"{name}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(csv_lines(headers, rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    spool = xlsx_file(headers, rows, title=name)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


def export_response(*, export: Export, objects: QuerySet | Iterable, fmt: str):
    """The objects (a filtered queryset, iterated in chunks, or a list) as a CSV or XLSX download."""
    return table_response(headers=export.headers(), rows=_rows(export, objects), fmt=fmt, name=export.name)


CREDIT_HEADERS = [
    "month",
    "vendor",
    "vendor_name",
    "contract",
    "contract_title",
    "currency",
    "invoiced_value",
    "cap_percent",
    "cap",
    "breach",
    "batch",
    "term",
    "status",
    "opened_at",
    "batch_value",
    "credit_percent",
    "credit_full",
    "removed_by_outcome",
    "removed_by_cap",
    "owed",
]


def credit_statement_rows(statement: dict) -> Iterator[list]:
    """One row per breach with a credit, its contract's invoiced value and cap repeated on each (API.md v1.1)."""
    month = statement["month"].strftime("%Y-%m")
    for entry in statement["vendors"]:
        for section in entry["contracts"]:
            contract = section["contract"]
            for row in section["rows"]:
                breach = row["breach"]
                values = [
                    month,
                    contract.vendor_id,
                    contract.vendor.name,
                    contract.pk,
                    contract.title,
                    contract.currency,
                    section["invoiced_value"],
                    section["cap_percent"],
                    section["cap"],
                    breach.pk,
                    breach.batch_id,
                    breach.term,
                    breach.status,
                    breach.opened_at,
                    breach.batch_value,
                    breach.credit_percent,
                    row["credit_full"],
                    row["removed_by_outcome"],
                    row["removed_by_cap"],
                    row["owed"],
                ]
                yield [cell(value, contract.time_zone) for value in values]
