"""Issue 14, finding 8: names are one line of text, and no notification failure is left silently pending."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from sla import services
from sla.models import Notification
from tests.factories import CertificationFactory, ContractFactory, VendorFactory
from vendorscore import services as vendor_services


class ExplodingBackend(BaseEmailBackend):
    """A mail backend with a bug of its own: not an SMTP failure, so no retry can help."""

    def send_messages(self, email_messages):
        raise ValueError("backend bug")


@pytest.mark.parametrize("name", ["Acme\r\nBcc: everyone@example.com", "Acme\nLabs", "Acme\x00", "Acme\u2028Labs"])
def test_a_vendor_name_with_a_line_break_or_control_character_is_refused_by_the_api(api_client_for, lead, name):
    response = api_client_for(lead).post("/api/v1/vendors/", {"name": name, "workforce_model": "in_house"})
    assert response.status_code == 400 and "name" in response.json()


def test_the_vendor_form_refuses_a_name_with_a_line_break(client, lead):
    client.force_login(lead)
    response = client.post("/vendors/new/", {"name": "Acme\r\nLabs", "workforce_model": "in_house", "status": "active"})
    assert response.status_code == 200 and "control characters" in response.content.decode()


def test_the_service_refuses_it_too(db):
    with pytest.raises(ValidationError, match="control characters"):
        vendor_services.vendor_create(name="Acme\rLabs", workforce_model="in_house")


def test_a_contract_title_with_a_line_break_is_refused(api_client_for, lead, vendor_a):
    response = api_client_for(lead).post(
        "/api/v1/contracts/",
        {"vendor": vendor_a.pk, "title": "MSA\r\nX", "start_date": "2026-01-01", "unit_price": "0.1"},
        format="json",
    )
    assert response.status_code == 400 and "title" in response.json()


def _certificate_expiring_for(vendor):
    soon = timezone.localdate() + dt.timedelta(days=10)
    return CertificationFactory(
        vendor=vendor,
        kind="iso27001",
        audit_period_end=None,
        last_audit_on=soon - dt.timedelta(days=300),
        expires_on=soon,
    )


def test_a_stored_name_with_a_line_break_still_gives_a_one_line_subject(
    lead, django_capture_on_commit_callbacks, mailoutbox
):
    vendor = VendorFactory()
    type(vendor).objects.filter(pk=vendor.pk).update(name="Legacy\r\nBcc: x@example.com")
    _certificate_expiring_for(vendor)
    with django_capture_on_commit_callbacks(execute=True):
        services.notifications_remind()
    row = Notification.objects.get(recipient=lead.email)
    assert row.status == Notification.Status.SENT
    assert "\n" not in mailoutbox[0].subject and "Legacy Bcc: x@example.com" in mailoutbox[0].subject


def test_any_send_failure_is_recorded_on_the_ledger_row(lead, django_capture_on_commit_callbacks, settings):
    settings.EMAIL_BACKEND = f"{__name__}.ExplodingBackend"
    _certificate_expiring_for(ContractFactory().vendor)
    with django_capture_on_commit_callbacks(execute=True):
        services.notifications_remind()
    row = Notification.objects.get(recipient=lead.email)
    assert (row.status, row.attempts, row.last_error) == (Notification.Status.FAILED, 1, "ValueError: backend bug")
