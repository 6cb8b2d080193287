"""CSV and XLSX exports: the JSON list's rows and values, formulas made inert, times in the contract's zone."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from sla.models import Batch, Breach
from sla.timefmt import local_datetime
from tests.sla.conftest import FAILING, PASSING
from vendorscore.constants import Role

MONEY_FIELDS = {"service_credit", "credit_full", "batch_value"}
DATETIME_FIELDS = {
    *("delivered_at", "due_at", "processed_at"),
    *("opened_at", "remediation_due", "escalated_at", "closed_at", "disputed_at"),
}


def read_csv(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def read_xlsx(response) -> list[dict]:
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def expected_cell(field: str, value, zone: str):
    """What the JSON value must look like in a spreadsheet: times in the contract's zone, ids for objects."""
    if isinstance(value, dict):
        return value["id"]
    if field in DATETIME_FIELDS and value is not None:
        return local_datetime(dt.datetime.fromisoformat(value), zone)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def assert_same_rows(json_rows: list[dict], table: list[dict], zones: dict[int, str], *, as_text: bool) -> None:
    assert len(table) == len(json_rows) > 0
    for expected, got in zip(json_rows, table, strict=True):
        zone = zones[expected["vendor"]]
        for field, value in expected.items():
            if field not in got:
                continue
            want = expected_cell(field, value, zone)
            have = got[field]
            if as_text:
                assert have == ("" if want is None else str(want)), field
            elif field in MONEY_FIELDS:
                assert Decimal(str(have)) == Decimal(want), field  # money: "12.50" in JSON, 12.5 in the sheet
            else:
                assert have == (None if want == "" else want), field  # an empty text cell reads back as None


@pytest.fixture
def deliveries(deliver, overlap_contract, contract_b, vendor_a):
    """Two batches of vendor A (one failing, with a breach), one of vendor B; a reference that is a formula."""
    failed = deliver(overlap_contract, FAILING)
    passed = deliver(overlap_contract, PASSING)
    other = deliver(contract_b, PASSING)
    Batch.objects.filter(pk=failed.pk).update(reference='=HYPERLINK("http://evil.example","x")')
    Batch.objects.filter(pk=passed.pk).update(reference="@SUM(A1)")
    return {"failed": failed, "passed": passed, "other": other}


@pytest.mark.parametrize("resource", ["batches", "breaches", "findings"])
def test_csv_and_xlsx_of_a_filtered_list_hold_exactly_the_json_rows(api_client_for, lead, deliveries, resource):
    client = api_client_for(lead)
    vendor = deliveries["failed"].contract.vendor_id
    zones = {b.contract.vendor_id: b.contract.time_zone for b in deliveries.values()}
    params = {"vendor": vendor}
    json_rows = client.get(f"/api/v1/{resource}/", params).json()["results"]
    assert {row["vendor"] for row in json_rows} == {vendor}
    as_csv = client.get(f"/api/v1/{resource}/", {**params, "format": "csv"})
    assert as_csv.status_code == 200 and as_csv["Content-Type"].startswith("text/csv")
    assert_same_rows(json_rows, read_csv(as_csv), zones, as_text=True)
    as_xlsx = client.get(f"/api/v1/{resource}/", {**params, "format": "xlsx"})
    assert as_xlsx.status_code == 200
    assert_same_rows(json_rows, read_xlsx(as_xlsx), zones, as_text=False)


def test_formula_cells_are_exported_with_a_leading_apostrophe(api_client_for, lead, deliveries):
    client = api_client_for(lead)
    for fmt, read in (("csv", read_csv), ("xlsx", read_xlsx)):
        rows = read(client.get("/api/v1/batches/", {"format": fmt}))
        references = {int(row["id"]): row["reference"] for row in rows}
        assert references[deliveries["failed"].pk] == '\'=HYPERLINK("http://evil.example","x")'
        assert references[deliveries["passed"].pk] == "'@SUM(A1)"
    sheet = load_workbook(io.BytesIO(b"".join(client.get("/api/v1/batches/", {"format": "xlsx"}).streaming_content)))
    assert all(cell.data_type != "f" for row in sheet.active.iter_rows() for cell in row)


def test_exports_show_times_in_the_contracts_zone(api_client_for, lead, deliveries):
    """The overlap contract is in Lisbon: its batches' delivery times carry WET/WEST, not UTC."""
    rows = read_csv(api_client_for(lead).get("/api/v1/batches/", {"format": "csv"}))
    lisbon = [row for row in rows if int(row["id"]) == deliveries["failed"].pk][0]
    assert lisbon["delivered_at"].endswith(("WET", "WEST"))


def test_vendor_users_export_only_their_own_rows(api_client_for, users, deliveries):
    rows = read_csv(api_client_for(users[Role.VENDOR]).get("/api/v1/breaches/", {"format": "csv"}))
    assert {int(row["vendor"]) for row in rows} == {deliveries["failed"].contract.vendor_id}
    assert len(rows) == Breach.objects.filter(batch__contract__vendor=deliveries["failed"].contract.vendor).count()


def test_a_bad_filter_on_an_export_is_answered_400_in_json(api_client_for, lead, deliveries):
    response = api_client_for(lead).get("/api/v1/batches/", {"format": "csv", "contract": 987654})
    assert response.status_code == 400
    assert "contract" in response.json()


@pytest.mark.parametrize("path", ["/api/v1/batches/", "/api/v1/breaches/", "/api/v1/findings/", "{findings}"])
def test_an_empty_format_is_not_read_as_json(api_client_for, lead, deliveries, path):
    """The schema offers json, csv and xlsx; DRF alone would answer ``?format=`` as JSON (schemathesis ST201)."""
    path = path.format(findings=f"/api/v1/batches/{deliveries['failed'].pk}/findings/")
    response = api_client_for(lead).get(path, {"format": ""})
    assert response.status_code == 404
    assert "format" in response.json()["detail"]


def test_one_batchs_findings_export(api_client_for, lead, deliveries):
    failed = deliveries["failed"]
    client = api_client_for(lead)
    json_rows = client.get(f"/api/v1/batches/{failed.pk}/findings/").json()
    rows = read_csv(client.get(f"/api/v1/batches/{failed.pk}/findings/", {"format": "csv"}))
    assert [(row["term"], row["verdict"]) for row in rows] == [(f["term"], f["verdict"]) for f in json_rows]


def test_list_pages_export_the_rows_their_filters_show(client, lead, deliveries):
    client.force_login(lead)
    vendor = deliveries["other"].contract.vendor_id
    page = client.get("/breaches/", {"vendor": deliveries["failed"].contract.vendor_id}).content.decode()
    assert "Export CSV" in page and "Export XLSX" in page
    for path, resource in (("/batches/", "batches"), ("/findings/", "findings"), ("/breaches/", "breaches")):
        rows = read_csv(client.get(path, {"vendor": vendor, "format": "csv"}))
        api = client.get(f"/api/v1/{resource}/", {"vendor": vendor}).json()["results"]
        assert len(rows) == len(api)
        assert {int(row["vendor"]) for row in rows} <= {vendor}


@pytest.mark.parametrize("path", ["/findings/", "/credits/"])
def test_every_role_reads_findings_and_credits_pages_within_its_vendor(client, users, deliveries, path):
    for role, user in users.items():
        client.force_login(user)
        response = client.get(path)
        assert response.status_code == 200
        if role == Role.VENDOR:
            assert "Vendor B" not in response.content.decode()
