"""Webhooks, the pure part: event names and ids, the bodies, their signature, which addresses may be called.

No Django import. The services (``sla/services/webhooks.py``) keep one delivery row per
event and webhook and send it; this module decides what the bytes are and whether an
address is one the server may connect to.

Addresses (SSRF): a webhook URL is typed by a person but fetched by the server, from
inside the network. Loopback, private, link-local (cloud metadata at 169.254.169.254),
multicast, reserved and unspecified addresses, and the server's own addresses, are
refused unless the deployment allows private networks. The check is made at
registration and again at each send, on the addresses the send then connects to, so a
name that later resolves elsewhere (DNS rebinding) is caught.
"""

import hashlib
import hmac
import ipaddress
import json
from collections.abc import Iterable
from urllib.parse import urlsplit

BATCH_EVALUATED = "batch.evaluated"
BREACH_OPENED = "breach.opened"
BREACH_ESCALATED = "breach.escalated"
BREACH_REMEDIATED = "breach.remediated"
BREACH_DISPUTED = "breach.disputed"
BREACH_DECIDED = "breach.decided"
EVENTS = (BATCH_EVALUATED, BREACH_OPENED, BREACH_ESCALATED, BREACH_REMEDIATED, BREACH_DISPUTED, BREACH_DECIDED)

SIGNATURE_HEADER = "X-Vendorscore-Signature"
EVENT_HEADER = "X-Vendorscore-Event"
DELIVERY_HEADER = "X-Vendorscore-Delivery"
SCHEMES = ("http", "https")


class UnsafeDestination(ValueError):
    """The URL may not be called: wrong scheme, no host, or an address inside the network."""


def event_body(*, event: str, event_id: str, occurred_at: str, data: dict) -> bytes:
    """The JSON body of API.md: ``{event, id, occurred_at, data}``, compact and with sorted keys."""
    document = {"event": event, "id": event_id, "occurred_at": occurred_at, "data": data}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8")


def slack_body(text: str) -> bytes:
    """An incoming-webhook message (Slack, Mattermost, Rocket.Chat and others read ``{"text": ...}``)."""
    return json.dumps({"text": text}, separators=(",", ":")).encode("utf-8")


def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: the HMAC-SHA256 of the raw body under the webhook's secret."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def target_of(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a URL that may be called at all, or ``UnsafeDestination``."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeDestination(f"Not a valid URL: {error}.") from error
    if parts.scheme not in SCHEMES:
        raise UnsafeDestination("Only http:// and https:// URLs can receive webhooks.")
    if not parts.hostname:
        raise UnsafeDestination("The URL has no host name.")
    if parts.username or parts.password:
        raise UnsafeDestination("Put credentials in the secret, not in the URL.")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def refused_address(address: str, *, own: Iterable[str] = ()) -> str | None:
    """Why the server may not connect to ``address`` (an IP), or None when it is a public address."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for test, what in (
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_private, "a private address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_reserved, "a reserved address"),
    ):
        if test:
            return f"{ip} is {what}"
    if str(ip) in {str(ipaddress.ip_address(a)) for a in own}:
        return f"{ip} is this server's own address"
    return None
