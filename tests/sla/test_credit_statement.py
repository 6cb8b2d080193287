"""The monthly service credit statement: the dashboard's totals, the cap per contract and month, every format."""

import csv
import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from sla import selectors, services
from sla.models import Batch, Breach
from sla.simulate import DeliverySpec
from tests.factories import ContractFactory, TermsFactory
from tests.sla.conftest import FAILING
from vendorscore.constants import Role

LISBON = ZoneInfo("Europe/Lisbon")


def move_to_month(batch: Batch, month: dt.date) -> None:
    """Deliver ``batch`` in another month (its breach's credit follows), as if it had arrived then."""
    delivered = dt.datetime.combine(month.replace(day=10), dt.time(12), tzinfo=LISBON)
    Batch.objects.filter(pk=batch.pk).update(delivered_at=delivered)
    Breach.objects.filter(batch=batch).update(credit_month=month)


@pytest.fixture
def capped_month(deliver, overlap_contract, sentiment, vendor_a):
    """Three failing batches under a contract capped at 7% a month (credit 10% each), one moved to the month
    before; and a second, uncapped contract of the same vendor with one failing batch in the same month."""
    overlap_contract.service_credit_cap_percent = 7
    overlap_contract.save()
    batches = [deliver(overlap_contract, DeliverySpec(items=300, overlap=0.40, seed=seed)) for seed in (8, 18, 28)]
    this_month = Breach.objects.get(batch=batches[0]).credit_month
    previous = (this_month - dt.timedelta(days=1)).replace(day=1)
    move_to_month(batches[2], previous)
    uncapped = ContractFactory(vendor=vendor_a, unit_price="0.1000", time_zone="Europe/Lisbon")
    TermsFactory(
        contract=uncapped,
        task_type=sentiment,
        accuracy_floor=None,
        iaa_min=None,
        iaa_fail_below=None,
        defect_rate_max=None,
        service_credit_percent=10,
    )
    other = deliver(uncapped, FAILING)
    for contract in (overlap_contract, uncapped):
        for month in (this_month, previous):
            services.credits_rebalance(contract=contract, month=month)
    return {"month": this_month, "previous": previous, "capped": batches, "uncapped": other, "contract": uncapped}


def test_statement_totals_equal_the_dashboards(lead, capped_month):
    overview = selectors.breach_overview(user=lead, now=dt.datetime.combine(capped_month["month"], dt.time(12), LISBON))
    for month in (capped_month["month"], capped_month["previous"]):
        dashboard = {
            row["batch__contract__currency"]: row["total"]
            for row in overview["credits"]
            if row["credit_month"] == month
        }
        statement = selectors.credit_statement(user=lead, month=month)
        assert {total["currency"]: total["owed"] for total in statement["totals"]} == dashboard
        assert dashboard  # each month owes something, so the comparison is not of two empty sets


def test_the_cap_is_applied_per_contract_and_month(lead, capped_month, overlap_contract):
    statement = selectors.credit_statement(user=lead, month=capped_month["month"])
    sections = {section["contract"].pk: section for section in statement["vendors"][0]["contracts"]}
    capped = sections[overlap_contract.pk]
    first, second = capped["rows"]
    # Two batches of equal value v invoiced this month: the cap is 12% of 2v = 2.4% more than one 10% credit.
    value = first["breach"].batch_value + second["breach"].batch_value
    assert capped["invoiced_value"] == value
    assert capped["cap"] == (value * Decimal("0.07")).quantize(Decimal("0.01"))
    assert first["owed"] == first["credit_full"] and first["removed_by_cap"] == 0
    assert second["owed"] == capped["cap"] - first["owed"]
    assert second["removed_by_cap"] == second["credit_full"] - second["owed"] > 0
    assert capped["owed"] == capped["cap"]
    # The uncapped contract of the same vendor and month keeps its full credit.
    uncapped = sections[capped_month["contract"].pk]
    assert uncapped["cap"] is None and uncapped["owed"] == uncapped["credit_full"] > 0
    # The batch moved to the month before is under that month's own cap: 7% of its one batch's value.
    (earlier,) = selectors.credit_statement(user=lead, month=capped_month["previous"])["vendors"][0]["contracts"]
    (row,) = earlier["rows"]
    assert earlier["cap"] == (row["breach"].batch_value * Decimal("0.07")).quantize(Decimal("0.01"))
    assert row["owed"] == earlier["cap"] and row["removed_by_cap"] == row["credit_full"] - earlier["cap"] > 0


