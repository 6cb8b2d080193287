"""Every URL pattern of the project, for everyone who may ask: the table below states who gets through.

The walk takes the URL map from Django's resolver (pages, the API router, reports, v1.1's
disputes, lineage, webhooks and performance), so a new URL with no
row in ``RULES`` fails the test: whoever adds a page or an endpoint states its rule here.

The rule of DESIGN.md and ``vendorscore/permissions.py``, applied to each row:

- anonymous: a page redirects to the login page, the API answers 401;
- a role the row does not name: 403;
- a vendor user asking about an object of another vendor (``owned`` rows): 404, as if it did not exist;
- everyone else gets through: the row's ``ok`` answer (200 unless the row says otherwise).

Each request runs against the shared demo, in a savepoint rolled back after it, so a POST one
role makes does not change what the next one sees. The objects belong to Meridian, whose
vendor user is the demo's ``meridian``; "other vendor" is a user of Northwind.
"""

import copy
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from reports.models import ReportJob
from sla.models import Batch, Breach, Webhook, WebhookDelivery
from tests.factories import UserFactory
from vendorscore.constants import Role
from vendorscore.models import User, Vendor
from vendorscore.performance.models import PerformanceTemplate, PeriodScorecard
from vendorscore.scorecards.models import Certification, Evaluation, EvidenceFile, Score, ScorecardTemplate

ANONYMOUS, OTHER_VENDOR = "anonymous", "other_vendor"
LOGIN_PAGE = "302 to the login page"
WHO = (ANONYMOUS, *Role.values, OTHER_VENDOR)

LEAD = frozenset({Role.PROCUREMENT_LEAD})
BUYERS = frozenset({Role.PROCUREMENT_LEAD, Role.QA_ANALYST, Role.VIEWER})
EVERYONE = frozenset(Role.values)
UPLOADERS = frozenset({Role.PROCUREMENT_LEAD, Role.QA_ANALYST, Role.VENDOR})
BUYER_UPLOADERS = frozenset({Role.PROCUREMENT_LEAD, Role.QA_ANALYST})
LEAD_AND_VENDOR = frozenset({Role.PROCUREMENT_LEAD, Role.VENDOR})


@dataclass(frozen=True)
class Rule:
    """Who may open one named URL, and how it is asked.

    ``target`` names the demo object the URL's ``pk`` points at; ``owned`` says that object
    belongs to one vendor (another vendor's user gets 404). ``public`` pages answer everyone,
    anonymous included. ``ok`` is the answer of whoever gets through. POSTs carry no data: most
    are refused by their form (400), some act (302, 200, 202), inside the rolled-back savepoint.
    """

    roles: frozenset = frozenset()
    target: str = ""
    owned: bool = False
    method: str = "get"
    query: str = ""
    ok: int | str = 200
    public: bool = False


def post(roles, target="", *, owned=False, ok=400):
    return Rule(roles, target, owned, method="post", ok=ok)


