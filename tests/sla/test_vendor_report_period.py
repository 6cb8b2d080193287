"""The vendor report's period picker: only the batches (and their breaches) delivered in the days asked."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from reports import selectors
from reports.models import ReportJob
from sla.models import Batch
from tests.sla.conftest import FAILING, PASSING

LISBON = ZoneInfo("Europe/Lisbon")


@pytest.fixture
def two_months(deliver, overlap_contract):
    """A failing batch delivered on 30 September (23:30 Lisbon) and a passing one on 2 October."""
    september = deliver(overlap_contract, FAILING)
    october = deliver(overlap_contract, PASSING)
    Batch.objects.filter(pk=september.pk).update(delivered_at=dt.datetime(2026, 9, 30, 23, 30, tzinfo=LISBON))
    Batch.objects.filter(pk=october.pk).update(delivered_at=dt.datetime(2026, 10, 2, 9, 0, tzinfo=LISBON))
    return {"september": september, "october": october, "vendor": overlap_contract.vendor}


def test_vendor_report_covers_only_the_period_asked(lead, two_months):
    vendor = two_months["vendor"]
    whole = selectors.vendor_report(vendor=vendor, user=lead)
    assert [row["id"] for row in whole["batches"]] == [two_months["september"].pk, two_months["october"].pk]
    assert len(whole["breaches"]["rows"]) == 1

    october = selectors.vendor_report(vendor=vendor, user=lead, start=dt.date(2026, 10, 1))
    assert [row["id"] for row in october["batches"]] == [two_months["october"].pk]
    assert october["breaches"]["rows"] == []
    assert october["requested_period"] == {"start": dt.date(2026, 10, 1), "end": None}

    september = selectors.vendor_report(vendor=vendor, user=lead, start=dt.date(2026, 9, 1), end=dt.date(2026, 9, 30))
    assert [row["id"] for row in september["batches"]] == [two_months["september"].pk]
    assert [row["batch_id"] for row in september["breaches"]["rows"]] == [two_months["september"].pk]
    assert all(
        point["batch"].startswith(f"#{two_months['september'].pk} ")
        for section in september["compliance"]
        for point in section["accuracy"] + section["iaa"]
    )


@pytest.mark.parametrize(
    ("params", "field"), [({"from": "30/09/2026"}, "from"), ({"from": "2026-10-02", "to": "2026-10-01"}, "to")]
)
def test_a_bad_period_is_answered_400(api_client_for, lead, vendor_a, params, field):
    response = api_client_for(lead).get(f"/api/v1/vendors/{vendor_a.pk}/report.pdf", params)
    assert response.status_code == 400 and field in response.json()


def test_the_vendor_page_queues_a_report_for_the_period(client, lead, vendor_a, django_capture_on_commit_callbacks):
    client.force_login(lead)
    assert 'name="from"' in client.get(f"/vendors/{vendor_a.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            "/reports/", {"kind": "vendor", "id": vendor_a.pk, "paper": "a4", "from": "2026-09-01", "to": "2026-09-30"}
        )
    assert response.status_code == 302
    job = ReportJob.objects.get()
    assert (job.period_start, job.period_end) == (dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    assert client.post("/reports/", {"kind": "vendor", "id": vendor_a.pk, "from": "soon"}).status_code == 400
