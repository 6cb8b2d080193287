"""The pure webhook rules: which addresses may be called, the signature, the body."""

import hashlib
import hmac
import json

import pytest

from sla import webhook_rules


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("93.184.215.14", None),
        ("2606:4700:4700::1111", None),
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("::ffff:10.0.0.1", "private"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
    ],
)
def test_only_public_addresses_may_be_called(address, refused):
    reason = webhook_rules.refused_address(address)
    assert (reason is None) if refused is None else (refused in reason)


def test_the_servers_own_public_address_is_refused():
    assert "own address" in webhook_rules.refused_address("93.184.215.14", own=["93.184.215.14"])


def test_signature_is_the_hmac_sha256_of_the_raw_body():
    body = webhook_rules.event_body(event="breach.opened", event_id="breach:1:breach.opened", occurred_at="t", data={})
    assert json.loads(body) == {
        "event": "breach.opened",
        "id": "breach:1:breach.opened",
        "occurred_at": "t",
        "data": {},
    }
    digest = hmac.new(b"key", body, hashlib.sha256).hexdigest()
    assert webhook_rules.signature("key", body) == f"sha256={digest}"


@pytest.mark.parametrize(
    "url", ["ftp://example.com/", "https:///nohost", "http://user:pw@example.com/", "http://x:99999/"]
)
def test_urls_that_cannot_be_called_are_refused(url):
    with pytest.raises(webhook_rules.UnsafeDestination):
        webhook_rules.target_of(url)