RULES = {
    # The vendors app.
    "dashboard": Rule(EVERYONE),
    "vendor_list": Rule(EVERYONE),
    "vendor_create": Rule(LEAD),
    "vendor_detail": Rule(EVERYONE, "vendor", owned=True),
    "vendor_update": Rule(LEAD, "vendor", owned=True),
    "vendor_security": Rule(BUYERS, "vendor", owned=True),
    "security_profile_edit": Rule(LEAD, "vendor", owned=True),
    "certification_create": Rule(LEAD, "vendor", owned=True),
    "certification_update": Rule(LEAD, "vendor", owned=True),
    "certification_evidence": Rule(BUYERS, "certification", owned=True),
    # Contracts and terms.
    "contract_list": Rule(EVERYONE),
    "contract_create": Rule(LEAD),
    "contract_detail": Rule(EVERYONE, "contract", owned=True),
    "terms_create": Rule(LEAD, "contract", owned=True),
    "terms_correct": Rule(LEAD, "contract", owned=True),
    "task_type_list": Rule(BUYERS),
    "delivery_template": Rule(UPLOADERS, "task_type"),
    # Batches, findings, reviews, lineage.
    "batch_list": Rule(EVERYONE),
    "batch_upload": Rule(UPLOADERS),
    "batch_detail": Rule(EVERYONE, "batch", owned=True),
    "batch_status": Rule(EVERYONE, "batch", owned=True),
    "batch_recheck": post(LEAD, "batch", owned=True, ok=302),
    "batch_retry": post(LEAD, "batch", owned=True, ok=302),
    "batch_reviews_upload": Rule(BUYER_UPLOADERS, "batch", owned=True),
    "batch_review_sample": Rule(BUYER_UPLOADERS, "batch", owned=True),
    "item_lineage": Rule(EVERYONE, "batch", owned=True),
    "batch_items_csv": Rule(EVERYONE, "batch", owned=True),
    "finding_list": Rule(EVERYONE),
    "gold_set_list": Rule(BUYERS),
    "gold_set_upload": post(BUYER_UPLOADERS),
    # Breaches and credits.
    "breach_list": Rule(EVERYONE),
    "breach_detail": Rule(EVERYONE, "breach", owned=True),
    "breach_waive": post(LEAD, "breach", owned=True),
    "breach_submit": post(LEAD_AND_VENDOR, "breach", owned=True, ok=302),
    "breach_dispute": post(LEAD_AND_VENDOR, "breach", owned=True),
    "breach_decide": post(LEAD, "breach", owned=True),
    "breach_dispute_file": Rule(EVERYONE, "breach", owned=True),
    "breach_missing_items": Rule(EVERYONE, "breach", owned=True),
    "credit_statement": Rule(EVERYONE),
    # Notifications and webhooks.
    "notification_list": Rule(LEAD),
    "notification_preferences": Rule(EVERYONE),
    "webhook_list": Rule(LEAD),
    "webhook_detail": Rule(LEAD, "webhook"),
    "webhook_delete": post(LEAD, "webhook", ok=302),
    "webhook_delivery_resend": post(LEAD, "webhook", ok=302),
    # Selection scorecards.
    "evaluation_list": Rule(BUYERS),
    "evaluation_create": Rule(LEAD),
    "scorecard_compare": Rule(BUYERS, query="?vendors={vendor},{other_vendor}"),
    "evaluation_detail": Rule(BUYERS, "evaluation"),
    "evaluation_score": Rule(LEAD, "evaluation"),
    "evaluation_weights": Rule(LEAD, "evaluation"),
    "evaluation_submit": post(LEAD, "evaluation", ok=302),
    "evaluation_finalize": post(LEAD, "evaluation", ok=302),
    "evidence_download": Rule(BUYERS, "evidence"),
    "scorecard_template_list": Rule(BUYERS),
    "scorecard_template_detail": Rule(BUYERS, "scorecard_template"),
    "scorecard_template_copy": Rule(LEAD, "scorecard_template"),
    "scorecard_template_edit": Rule(LEAD, "scorecard_template", ok=302),
    # Reports.
    "batch_report": Rule(EVERYONE, "batch", owned=True),
    "vendor_report": Rule(EVERYONE, "vendor", owned=True),
    "comparison_report": Rule(BUYERS, query="?vendors={vendor},{other_vendor}"),
    "report_job_create": post(EVERYONE),
    "report_job": Rule(EVERYONE, "report_job", owned=True),
    "report_job_status": Rule(EVERYONE, "report_job", owned=True),
    "report_job_download": Rule(EVERYONE, "report_job", owned=True),
    # Performance scorecards.
    "performance_overview": Rule(BUYERS),
    "performance_compute": post(LEAD, ok=302),
    "performance_vendor": Rule(EVERYONE, "vendor", owned=True),
    "performance_assign": post(LEAD, "vendor", owned=True, ok=302),
    "performance_scorecard": Rule(EVERYONE, "period_scorecard", owned=True),
    "performance_publish": post(LEAD, "period_scorecard", owned=True, ok=302),
    # Any role reaches the service, which refuses a buyer other than a lead with a message on the page.
    "performance_respond": post(EVERYONE, "period_scorecard", owned=True, ok=302),
    "performance_template_list": Rule(BUYERS),
    "performance_template_detail": Rule(BUYERS, "performance_template"),
    "performance_template_copy": post(LEAD, "performance_template", ok=302),
    # A template in use is not edited in place: the page sends the lead to copy it.
    "performance_template_edit": Rule(LEAD, "performance_template", ok=302),
    # Accounts: the login and password-reset pages answer anyone.
    "login": Rule(public=True),
    "logout": Rule(method="post", ok=LOGIN_PAGE, public=True),
    "password_change": Rule(EVERYONE),
    "password_change_done": Rule(EVERYONE),
    "password_reset": Rule(public=True),
    "password_reset_done": Rule(public=True),
    "password_reset_confirm": Rule(public=True),
    "password_reset_complete": Rule(public=True),
    # The API (v1 and the v1.1 additions); a format is ?format=, there are no suffix URLs.
    "api_token": Rule(method="post", ok=400, public=True),
    "api-root": Rule(EVERYONE),
    "vendor-list": Rule(EVERYONE),
    "vendor-detail": Rule(EVERYONE, "vendor", owned=True),
    "task-type-list": Rule(EVERYONE),
    "task-type-detail": Rule(EVERYONE, "task_type"),
    "contract-list": Rule(EVERYONE),
    "contract-detail": Rule(EVERYONE, "contract", owned=True),
    "contract-terms": Rule(EVERYONE, "contract", owned=True),
    "gold-set-list": Rule(BUYERS),
    "gold-set-detail": Rule(BUYERS, "gold_set"),
    "gold-set-retry": post(LEAD, "gold_set"),
    "batch-list": Rule(EVERYONE),
    "batch-detail": Rule(EVERYONE, "batch", owned=True),
    "batch-findings": Rule(EVERYONE, "batch", owned=True),
    "batch-metrics": Rule(EVERYONE, "batch", owned=True),
    "batch-recheck": post(LEAD, "batch", owned=True, ok=200),
    "batch-retry": post(LEAD, "batch", owned=True),
    "breach-list": Rule(EVERYONE),
    "breach-detail": Rule(EVERYONE, "breach", owned=True),
    "breach-decide": post(LEAD, "breach", owned=True),
    "breach-dispute": post(LEAD_AND_VENDOR, "breach", owned=True),
    "breach-events": Rule(EVERYONE, "breach", owned=True),
    "finding-list": Rule(EVERYONE),
    "webhook-list": Rule(LEAD),
    "webhook-detail": Rule(LEAD, "webhook"),
    "webhook-deliveries": Rule(LEAD, "webhook"),
    "webhook-resend": post(LEAD, "webhook", ok=202),
    "scorecard-template-list": Rule(BUYERS),
    "scorecard-template-detail": Rule(BUYERS, "scorecard_template"),
    "scorecard-template-copy": post(LEAD, "scorecard_template"),
    "evaluation-list": Rule(BUYERS),
    "evaluation-detail": Rule(BUYERS, "evaluation"),
    "evaluation-evidence": Rule(BUYERS, "evaluation"),
    "evaluation-finalize": post(LEAD, "evaluation"),
    "evaluation-red-flags": post(LEAD, "evaluation"),
    "evaluation-scores": post(LEAD, "evaluation"),
    "evaluation-submit": post(LEAD, "evaluation"),
    "certification-list": Rule(BUYERS),
    "certification-detail": Rule(BUYERS, "certification"),
    "performance-list": Rule(EVERYONE),
    "performance-compute": post(LEAD),
    "performance-detail": Rule(EVERYONE, "period_scorecard", owned=True),
    "performance-publish": post(LEAD, "period_scorecard", owned=True),
    "performance-respond": post(LEAD_AND_VENDOR, "period_scorecard", owned=True),
    "api_batch_report": Rule(EVERYONE, "batch", owned=True),
    "api_vendor_report": Rule(EVERYONE, "vendor", owned=True),
    "api_comparison_report": Rule(BUYERS, query="?vendors={vendor},{other_vendor}"),
    "api_credit_statement": Rule(EVERYONE, query="?month=2026-10"),
    "api_schema": Rule(public=True),
    "api_docs": Rule(public=True),
}


