"""Filters on the delivery lists: over the caller's visible objects only, delivery days in the contract's zone."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from sla.constants import BatchStatus
from sla.models import Batch
from tests.factories import ContractFactory
from vendorscore.constants import Role

MISSING_ID = 987654


def make_batch(contract, task_type, *, delivered_at=None, reference="", status=BatchStatus.EVALUATED, verdict=""):
    """A stored batch row without a file behind it: enough for lists and filters."""
    return Batch.objects.create(
        contract=contract,
        task_type=task_type,
        reference=reference,
        status=status,
        verdict=verdict,
        delivered_at=delivered_at or timezone.now(),
        file=f"uploads/{reference or 'x'}.csv",
        original_name=f"{reference or 'x'}.csv",
        sha256=f"{Batch.objects.count():064d}",
        size=10,
    )


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/batches/", "contract"),
        ("/api/v1/breaches/", "contract"),
        ("/api/v1/findings/", "contract"),
        ("/api/v1/batches/", "vendor"),
        ("/api/v1/breaches/", "vendor"),
        ("/api/v1/contracts/", "vendor"),
    ],
)
def test_vendor_user_naming_another_vendors_object_gets_the_answer_a_missing_id_gets(
    api_client_for, users, contract_a, contract_b, path, param
):
    """Issue 14 finding 9: 200 (empty) for another vendor's contract and 400 for a missing one was an oracle."""
    client = api_client_for(users[Role.VENDOR])
    other = contract_b.pk if param == "contract" else contract_b.vendor_id
    for_other = client.get(path, {param: other})
    for_missing = client.get(path, {param: MISSING_ID})
    assert for_missing.status_code == 400
    assert (for_other.status_code, for_other.json()) == (for_missing.status_code, for_missing.json())


def test_vendor_user_filters_by_own_contract(api_client_for, users, contract_a, contract_b, sentiment):
    mine = make_batch(contract_a, sentiment, reference="mine")
    make_batch(contract_b, sentiment, reference="theirs")
    response = api_client_for(users[Role.VENDOR]).get("/api/v1/batches/", {"contract": contract_a.pk})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]


def test_batch_page_keeps_vendor_filter_in_the_url(client, lead, contract_a, contract_b, sentiment):
    """``/batches/?vendor=`` used to be ignored: every vendor's batches were listed."""
    make_batch(contract_a, sentiment, reference="from-a")
    make_batch(contract_b, sentiment, reference="from-b")
    client.force_login(lead)
    page = client.get("/batches/", {"vendor": contract_b.vendor_id}).content.decode()
    assert "from-b" in page
    assert "from-a" not in page
    assert f"vendor={contract_b.vendor_id}&amp;format=csv" in page


def test_delivered_days_are_read_in_each_contracts_time_zone(api_client_for, lead, vendor_a, sentiment):
    lisbon = ContractFactory(vendor=vendor_a, time_zone="Europe/Lisbon")
    tokyo = ContractFactory(vendor=vendor_a, time_zone="Asia/Tokyo")
    # 23:30 on 30 September in Lisbon is 22:30 UTC; the same instant is 07:30 on 1 October in Tokyo.
    moment = dt.datetime(2026, 9, 30, 23, 30, tzinfo=ZoneInfo("Europe/Lisbon"))
    in_lisbon = make_batch(lisbon, sentiment, delivered_at=moment, reference="lisbon")
    in_tokyo = make_batch(tokyo, sentiment, delivered_at=moment, reference="tokyo")
    client = api_client_for(lead)

    def ids(**params):
        response = client.get("/api/v1/batches/", params)
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids(delivered_after="2026-09-01", delivered_before="2026-09-30") == {in_lisbon.pk}
    assert ids(delivered_after="2026-10-01") == {in_tokyo.pk}
    assert ids(delivered_before="2026-09-29") == set()


def test_task_type_filter_takes_a_name_or_an_id(api_client_for, lead, contract_a, sentiment):
    batch = make_batch(contract_a, sentiment)
    client = api_client_for(lead)
    for value in (sentiment.name, sentiment.pk):
        assert [row["id"] for row in client.get("/api/v1/batches/", {"task_type": value}).json()["results"]] == [
            batch.pk
        ]
    assert client.get("/api/v1/batches/", {"task_type": "no-such-task"}).status_code == 400


def test_contract_page_filters_by_vendor(client, lead, contract_a, contract_b):
    client.force_login(lead)
    page = client.get("/contracts/", {"vendor": contract_b.vendor_id}).content.decode()
    assert contract_b.title in page and contract_a.title not in page


@pytest.mark.parametrize("value", ["sentiment\x00", "\x00", "²"])
def test_a_task_type_filter_with_control_characters_or_odd_digits_is_a_400(api_client_for, lead, sentiment, value):
    """Issue 14 finding 7 on the new filters: a NUL reached PostgreSQL as an error (500), "²" passed isdigit()."""
    response = api_client_for(lead).get("/api/v1/batches/", {"task_type": value})
    assert response.status_code == 400 and "task_type" in response.json()


def test_findings_filter_by_the_verdicts_that_do_not_reject_a_batch(api_client_for, lead, contract_a, sentiment):
    from sla.models import CheckRun, Finding

    batch = make_batch(contract_a, sentiment, reference="amber", verdict="accepted")
    run = CheckRun.objects.create(batch=batch, verdict="accepted")
    for term, verdict in (("iaa", "below_target"), ("redelivery", "notice"), ("overlap", "pass")):
        Finding.objects.create(check_run=run, term=term, verdict=verdict, detail="")
    client = api_client_for(lead)
    for verdict, term in (("below_target", "iaa"), ("notice", "redelivery")):
        rows = client.get(f"/api/v1/findings/?verdict={verdict}").json()["results"]
        assert [row["term"] for row in rows] == [term]
