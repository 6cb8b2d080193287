"""Every list page and list endpoint costs the same number of queries for N rows as for 3N.

A list that looks up something per row (an N+1) gets slower with each delivery a vendor
makes; the first sign is a query count that grows with the rows. Each list is opened by a
lead and by a vendor user, with every kind of row it shows built N times, then 3N times:
the counts must be equal, and at most the figure pinned here, so that a list that starts
asking more of the database is noticed when it happens.
"""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from sla.models import Webhook, WebhookDelivery
from sla.simulate import DeliverySpec
from tests.factories import (
    CertificationFactory,
    ContractFactory,
    DeliveredBatchFactory,
    EvaluationFactory,
    ScorecardTemplateFactory,
    TermsFactory,
    VendorFactory,
)
from vendorscore.constants import Role
from vendorscore.performance import services as performance_services
from vendorscore.performance.kpis import parse_period

N = 2

# The most queries each list may make, for a lead and for a vendor user (None: the role may not open it).
PINNED = {
    "/vendors/": (5, 6),
    "/contracts/": (6, 6),
    "/task-types/": (3, None),
    "/batches/": (8, 9),
    "/findings/": (8, 8),
    "/breaches/": (8, 9),
    "/credits/": (17, 12),
    "/notifications/": (5, None),
    "/webhooks/": (4, None),
    "/gold-sets/": (5, None),
    "/scorecards/": (8, None),
    "/scorecards/templates/": (6, None),
    "/performance/": (4, None),
    "/performance/templates/": (4, None),
    "/api/v1/vendors/": (3, 3),
    "/api/v1/task-types/": (3, 3),
    "/api/v1/contracts/": (3, 3),
    "/api/v1/gold-sets/": (2, None),
    "/api/v1/batches/": (3, 3),
    "/api/v1/breaches/": (4, 4),
    "/api/v1/findings/": (3, 3),
    "/api/v1/webhooks/": (3, None),
    "/api/v1/scorecard-templates/": (6, None),
    "/api/v1/evaluations/": (8, None),
    "/api/v1/certifications/": (3, None),
    "/api/v1/performance/": (3, 2),
    "/api/v1/credits/?month={month}": (14, 8),
    "/api/v1/contracts/{contract}/terms/": (3, 3),
    "/api/v1/batches/{batch}/findings/": (3, 3),
    "/api/v1/breaches/{breach}/events/": (4, 4),
    "/api/v1/webhooks/{webhook}/deliveries/": (4, None),
}

_seeds = itertools.count(100)
# Only the consensus overlap is a term, and this delivery's 40% overlap is above its 15%: rejected, with a breach.
FAILING_OVERLAP = {"accuracy_floor": None, "iaa_min": None, "iaa_fail_below": None, "defect_rate_max": None}


def _grow(*, vendor, lead, times: int) -> dict:
    """Add ``times`` of every kind of row the lists show, for ``vendor`` and for as many other vendors."""
    period = parse_period(timezone.localdate().strftime("%Y-%m"))
    own = {}
    for _ in range(times):
        for owner in (vendor, VendorFactory()):
            contract = ContractFactory(vendor=owner)
            TermsFactory(contract=contract, remediation_business_days=5, service_credit_percent=10, **FAILING_OVERLAP)
            spec = DeliverySpec(items=40, overlap=0.4, seed=next(_seeds))
            batch = DeliveredBatchFactory(contract=contract, spec=spec, user=lead)
            CertificationFactory(vendor=owner)
            EvaluationFactory(vendor=owner, template=ScorecardTemplateFactory(), created_by=lead)
            performance_services.scorecard_compute(vendor=owner, period=period)
            # A webhook that listens to nothing, so none of the deliveries after it tries to reach it.
            webhook = Webhook.objects.create(url="https://tickets.example/hook", events=[], secret="s")
            WebhookDelivery.objects.create(webhook=webhook, event="breach.opened", event_key=f"k{batch.pk}", body="{}")
            if owner == vendor:  # the nested lists are opened on the vendor user's own objects
                own = {"contract": contract.pk, "batch": batch.pk, "breach": batch.breaches.get().pk}
                own.update(webhook=webhook.pk, month=batch.delivered_at.strftime("%Y-%m"))
    return own


def _query_counts(clients: dict, ids: dict) -> dict:
    counts = {}
    for template, pins in PINNED.items():
        url = template.format(**ids)
        for (who, client), pin in zip(clients.items(), pins, strict=True):
            if pin is None:
                continue
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200, (who, url, response.status_code)
            counts[(template, who)] = len(queries)
    return counts


@pytest.fixture
def clients(client, users, api_client_for):
    """Who opens the lists: the lead and vendor A's user, by session for pages and by token for the API."""
    from rest_framework.test import APIClient

    chosen = {}
    for role in (Role.PROCUREMENT_LEAD, Role.VENDOR):
        page, api = type(client)(), APIClient()
        page.force_login(users[role])
        api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=users[role])[0].key}")
        chosen[role] = _Either(page, api)
    return chosen


class _Either:
    """A page client for pages, an API client for ``/api/``."""

    def __init__(self, page, api):
        self.page, self.api = page, api

    def get(self, url):
        return (self.api if url.startswith("/api/") else self.page).get(url)


def test_list_queries_do_not_grow_with_the_rows(clients, users, vendor_a, lead):
    ids = _grow(vendor=vendor_a, lead=lead, times=N)
    few = _query_counts(clients, ids)
    ids = _grow(vendor=vendor_a, lead=lead, times=2 * N)
    many = _query_counts(clients, ids)
    grown = {key: (few[key], many[key]) for key in few if many[key] != few[key]}
    assert grown == {}, "query counts (N rows, 3N rows) that grow with the rows"
    over = {key: count for key, count in many.items() if count > _pin(*key)}
    assert over == {}, "lists that ask more of the database than pinned"


def _pin(template: str, who: str) -> int:
    return PINNED[template][0 if who == Role.PROCUREMENT_LEAD else 1]