def url_patterns(patterns=None, prefix=""):
    """(name, the pattern's keyword names, its route) of every URL the project answers; the admin is Django's own."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace != "admin":
                yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield pattern.name, frozenset(pattern.pattern.regex.groupindex), prefix + str(pattern.pattern)


@pytest.fixture
def meridian_objects(demo):
    """One object of each kind a URL points at, Meridian's where it belongs to a vendor."""
    meridian = Vendor.objects.get(name="Meridian Data Services")
    lead = User.objects.get(username="lead")
    batch = Batch.objects.filter(contract__vendor=meridian, breaches__isnull=False).order_by("pk").first()
    breach = Breach.objects.filter(batch=batch).order_by("pk").first()
    contract = batch.contract
    evaluation = Evaluation.objects.filter(status="draft").order_by("pk").first()  # a draft may still be scored
    score = Score.objects.filter(criterion__dimension__evaluation=evaluation).order_by("pk").first()
    evidence = EvidenceFile.objects.create(score=score, file=ContentFile(b"IAA report", name="iaa.txt"))
    certification = Certification.objects.filter(vendor=meridian).order_by("pk").first()
    certification.evidence.save("soc2.pdf", ContentFile(b"%PDF-1.4 audit"))
    breach.dispute_file.save("dispute.txt", ContentFile(b"our reviewers disagree"))
    webhook = Webhook.objects.create(url="https://tickets.example/hook", events=["breach.opened"], secret="s")
    delivery = WebhookDelivery.objects.create(webhook=webhook, event="breach.opened", event_key="k", body="{}")
    job = ReportJob.objects.create(
        kind=ReportJob.Kind.BATCH,
        object_id=batch.pk,
        audience="vendor",
        requested_by=lead,
        status=ReportJob.Status.DONE,
        file_name="walk.pdf",
        download_name="walk.pdf",
    )
    cache = Path(settings.MEDIA_ROOT) / "reports"  # where finished reports wait for their download
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "walk.pdf").write_bytes(b"%PDF-1.4 walk")
    return {
        "vendor": meridian,
        "other_vendor": Vendor.objects.get(name="Northwind Annotation"),
        "contract": contract,
        "terms": contract.terms.order_by("pk").first(),
        "task_type": batch.task_type,
        "batch": batch,
        "breach": breach,
        "gold_set": batch.task_type.gold_sets.order_by("pk").first(),
        "evaluation": evaluation,
        "evidence": evidence,
        "scorecard_template": ScorecardTemplate.objects.order_by("pk").first(),
        "certification": certification,
        "period_scorecard": PeriodScorecard.objects.filter(vendor=meridian, published_at__isnull=False).first(),
        "performance_template": PerformanceTemplate.objects.order_by("pk").first(),
        "webhook": webhook,
        "webhook_delivery": delivery,
        "report_job": job,
    }


