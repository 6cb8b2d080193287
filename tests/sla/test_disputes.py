"""Disputes: the vendor contests a breach, its clock stops in business time, a lead upholds or withdraws it."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sla import clock, services
from sla.models import Breach, Notification
from tests.factories import UserFactory
from tests.sla.conftest import FAILING
from vendorscore.constants import Role

LISBON = ZoneInfo("Europe/Lisbon")


@pytest.fixture
def breach(overlap_contract, deliver, lead):
    overlap_contract.owner = lead
    overlap_contract.save()
    return Breach.objects.get(batch=deliver(overlap_contract, FAILING))


def _at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LISBON)


def test_a_dispute_stops_the_clock_over_a_weekend_and_a_holiday_and_upholding_adds_the_business_time_paused(
    breach, users, lead, client
):
    # overlap_contract counts deadlines in Lisbon with 8 December a holiday.
    Breach.objects.filter(pk=breach.pk).update(remediation_due=_at(2026, 12, 9, 23, 59, 59))
    with clock.replay(_at(2026, 12, 4, 15, 0)):  # a Friday afternoon
        services.breach_dispute(breach=breach, user=users[Role.VENDOR], reason="The overlap counts our QA reruns.")
    # The old deadline passes while the lead thinks: nothing escalates, no reminder goes.
    assert services.breaches_escalate_overdue(now=_at(2026, 12, 10, 9, 0)) == 0
    assert services.notifications.remediation_reminders_enqueue(now=_at(2026, 12, 10, 9, 0)) == 0
    client.force_login(users[Role.VENDOR])
    assert "clock stopped since 2026-12-04 15:00 WET" in client.get(f"/breaches/{breach.pk}/").content.decode()

    with clock.replay(_at(2026, 12, 9, 10, 0)):  # the next Wednesday; Tuesday 8 December is a holiday
        services.breach_decide(breach=breach, user=lead, decision="upheld", note="The reruns are not consensus.")
    breach.refresh_from_db()
    # Paused: Friday 15:00-24:00 (9 h) + Monday (24 h) + Wednesday 00:00-10:00 (10 h) = 43 business hours,
    # added from Wednesday 23:59:59: Thursday's 24 h, then 19 h of Friday.
    assert breach.status == "open" and breach.disputed_at is None
    assert breach.remediation_due == _at(2026, 12, 11, 18, 59, 59)
    assert "43 hours of business time added" in breach.events.last().note
    assert services.breaches_escalate_overdue(now=_at(2026, 12, 11, 18, 0)) == 0
    assert services.breaches_escalate_overdue(now=_at(2026, 12, 11, 19, 0)) == 1
    assert list(breach.events.values_list("to_status", flat=True)) == ["open", "disputed", "open", "escalated"]


def test_a_withdrawn_breach_owes_no_credit_and_both_sides_hear_of_it(
    breach, users, lead, api_client_for, django_capture_on_commit_callbacks
):
    assert breach.service_credit == Decimal("3.00")
    vendor_api = api_client_for(users[Role.VENDOR])
    with django_capture_on_commit_callbacks(execute=True):
        response = vendor_api.post(
            f"/api/v1/breaches/{breach.pk}/dispute/",
            {"reason": "QA reruns are not consensus overlap.", "file": SimpleUploadedFile("runs.txt", b"rerun log")},
            format="multipart",
        )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "disputed"
    assert vendor_api.post(f"/api/v1/breaches/{breach.pk}/decide/", {"decision": "withdrawn"}).status_code == 403

    lead_api = api_client_for(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = lead_api.post(f"/api/v1/breaches/{breach.pk}/decide/", {"decision": "withdrawn", "note": "Agreed."})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["service_credit"]) == ("withdrawn", "0.00") and body["closed_at"]
    events = vendor_api.get(f"/api/v1/breaches/{breach.pk}/events/").json()
    assert [(e["from_status"], e["to_status"], e["actor"]) for e in events] == [
        ("", "open", None),
        ("open", "disputed", "vendor_a_user"),
        ("disputed", "withdrawn", "lead"),
    ]
    assert dt.datetime.fromisoformat(events[1]["at"]).utcoffset() is not None  # ISO 8601 with its offset
    for kind in ("breach_disputed", "breach_decided"):
        told = set(Notification.objects.filter(kind=kind).values_list("recipient", flat=True))
        assert {lead.email, users[Role.VENDOR].email} <= told, kind
    decided = Notification.objects.get(kind="breach_decided", recipient=users[Role.VENDOR].email)
    assert "Dispute decided: breach withdrawn" in decided.subject
    assert lead_api.post(f"/api/v1/breaches/{breach.pk}/decide/", {"decision": "upheld"}).status_code == 400


def test_a_vendor_user_of_another_vendor_cannot_dispute_and_only_vendor_or_lead_may(
    breach, vendor_b, users, api_client_for
):
    other = UserFactory(username="vendor_b_user", role=Role.VENDOR, vendor=vendor_b)
    response = api_client_for(other).post(f"/api/v1/breaches/{breach.pk}/dispute/", {"reason": "Not ours."})
    assert response.status_code == 404
    for role in (Role.QA_ANALYST, Role.VIEWER):
        response = api_client_for(users[role]).post(f"/api/v1/breaches/{breach.pk}/dispute/", {"reason": "No."})
        assert response.status_code == 403, role
    response = api_client_for(users[Role.VENDOR]).post(f"/api/v1/breaches/{breach.pk}/dispute/", {"reason": " "})
    assert response.status_code == 400
    breach.refresh_from_db()
    assert breach.status == "open"


def test_dispute_and_decision_pages_for_vendor_and_lead(breach, users, lead, client):
    client.force_login(users[Role.VENDOR])
    page = client.get(f"/breaches/{breach.pk}/").content.decode()
    assert 'id="dispute-form"' in page and 'id="decide-form"' not in page
    assert client.post(f"/breaches/{breach.pk}/dispute/", {"reason": ""}).status_code == 400
    response = client.post(f"/breaches/{breach.pk}/dispute/", {"reason": "Gold is wrong on 12 items."})
    assert response.status_code == 302
    assert client.post(f"/breaches/{breach.pk}/decide/", {"decision": "upheld"}).status_code == 403

    client.force_login(lead)
    page = client.get(f"/breaches/{breach.pk}/").content.decode()
    assert "Disputed" in page and "Gold is wrong on 12 items." in page and 'id="decide-form"' in page
    assert client.post(f"/breaches/{breach.pk}/decide/", {"decision": "upheld", "note": "Checked."}).status_code == 302
    breach.refresh_from_db()
    assert breach.status == "open"

    # Decided once, a dispute is not raised again: the clock cannot be stopped anew.
    client.force_login(users[Role.VENDOR])
    assert 'id="dispute-form"' not in client.get(f"/breaches/{breach.pk}/").content.decode()
    assert client.post(f"/breaches/{breach.pk}/dispute/", {"reason": "Again."}).status_code == 400
    breach.refresh_from_db()
    assert breach.status == "open"


def test_a_fix_delivered_during_a_dispute_is_judged_once_the_dispute_is_upheld(breach, users, lead, deliver):
    from tests.sla.conftest import FIX

    services.breach_dispute(breach=breach, user=users[Role.VENDOR], reason="Contested, fix sent anyway.")
    fix = deliver(breach.batch.contract, FIX, remediates=breach.batch, user=users[Role.VENDOR])
    breach.refresh_from_db()
    assert (breach.status, breach.remediation_batch) == ("disputed", fix)
    services.breach_decide(breach=breach, user=lead, decision="upheld")
    breach.refresh_from_db()
    assert breach.status == "remediated" and breach.service_credit == Decimal("0.00")
    assert list(breach.events.values_list("to_status", flat=True)) == [
        "open",
        "disputed",
        "open",
        "remediation_submitted",
        "remediated",
    ]
