"""The management commands of the vendors app: add_user and demo_data."""

import io

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.http import HttpRequest

from vendorscore.models import User, Vendor


def test_add_user_creates_a_vendor_user_who_can_log_in(db, vendor_a, client):
    call_command(
        "add_user",
        "ana",
        "--role",
        "vendor",
        "--vendor",
        str(vendor_a.pk),
        "--email",
        "ana@vendor-a.example",
        "--password",
        "s3cret-pass",
    )
    user = User.objects.get(username="ana")
    assert (user.role, user.vendor, user.email) == ("vendor", vendor_a, "ana@vendor-a.example")
    assert client.login(request=HttpRequest(), username="ana", password="s3cret-pass")


def test_add_user_refuses_a_vendor_user_without_vendor(db):
    with pytest.raises(CommandError, match="A vendor user needs a vendor"):
        call_command("add_user", "ana", "--role", "vendor", "--password", "pw-123456")
    assert not User.objects.exists()


def test_add_user_refuses_an_unknown_vendor(db):
    with pytest.raises(CommandError, match="No vendor with id 999"):
        call_command("add_user", "ana", "--role", "vendor", "--vendor", "999", "--password", "pw-123456")


def test_add_user_refuses_a_vendor_for_staff_roles(db, vendor_a):
    with pytest.raises(CommandError, match="Only vendor users belong to a vendor"):
        call_command("add_user", "bo", "--role", "viewer", "--vendor", str(vendor_a.pk), "--password", "pw-123456")


def test_add_user_refuses_a_taken_username(db, lead):
    with pytest.raises(CommandError, match="username"):
        call_command("add_user", "lead", "--role", "viewer", "--password", "pw-123456")


def test_demo_data_makes_four_vendors_and_a_user_of_each_role(demo):
    assert Vendor.objects.count() == 4
    assert set(Vendor.objects.values_list("workforce_model", flat=True)) == {
        "in_house",
        "managed_plus_gig",
        "crowdsourced",
    }
    assert set(User.objects.values_list("role", flat=True)) == {"procurement_lead", "qa_analyst", "viewer", "vendor"}
    assert "lead-demo-pass" in demo.output


def test_printed_demo_logins_work(demo, client):
    for line in demo.output.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1].endswith("-demo-pass"):
            assert client.login(request=HttpRequest(), username=parts[0], password=parts[1]), parts[0]


def test_demo_data_twice_adds_no_row_and_sends_no_mail(demo, mailoutbox, django_capture_on_commit_callbacks):
    """A second run over the built demo finds everything there: no table grows, the ledger sends nothing again."""
    before = _row_counts()
    output = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_data", stdout=output)
    assert _row_counts() == before
    assert mailoutbox == []
    assert "0 new batches checked" in output.getvalue()
    assert "0 new e-mails written" in output.getvalue()


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}
