"""One time rule: a deadline reads the same, character for character, on the page, in the PDF and in the e-mail."""

import datetime as dt
import re

from sla import calendar, timefmt
from sla.models import Breach, Notification
from tests.reports.test_reports import flat, get_pdf, pdf_text
from tests.sla.conftest import FAILING
from vendorscore.constants import Role


def test_the_deadline_string_is_the_same_on_the_breach_page_in_the_pdf_and_in_the_email(
    overlap_contract, deliver, users, lead, client, api_client_for
):
    overlap_contract.owner = lead
    overlap_contract.save()
    breach = Breach.objects.get(batch=deliver(overlap_contract, FAILING))
    deadline = timefmt.local_datetime(breach.remediation_due, "Europe/Lisbon")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d 23:59 WES?T", deadline)

    client.force_login(users[Role.VENDOR])
    page = client.get(f"/breaches/{breach.pk}/").content.decode()
    assert f'<span id="remediation-due">{deadline}</span>' in page
    assert deadline in client.get(f"/batches/{breach.batch_id}/").content.decode()
    assert deadline in client.get("/breaches/").content.decode()

    _, pages = pdf_text(get_pdf(api_client_for(lead), f"/api/v1/batches/{breach.batch_id}/report.pdf"))
    assert deadline in flat(pages)

    mail = Notification.objects.get(kind="breach_opened", recipient=users[Role.VENDOR].email)
    assert f"Remediation due: {deadline}\n" in mail.body_text

    api = api_client_for(users[Role.VENDOR]).get(f"/api/v1/breaches/{breach.pk}/").json()
    assert dt.datetime.fromisoformat(api["remediation_due"]) == breach.remediation_due


def test_the_escalation_note_names_the_deadline_in_the_contract_zone(overlap_contract, deliver):
    from sla import services

    breach = Breach.objects.get(batch=deliver(overlap_contract, FAILING))
    due = calendar.business_deadline(
        dt.datetime(2026, 7, 1, 9, tzinfo=dt.UTC), 1, "Europe/Lisbon"
    )  # a summer deadline: 23:59 WEST is 22:59 UTC
    Breach.objects.filter(pk=breach.pk).update(remediation_due=due)
    services.breaches_escalate_overdue(now=due + dt.timedelta(hours=1))
    assert breach.events.get(to_status="escalated").note == "Not remediated by 2026-07-02 23:59 WEST."
