"""The monthly report e-mails (exactly once per period and recipient), the material-risk gate, the digest."""

import datetime as dt

import pytest
from django.core import mail

from performance import kpis, services
from performance.models import PeriodScorecard, StandingOverride
from sla.models import Contract, Notification
from sla.services.notifications import weekly_digest_enqueue
from tests.factories import ContractFactory, UserFactory
from vendorscore.constants import Role

OCTOBER_2ND = dt.date(2026, 10, 2)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def owned(september, vendor_a, lead):
    contract = september["contract"]
    contract.owner = lead
    contract.save()
    vendor_a.contact_email = "quality@vendor-a.example"
    vendor_a.save()
    return contract


def _reports(to):
    return [m for m in mail.outbox if m.to == [to] and "Performance report 2026-09" in m.subject]


def test_monthly_report_goes_once_per_period_and_recipient_buyer_copy_then_vendor_copy_once_published(
    owned, users, lead, django_capture_on_commit_callbacks
):
    vendor_user = users["vendor"]
    former = UserFactory(username="former_owner", role=Role.PROCUREMENT_LEAD)
    ContractFactory(vendor=owned.vendor, owner=former, start_date=dt.date(2024, 1, 1), end_date=dt.date(2025, 12, 31))
    for _ in range(2):  # the schedule ticks twice (a retry, a second beat): nothing goes twice
        with django_capture_on_commit_callbacks(execute=True):
            services.performance_month_close(today=OCTOBER_2ND)
    assert len(_reports(lead.email)) == 1
    assert _reports(vendor_user.email) == [] and _reports("quality@vendor-a.example") == []
    assert _reports(former.email) == [], "the owner of a contract that ended before the month gets no copy"
    scorecard = PeriodScorecard.objects.get(vendor=owned.vendor, period="2026-09")
    with django_capture_on_commit_callbacks(execute=True):
        services.scorecard_publish(scorecard=scorecard, user=lead)
    with django_capture_on_commit_callbacks(execute=True):
        services.performance_month_close(today=OCTOBER_2ND)
    for address in (lead.email, vendor_user.email, "quality@vendor-a.example"):
        [message] = _reports(address)
        [(name, content, _)] = message.attachments
        assert name.endswith(".pdf") and content.startswith(b"%PDF")
    keys = set(Notification.objects.filter(kind="performance_report").values_list("event_key", "recipient"))
    assert keys == {
        (f"performance:{owned.vendor_id}:2026-09:report:buyer", lead.email),
        (f"performance:{owned.vendor_id}:2026-09:report:vendor", vendor_user.email),
        (f"performance:{owned.vendor_id}:2026-09:report:vendor", "quality@vendor-a.example"),
    }


def test_the_schedule_computes_the_closed_month_and_quarter_for_every_measured_vendor(september, vendor_a, vendor_b):
    services.scorecards_close(today=OCTOBER_2ND)
    assert set(PeriodScorecard.objects.values_list("vendor_id", "period")) == {
        (vendor_a.pk, "2026-09"),
        (vendor_a.pk, "2026-Q3"),
        (vendor_b.pk, "2026-09"),
        (vendor_b.pk, "2026-Q3"),
    }
    # August: contracts running, nothing delivered or due: no empty scorecard is stored.
    services.scorecards_close(today=dt.date(2026, 9, 2))
    assert not PeriodScorecard.objects.filter(period="2026-08").exists()


@pytest.fixture
def material_risk(september, vendor_a):
    scorecard = services.scorecard_compute(vendor=vendor_a, period=kpis.parse_period("2026-09"))
    assert scorecard.standing == "material_risk"
    return scorecard


def test_api_contract_for_a_vendor_in_material_risk_needs_a_reason_which_is_recorded(
    material_risk, vendor_a, vendor_b, lead, api_client_for
):
    payload = {"vendor": vendor_a.pk, "title": "Renewal", "start_date": "2026-11-01", "unit_price": "0.09"}
    api = api_client_for(lead)
    refused = api.post("/api/v1/contracts/", payload, format="json")
    assert refused.status_code == 400 and "standing_override_reason" in refused.json()
    assert not Contract.objects.filter(title="Renewal").exists()
    reason = "Only vendor with Portuguese annotators; remediation plan agreed."
    created = api.post("/api/v1/contracts/", {**payload, "standing_override_reason": reason}, format="json")
    assert created.status_code == 201
    override = StandingOverride.objects.get()
    assert (override.subject, override.object_id, override.user, override.reason, override.scorecard) == (
        "contract",
        created.json()["id"],
        lead,
        reason,
        material_risk,
    )
    # Vendor B has no standing in material risk: no question asked.
    assert api.post("/api/v1/contracts/", {**payload, "vendor": vendor_b.pk}, format="json").status_code == 201


def test_terms_form_for_a_vendor_in_material_risk_asks_for_a_reason(material_risk, september, lead, client):
    contract = september["contract"]
    client.force_login(lead)
    page = client.get(f"/contracts/{contract.pk}/terms/new/").content.decode()
    assert "stands in material delivery risk" in page and 'id="standing-confirm" role="alert" hidden' not in page
    form = {
        "task_type": contract.terms.first().task_type_id,
        "effective_from": "2026-11-01",
        "accuracy_floor": "0.95",
        "accuracy_metric": "accuracy",
        "accuracy_scope": "batch",
        "iaa_coefficient": "cohen_kappa",
        "decision_rule": "point",
        "inspection_level": "II",
        "sample_draw": "stratified",
    }
    refused = client.post(f"/contracts/{contract.pk}/terms/new/", form)
    assert refused.status_code == 200 and contract.terms.count() == 1
    accepted = client.post(f"/contracts/{contract.pk}/terms/new/", {**form, "standing_override_reason": "Pilot fix"})
    assert accepted.status_code == 302 and contract.terms.count() == 2
    assert StandingOverride.objects.get().subject == "terms"


def test_the_gate_follows_the_template_setting(material_risk, vendor_a, lead):
    copy = services.template_copy(template=services.default_template_ensure(), name="No warning", user=lead)
    copy.warn_new_contracts = False
    copy.save()
    material_risk.template = copy
    material_risk.save()
    assert services.standing_gate(vendor=vendor_a) is None


def test_weekly_digest_names_vendors_whose_standing_dropped_with_the_month_that_closed(
    september, vendor_a, lead, django_capture_on_commit_callbacks
):
    august = services.scorecard_compute(vendor=vendor_a, period=kpis.parse_period("2026-08"))
    august.score = august.standing_score = 80
    august.standing = "enterprise_grade"
    august.save()
    services.scorecard_compute(vendor=vendor_a, period=kpis.parse_period("2026-09"))
    now = dt.datetime(2026, 10, 5, 8, tzinfo=dt.UTC)
    with django_capture_on_commit_callbacks(execute=True):
        [row] = weekly_digest_enqueue(now=now)
    assert f"Standing dropped: {vendor_a.name}" in row.body_text
    # September's standing: (52 + 0.5 * 80) / (1 + 0.5) = 61.33, a band below August's 80.
    assert "80.00 to 61.33 (Viable with enhanced oversight) after 2026-09" in row.body_text
    later = dt.datetime(2026, 10, 12, 8, tzinfo=dt.UTC)
    with django_capture_on_commit_callbacks(execute=True):
        [next_week] = weekly_digest_enqueue(now=later)
    assert "Standing dropped" not in next_week.body_text