def test_a_waived_breach_shows_its_credit_removed_by_its_outcome(lead, capped_month, overlap_contract):
    breach = Breach.objects.get(batch=capped_month["capped"][0])
    services.breach_waive(breach=breach, user=lead, reason="Gold set was wrong that week.")
    statement = selectors.credit_statement(user=lead, month=capped_month["month"])
    capped = next(s for s in statement["vendors"][0]["contracts"] if s["contract"].pk == overlap_contract.pk)
    waived = next(row for row in capped["rows"] if row["breach"].pk == breach.pk)
    assert waived["owed"] == 0 and waived["removed_by_outcome"] == waived["credit_full"] > 0
    other = next(row for row in capped["rows"] if row["breach"].pk != breach.pk)
    assert other["owed"] == other["credit_full"]  # the waiver freed the cap for the other breach


def test_api_statement_in_json_csv_and_xlsx(api_client_for, lead, capped_month):
    client = api_client_for(lead)
    month = f"{capped_month['month']:%Y-%m}"
    document = client.get("/api/v1/credits/", {"month": month}).json()
    owed = [b["owed"] for v in document["vendors"] for c in v["contracts"] for b in c["breaches"]]
    assert document["month"] == month and len(owed) == 3
    text = b"".join(client.get("/api/v1/credits/", {"month": month, "format": "csv"}).streaming_content)
    rows = list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))
    assert [row["owed"] for row in rows] == owed
    assert sum(Decimal(row["owed"]) for row in rows) == Decimal(document["totals"][0]["owed"])
    book = load_workbook(io.BytesIO(b"".join(client.get("/api/v1/credits/", {"month": month, "format": "xlsx"}))))
    sheet_rows = list(book.active.iter_rows(values_only=True))
    assert len(sheet_rows) == 4 and sheet_rows[0][-1] == "owed"
    assert [Decimal(str(row[-1])) for row in sheet_rows[1:]] == [Decimal(value) for value in owed]


@pytest.mark.parametrize("params", [{}, {"month": "2026-13"}, {"month": "October"}])
def test_api_refuses_a_missing_or_malformed_month(api_client_for, lead, params):
    response = api_client_for(lead).get("/api/v1/credits/", params)
    assert response.status_code == 400 and "month" in response.json()


def test_vendor_users_see_their_own_statement_and_another_vendor_reads_as_missing(
    api_client_for, users, capped_month, vendor_b
):
    client = api_client_for(users[Role.VENDOR])
    month = f"{capped_month['month']:%Y-%m}"
    own = client.get("/api/v1/credits/", {"month": month}).json()
    assert [vendor["vendor_name"] for vendor in own["vendors"]] == ["Vendor A"]
    other = client.get("/api/v1/credits/", {"month": month, "vendor": vendor_b.pk})
    missing = client.get("/api/v1/credits/", {"month": month, "vendor": 987654})
    assert other.status_code == 400
    assert other.json()["vendor"][0].replace(str(vendor_b.pk), "ID") == missing.json()["vendor"][0].replace(
        "987654", "ID"
    )


def test_statement_page_and_pdf(client, lead, capped_month):
    client.force_login(lead)
    month = f"{capped_month['month']:%Y-%m}"
    page = client.get("/credits/", {"month": month}).content.decode()
    assert "Removed by cap" in page and "Contract total" in page and "format=pdf" in page
    default = client.get("/credits/").content.decode()
    assert f"Service credits, {capped_month['month']:%B %Y}" in default  # the newest month with credits
    assert f'value="{capped_month["month"]:%Y-%m}"' in default  # and the month picker says so
    response = client.get("/credits/", {"month": month, "format": "pdf"})
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
