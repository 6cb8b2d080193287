"""Templates ask ``perms_ui`` what the user may do; role names are compared only in ``permissions.py``."""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings

from vendorscore.constants import Role
from vendorscore.permissions import PagePermissions, may_answer_breach, may_upload

TEMPLATES = Path(settings.BASE_DIR) / "templates"
ROLE_COMPARISON = re.compile(r"\w*role\w*\s*[!=]=")  # user_role == "vendor", role != "viewer", ...

# role: (is_vendor, is_buyer, may_manage, may_upload)
FLAGS = {
    Role.PROCUREMENT_LEAD: (False, True, True, True),
    Role.QA_ANALYST: (False, True, False, True),
    Role.VIEWER: (False, True, False, False),
    Role.VENDOR: (True, False, False, True),
}


def test_no_template_compares_a_role_name():
    offending = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in TEMPLATES.rglob("*.html")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if ROLE_COMPARISON.search(line)
    ]
    assert offending == []


@pytest.mark.parametrize("role", Role.values)
def test_every_page_gets_the_flags_of_the_users_role(client, users, role):
    client.force_login(users[role])
    flags = client.get("/").context["perms_ui"]
    assert (flags.is_vendor, flags.is_buyer, flags.may_manage, flags.may_upload) == FLAGS[role]


def test_an_anonymous_visitor_may_do_nothing():
    assert PagePermissions.of(None) == PagePermissions(False, False, False, False)


def test_dashboard_speaks_to_the_vendor_and_offers_leads_to_add_a_vendor(client, users):
    client.force_login(users[Role.VENDOR])
    page = client.get("/").content.decode()
    assert "Service credits you owe" in page and "Add vendor" not in page
    client.force_login(users[Role.PROCUREMENT_LEAD])
    page = client.get("/").content.decode()
    assert "Service credits owed" in page and "Add vendor" in page


def test_a_vendor_user_delivers_and_answers_breaches_only_for_its_own_vendor(users, vendor_a, vendor_b):
    vendor_user, lead, viewer = users[Role.VENDOR], users[Role.PROCUREMENT_LEAD], users[Role.VIEWER]
    own, other = SimpleNamespace(vendor_id=vendor_a.pk), SimpleNamespace(vendor_id=vendor_b.pk)
    assert may_upload(vendor_user, own) and not may_upload(vendor_user, other)
    assert may_upload(lead, other) and not may_upload(viewer, own)
    breach_of = lambda contract: SimpleNamespace(batch=SimpleNamespace(contract=contract))  # noqa: E731
    assert may_answer_breach(vendor_user, breach_of(own)) and not may_answer_breach(vendor_user, breach_of(other))
    assert may_answer_breach(lead, breach_of(other)) and not may_answer_breach(users[Role.QA_ANALYST])
