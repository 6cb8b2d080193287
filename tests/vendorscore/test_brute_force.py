"""Issue 14, finding 6: many wrong passwords, then the right one is refused for the window."""

import pytest
from rest_framework.test import APIClient

from vendorscore.constants import Role


@pytest.fixture
def token_client():
    client = APIClient()
    client.raise_request_exception = False
    return client


def _token(client, username, password):
    return client.post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")


def test_the_right_password_is_throttled_after_a_run_of_wrong_ones_on_the_token_endpoint(token_client, users, password):
    answers = [_token(token_client, "lead", f"guess-{i}").status_code for i in range(200)]
    assert answers[0] == 400 and 429 in answers
    refused = _token(token_client, "lead", password)
    assert refused.status_code == 429 and "token" not in refused.json()
    assert int(refused["Retry-After"]) > 0


def test_guessing_one_username_from_many_addresses_is_throttled_too(token_client, users, password):
    for i in range(30):
        _token_from(token_client, f"10.0.0.{i}", "lead", f"guess-{i}")
    assert _token_from(token_client, "10.0.1.1", "lead", password).status_code == 429


def _token_from(client, address, username, password):
    return client.post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json", REMOTE_ADDR=address
    )


def test_a_script_asking_for_its_token_once_gets_it(token_client, users, password):
    response = _token(token_client, "lead", password)
    assert response.status_code == 200 and response.json()["token"]


def test_the_login_page_locks_the_account_at_the_address_after_repeated_failures(client, users, password, settings):
    answers = [
        client.post("/accounts/login/", {"username": "viewer", "password": f"guess-{i}"}).status_code
        for i in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert answers[0] == 200 and answers[-1] == 429
    locked = client.post("/accounts/login/", {"username": "viewer", "password": password})
    assert locked.status_code == 429 and b"Too many failed log-ins" in locked.content
    assert client.get("/").status_code == 302, "not logged in"
    other = client.post("/accounts/login/", {"username": users[Role.QA_ANALYST].username, "password": password})
    assert other.status_code == 302, "another account at the same address is not locked"