def _kwargs(rule: Rule, keywords: frozenset, objects: dict) -> dict:
    values = {
        "pk": objects[rule.target].pk if rule.target else None,
        "terms_pk": objects["terms"].pk,
        "cert": objects["certification"].pk,
        "delivery_pk": objects["webhook_delivery"].pk,
        "evidence_id": objects["evidence"].pk,
        "step": 1,
        "kind": "redelivered",
        "uidb64": "MQ",
        "token": "set-password",
    }
    return {keyword: values[keyword] for keyword in keywords}


def _expected(rule: Rule, who: str, api: bool) -> set:
    """The answers the rule allows: one, except where two refusals are both right."""
    if rule.public:
        return {rule.ok}
    if who == ANONYMOUS:
        return {401 if api else LOGIN_PAGE}
    role = Role.VENDOR if who == OTHER_VENDOR else who
    if who == OTHER_VENDOR and rule.owned:
        return {404} if role in rule.roles else {403, 404}  # refused either way; some views look the object up first
    return {rule.ok} if role in rule.roles else {403}


def _clients(objects: dict) -> dict:
    """A page client (session) and an API client (token) for each who."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    users = {role: User.objects.filter(role=role).order_by("pk").first() for role in Role.values}
    users[OTHER_VENDOR] = UserFactory(role=Role.VENDOR, vendor=objects["other_vendor"])
    clients = {}
    for who in WHO:
        page, api = Client(raise_request_exception=False), APIClient()
        api.raise_request_exception = False  # an error is an answer like any other: 500
        if who != ANONYMOUS:
            page.force_login(users[who])
            api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=users[who])[0].key}")
        clients[who] = (page, api)
    return clients


def test_every_url_answers_each_role_as_its_rule_says(meridian_objects):
    patterns = list(url_patterns())
    unruled = sorted({name or route for name, _, route in patterns} - set(RULES))
    assert unruled == [], "URLs with no rule: add a row to RULES saying who may open each"
    clients = _clients(meridian_objects)
    vendors = {"vendor": meridian_objects["vendor"].pk, "other_vendor": meridian_objects["other_vendor"].pk}
    wrong = []
    for name, keywords, _route in patterns:
        rule = RULES[name]
        path = reverse(name, kwargs=_kwargs(rule, keywords, meridian_objects)) + rule.query.format(**vendors)
        api = path.startswith("/api/v1/")
        for who in WHO:
            answer = _ask(clients[who][api], rule.method, path)
            if answer not in _expected(rule, who, api):
                wrong.append(f"{rule.method.upper()} {path} as {who}: {answer}; the rule: {_expected(rule, who, api)}")
    assert not wrong, "\n".join(wrong)


def _ask(client, method: str, path: str):
    """One request in a savepoint rolled back after it, with the client's cookies as they were (a logout keeps none)."""
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        response = getattr(client, method)(path)
        transaction.set_rollback(True)
    client.cookies = cookies
    return _answer(response)


def _answer(response):
    """The status code, with a redirect to the login page told apart from any other redirect."""
    if response.status_code == 302 and response["Location"].startswith(resolve_url(settings.LOGIN_URL)):
        return LOGIN_PAGE
    return response.status_code
