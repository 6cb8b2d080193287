"""Webhooks against a real HTTP server on this machine: once per event, signed, retried, refused inside the network.

The receiver is ``http.server`` on 127.0.0.1 in a thread, so these tests turn
``WEBHOOK_ALLOW_PRIVATE_NETWORKS`` on; the refusal tests turn it off.
"""

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from celery.exceptions import Retry

from sla import services, tasks
from sla.models import Breach, Webhook, WebhookDelivery
from tests.sla.conftest import FAILING, FIX
from vendorscore.constants import Role

SECRET = "s3cret-for-tests-only"


class Receiver:
    """Records every POST (headers and raw body) and answers the next scripted status (200 when none is left)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/vendorscore?team=data"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def events(self) -> list[str]:
        return [json.loads(request["body"])["event"] for request in self.requests]


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    server = Receiver()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def register(client, url, events, **extra):
    return client.post("/api/v1/webhooks/", {"url": url, "events": events, "secret": SECRET, **extra}, format="json")


def expected_signature(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def test_each_event_is_delivered_once_signed_despite_ticks_and_retries(
    api_client_for, lead, receiver, overlap_contract, deliver, django_capture_on_commit_callbacks
):
    assert register(api_client_for(lead), receiver.url, ["breach.opened", "batch.evaluated"]).status_code == 201
    batch = deliver(overlap_contract, FAILING)
    breach = Breach.objects.get(batch=batch)

    with django_capture_on_commit_callbacks(execute=True):
        for _tick in range(3):
            services.breach_opened_notify(breach_id=breach.pk)  # a redelivered notify task
            services.webhook_deliveries_requeue(older_than=dt.timedelta(0))  # the scheduler's sweep
    for row in WebhookDelivery.objects.all():
        tasks.webhook_deliver.apply(args=[row.pk])  # a retried or redelivered send task

    assert sorted(receiver.events()) == ["batch.evaluated", "breach.opened"]
    for request in receiver.requests:
        assert request["path"] == "/hooks/vendorscore?team=data"
        assert request["headers"]["X-Vendorscore-Signature"] == expected_signature(request["body"])
        assert request["headers"]["Content-Type"] == "application/json"
    opened = json.loads(next(r["body"] for r in receiver.requests if b"breach.opened" in r["body"]))
    assert set(opened) == {"event", "id", "occurred_at", "data"}
    assert opened["id"] == f"breach:{breach.pk}:breach.opened"
    assert opened["data"]["breach"] == breach.pk and opened["data"]["batch"] == batch.pk
    assert dt.datetime.fromisoformat(opened["occurred_at"]) == breach.opened_at
    assert set(WebhookDelivery.objects.values_list("status", "attempts", "response_status")) == {
        (WebhookDelivery.Status.SENT, 1, 200)
    }


def test_a_500_from_the_receiver_is_retried_and_then_delivered_once(
    api_client_for, lead, receiver, overlap_contract, deliver
):
    register(api_client_for(lead), receiver.url, ["breach.opened"])
    receiver.statuses = [500]
    with pytest.raises(Retry):  # the send task asks Celery to retry it with backoff
        deliver(overlap_contract, FAILING)
    row = WebhookDelivery.objects.get()
    assert (row.status, row.attempts, row.response_status) == (WebhookDelivery.Status.FAILED, 1, 500)

    assert services.webhook_deliver(delivery_id=row.pk) is True  # the retry
    assert services.webhook_deliver(delivery_id=row.pk) is False  # another tick: already delivered
    row.refresh_from_db()
    assert (row.status, row.attempts, row.response_status) == (WebhookDelivery.Status.SENT, 2, 200)
    assert len(receiver.requests) == 2
    assert receiver.requests[0]["body"] == receiver.requests[1]["body"]  # the same event, same id, same signature
    assert receiver.requests[1]["headers"]["X-Vendorscore-Signature"] == expected_signature(row.body.encode())


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:192.168.0.1]/hook",
        "ftp://example.com/hook",
        "file:///etc/passwd",
    ],
)
def test_a_url_inside_the_network_is_refused(api_client_for, lead, settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    response = register(api_client_for(lead), url, ["breach.opened"])
    assert response.status_code == 400
    assert "url" in response.json()
    assert not Webhook.objects.exists()


def test_a_name_that_resolves_inside_the_network_at_send_time_is_not_called(
    api_client_for, lead, receiver, settings, overlap_contract, deliver
):
    """DNS rebinding: accepted at registration, private when sent; the send checks again and calls nothing."""
    register(api_client_for(lead), receiver.url, ["breach.opened"])
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    with pytest.raises(Retry):
        deliver(overlap_contract, FAILING)
    row = WebhookDelivery.objects.get()
    assert row.status == WebhookDelivery.Status.FAILED and "loopback" in row.last_error
    assert receiver.requests == []


def test_slack_webhooks_get_a_text_message(api_client_for, lead, receiver, overlap_contract, deliver):
    register(api_client_for(lead), receiver.url, ["breach.opened"], kind="slack")
    batch = deliver(overlap_contract, FAILING)
    (request,) = receiver.requests
    message = json.loads(request["body"])
    assert list(message) == ["text"]
    assert message["text"].startswith(f"SLA breach opened: Vendor A, batch {batch.pk} (sentiment), Consensus overlap.")
    assert request["headers"]["X-Vendorscore-Signature"] == expected_signature(request["body"])


def test_escalation_and_remediation_are_sent_once_each(
    api_client_for, lead, receiver, overlap_contract, deliver, django_capture_on_commit_callbacks
):
    register(api_client_for(lead), receiver.url, ["breach.escalated", "breach.remediated"])
    failed = deliver(overlap_contract, FAILING)
    breach = Breach.objects.get(batch=failed)
    later = breach.remediation_due + dt.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.breaches_escalate_overdue(now=later)
        services.breaches_escalate_overdue(now=later + dt.timedelta(minutes=15))
    deliver(overlap_contract, FIX, remediates=failed)
    assert receiver.events() == ["breach.escalated", "breach.remediated"]
    remediated = json.loads(receiver.requests[1]["body"])
    assert remediated["data"]["status"] == "remediated"
    assert remediated["data"]["service_credit"] == str(Breach.objects.get(pk=breach.pk).service_credit) == "0.00"


def test_webhooks_are_for_leads_only(api_client_for, users):
    for role in (Role.QA_ANALYST, Role.VIEWER, Role.VENDOR):
        client = api_client_for(users[role])
        assert client.get("/api/v1/webhooks/").status_code == 403
        assert register(client, "https://example.com/hook", ["breach.opened"]).status_code == 403


def test_lead_lists_deliveries_sends_again_and_deletes(
    api_client_for, lead, receiver, overlap_contract, deliver, django_capture_on_commit_callbacks
):
    client = api_client_for(lead)
    created = register(client, receiver.url, ["breach.opened"]).json()
    assert created["secret"] == SECRET
    assert "secret" not in client.get("/api/v1/webhooks/").json()["results"][0]
    deliver(overlap_contract, FAILING)
    deliveries = client.get(f"/api/v1/webhooks/{created['id']}/deliveries/").json()["results"]
    assert [(d["event"], d["status"], d["response_status"]) for d in deliveries] == [("breach.opened", "sent", 200)]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/webhooks/{created['id']}/deliveries/{deliveries[0]['id']}/resend/")
    assert response.status_code == 202
    assert len(receiver.requests) == 2
    assert client.delete(f"/api/v1/webhooks/{created['id']}/").status_code == 204
    assert not WebhookDelivery.objects.exists()


def test_webhook_pages_register_show_deliveries_and_send_again(
    client, lead, receiver, overlap_contract, deliver, django_capture_on_commit_callbacks
):
    client.force_login(lead)
    response = client.post(
        "/webhooks/", {"url": receiver.url, "kind": "json", "events": ["breach.opened"], "secret": SECRET}
    )
    webhook = Webhook.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/webhooks/{webhook.pk}/"
    deliver(overlap_contract, FAILING)
    page = client.get(f"/webhooks/{webhook.pk}/").content.decode()
    assert "breach.opened" in page and "200" in page and "Send again" in page
    row = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/webhooks/{webhook.pk}/deliveries/{row.pk}/resend/")
    assert len(receiver.requests) == 2


def test_webhook_page_refuses_a_private_url_with_a_message(client, lead, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    client.force_login(lead)
    response = client.post(
        "/webhooks/", {"url": "http://192.168.1.10/x", "kind": "json", "events": ["batch.evaluated"]}
    )
    assert response.status_code == 200
    assert "private address" in response.content.decode()
    assert not Webhook.objects.exists()


@pytest.mark.parametrize("role", [Role.QA_ANALYST, Role.VIEWER, Role.VENDOR])
def test_webhook_pages_are_for_leads_only(client, users, role):
    client.force_login(users[role])
    assert client.get("/webhooks/").status_code == 403
    assert client.post("/webhooks/", {"url": "https://example.com/", "events": ["breach.opened"]}).status_code == 403
    assert not Webhook.objects.exists()


def test_a_dispute_and_its_decision_are_sent_once_each(
    api_client_for, users, lead, receiver, overlap_contract, deliver, django_capture_on_commit_callbacks
):
    register(api_client_for(lead), receiver.url, ["breach.disputed", "breach.decided"])
    breach = Breach.objects.get(batch=deliver(overlap_contract, FAILING))
    with django_capture_on_commit_callbacks(execute=True):
        services.breach_dispute(breach=breach, user=users[Role.VENDOR], reason="The gold set was wrong.")
    with django_capture_on_commit_callbacks(execute=True):
        services.breach_decide(breach=Breach.objects.get(pk=breach.pk), user=lead, decision="withdrawn", note="Agreed.")
    with django_capture_on_commit_callbacks(execute=True):
        services.breach_disputed_notify(breach_id=breach.pk)  # a redelivered notify task
    assert receiver.events() == ["breach.disputed", "breach.decided"]
    decided = json.loads(receiver.requests[1]["body"])
    assert decided["data"]["status"] == "withdrawn" and decided["id"].startswith(f"breach:{breach.pk}:breach.decided:")
