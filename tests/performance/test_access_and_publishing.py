"""Who sees which performance scorecard, publishing, the vendor's acknowledgement or appeal, the lead's answer."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from performance import kpis, services
from performance.models import PeriodScorecard
from tests.factories import UserFactory, VendorFactory
from vendorscore.constants import Role
from vendorscore.exceptions import DomainError

SEPTEMBER = kpis.parse_period("2026-09")
AUGUST = kpis.parse_period("2026-08")


@pytest.fixture
def scorecards(september, vendor_a, vendor_b, lead):
    own_published = services.scorecard_compute(vendor=vendor_a, period=SEPTEMBER)
    services.scorecard_publish(scorecard=own_published, user=lead)
    own_unpublished = services.scorecard_compute(vendor=vendor_a, period=AUGUST)
    other_published = services.scorecard_compute(vendor=vendor_b, period=SEPTEMBER)
    services.scorecard_publish(scorecard=other_published, user=lead)
    return {"published": own_published, "unpublished": own_unpublished, "other": other_published}


@pytest.fixture
def vendor_user(users):
    return users[Role.VENDOR]


def test_vendor_user_lists_only_their_own_published_scorecards(scorecards, vendor_user, api_client_for):
    response = api_client_for(vendor_user).get("/api/v1/performance/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [scorecards["published"].pk]
    for_period = api_client_for(vendor_user).get("/api/v1/performance/?period=2026-09").json()["results"]
    assert [row["id"] for row in for_period] == [scorecards["published"].pk]
    assert api_client_for(vendor_user).get("/api/v1/performance/?period=2026-08").json()["results"] == []


@pytest.mark.parametrize("which", ["unpublished", "other"])
def test_vendor_user_gets_404_for_unpublished_or_other_vendors_scorecards(
    scorecards, vendor_user, api_client_for, client, which
):
    pk = scorecards[which].pk
    assert api_client_for(vendor_user).get(f"/api/v1/performance/{pk}/").status_code == 404
    client.force_login(vendor_user)
    assert client.get(f"/performance/scorecards/{pk}/").status_code == 404
    assert client.post(f"/performance/scorecards/{pk}/respond/", {"kind": "acknowledge"}).status_code == 404


def test_vendor_user_reads_own_history_page_but_not_another_vendors_or_the_comparison(
    scorecards, vendor_user, vendor_b, client
):
    client.force_login(vendor_user)
    page = client.get(f"/performance/vendors/{vendor_user.vendor_id}/")
    assert page.status_code == 200
    assert b"2026-09" in page.content and b"2026-08" not in page.content
    assert client.get(f"/performance/vendors/{vendor_b.pk}/").status_code == 404
    assert client.get("/performance/").status_code == 403


def test_buyer_roles_see_every_scorecard_and_the_api_fields_of_the_contract(scorecards, users, api_client_for):
    for role in (Role.PROCUREMENT_LEAD, Role.QA_ANALYST, Role.VIEWER):
        rows = api_client_for(users[role]).get("/api/v1/performance/?period=2026-09").json()["results"]
        assert {row["vendor"] for row in rows} == {scorecards["published"].vendor_id, scorecards["other"].vendor_id}
    row = (
        api_client_for(users[Role.VIEWER])
        .get(f"/api/v1/performance/?vendor={scorecards['published'].vendor_id}&period=2026-09")
        .json()["results"][0]
    )
    for field in (
        "vendor",
        "period",
        "batches_evaluated",
        "first_pass_acceptance",
        "kpis",
        "score",
        "standing",
        "published",
    ):
        assert field in row
    assert row["score"] == 52.0 and row["standing"] == "material_risk" and row["published"] is True
    assert {"name", "value", "threshold", "score"} <= set(row["kpis"][0])


def test_an_open_period_is_computed_on_request_and_not_stored(september, lead, api_client_for, vendor_a):
    today = dt.date.today()
    period = f"{today.year}-{today.month:02d}"
    rows = api_client_for(lead).get(f"/api/v1/performance/?vendor={vendor_a.pk}&period={period}").json()["results"]
    assert len(rows) == 1 and rows[0]["stored"] is False and rows[0]["published"] is False
    assert not PeriodScorecard.objects.filter(period=period).exists()


@pytest.mark.parametrize(
    ("query", "field"), [("period=2026-13", "period"), ("period=Q3", "period"), ("vendor=abc", "vendor")]
)
def test_bad_filters_are_answered_400_naming_the_field(lead, api_client_for, query, field):
    response = api_client_for(lead).get(f"/api/v1/performance/?{query}")
    assert response.status_code == 400
    assert field in response.json()


def test_vendor_appeals_with_a_comment_and_the_lead_answers_each_recorded(
    scorecards, vendor_user, lead, api_client_for
):
    pk = scorecards["published"].pk
    vendor_api, lead_api = api_client_for(vendor_user), api_client_for(lead)
    assert vendor_api.post(f"/api/v1/performance/{pk}/respond/", {"kind": "appeal"}).status_code == 400
    assert lead_api.post(f"/api/v1/performance/{pk}/respond/", {"kind": "acknowledge"}).status_code == 403
    appealed = vendor_api.post(f"/api/v1/performance/{pk}/respond/", {"kind": "appeal", "comment": "B4 was late input"})
    assert appealed.status_code == 200 and appealed.json()["status"] == "appealed"
    assert vendor_api.post(f"/api/v1/performance/{pk}/publish/").status_code == 403
    answered = lead_api.post(f"/api/v1/performance/{pk}/respond/", {"kind": "answer", "comment": "Input was on time."})
    assert answered.json()["status"] == "answered"
    acknowledged = vendor_api.post(f"/api/v1/performance/{pk}/respond/", {"kind": "acknowledge"})
    assert acknowledged.json()["status"] == "acknowledged"
    responses = PeriodScorecard.objects.get(pk=pk).responses.order_by("at", "pk")
    assert [(r.kind, r.user_id, r.comment) for r in responses] == [
        ("appeal", vendor_user.pk, "B4 was late input"),
        ("answer", lead.pk, "Input was on time."),
        ("acknowledge", vendor_user.pk, ""),
    ]


def test_a_published_scorecard_is_not_recomputed(scorecards, september, lead):
    published = scorecards["published"]
    september["b2"].verdict = "accepted"
    september["b2"].save()
    again = services.scorecard_compute(vendor=published.vendor, period=SEPTEMBER)
    assert again.pk == published.pk and again.score == 52
    unpublished = services.scorecard_compute(vendor=published.vendor, period=AUGUST)
    assert unpublished.pk == scorecards["unpublished"].pk


def test_only_leads_publish_and_an_open_period_cannot_be_published(september, vendor_a, users):
    scorecard = services.scorecard_compute(vendor=vendor_a, period=SEPTEMBER)
    analyst = UserFactory(role=Role.QA_ANALYST)
    with pytest.raises(PermissionDenied):
        services.scorecard_publish(scorecard=scorecard, user=analyst)
    today = dt.date.today()
    current = services.scorecard_compute(vendor=vendor_a, period=kpis.period_containing(today))
    with pytest.raises(DomainError):
        services.scorecard_publish(scorecard=current, user=users[Role.PROCUREMENT_LEAD])


def test_listing_stored_scorecards_costs_the_same_queries_for_one_row_or_many(
    september, lead, api_client_for, django_assert_num_queries
):
    api = api_client_for(lead)
    services.scorecard_compute(vendor=september["contract"].vendor, period=SEPTEMBER)
    # Token and user, the count, the page of rows (vendor ids only, no query per row).
    with django_assert_num_queries(3):
        assert len(api.get("/api/v1/performance/").json()["results"]) == 1
    for _ in range(4):
        vendor = VendorFactory()
        services.scorecard_compute(vendor=vendor, period=SEPTEMBER)
    with django_assert_num_queries(3):
        assert len(api.get("/api/v1/performance/").json()["results"]) == 5


def test_leads_compute_a_period_through_the_api_and_others_may_not(september, vendor_a, users, api_client_for):
    body = {"vendor": vendor_a.pk, "period": "2026-09"}
    for role in (Role.QA_ANALYST, Role.VIEWER, Role.VENDOR):
        assert api_client_for(users[role]).post("/api/v1/performance/compute/", body).status_code == 403
    bad = api_client_for(users[Role.PROCUREMENT_LEAD]).post("/api/v1/performance/compute/", {**body, "period": "Sept"})
    assert bad.status_code == 400 and "period" in bad.json()
    created = api_client_for(users[Role.PROCUREMENT_LEAD]).post("/api/v1/performance/compute/", body)
    assert created.status_code == 201 and created.json()["score"] == 52.0 and created.json()["stored"] is True
    assert PeriodScorecard.objects.filter(vendor=vendor_a, period="2026-09").count() == 1
