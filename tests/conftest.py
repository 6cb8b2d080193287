"""Shared fixtures: users of every role, vendors, API clients, the demo, and service requirements.

A test that needs PostgreSQL, Redis, an SMTP server or Chromium asks for it with
``require_service``: on a laptop without the service it is skipped, in CI (``CI=true``)
it fails, because CI promises to run everything.

The demo (``manage.py demo_data``) takes about twenty seconds to build, so it is built once
per session, committed, and shared by the tests that ask for ``demo``. Those tests run
last, together, so no other test sees the demo's rows; each of them runs in a transaction
that is rolled back, so the demo they share stays as built (the one exception, a browser
walk, is explained at ``demo_server``).
"""

import io
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import TEST_PASSWORD, UserFactory, VendorFactory
from vendorscore.celery import app as celery_app
from vendorscore.constants import Role
from vendorscore.settings import bucket_storages

IN_CI = os.environ.get("CI", "").lower() == "true"

# Property tests assert what is computed, not how fast: hypothesis's 200 ms per-example deadline
# only measured how busy the machine was (performance is measured by the scripts under bench/).
hypothesis_settings.register_profile("vendorscore", deadline=None)
hypothesis_settings.load_profile("vendorscore")
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Move the tests on the shared demo to the end of the run, after pytest-django's own ordering.

    A transactional test empties every table when it ends, which would take the demo away from
    the tests after it: one that asks for the demo is refused here rather than failing others.
    """
    on_demo = [item for item in items if "demo_built" in getattr(item, "fixturenames", ())]
    transactional = [item.nodeid for item in on_demo if _is_transactional(item)]
    if transactional:
        raise pytest.UsageError(f"tests on the shared demo must not be transactional: {transactional}")
    items[:] = [item for item in items if item not in on_demo] + on_demo


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(fixtures)
    )


def require_service(available: bool, what: str) -> None:
    """Skip on a developer machine without the service; fail in CI, which must have it."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not available")
    pytest.skip(f"{what} is not available on this machine")


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def database_url_of_test_database() -> str:
    """The URL a separate process needs to reach the database this test run created."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings["USER"] or "postgres"
    auth = f"{user}:{settings['PASSWORD']}@" if settings["PASSWORD"] else f"{user}@"
    return f"postgres://{auth}{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"


@pytest.fixture(autouse=True)
def fresh_cache():
    """Throttle counters live in the cache: each test starts with none, as a new minute would."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@dataclass(frozen=True)
class Demo:
    """What building the demo showed: the command's output and the e-mails it sent."""

    output: str
    emails: list


@pytest.fixture(scope="session")
def demo_built(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, built and committed once per session, with its files in a media folder of its own."""
    media = override_settings(
        MEDIA_ROOT=tmp_path_factory.mktemp("demo-media"),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    with media:
        with django_db_blocker.unblock():
            mail.outbox = []
            output = io.StringIO()
            call_command("demo_data", stdout=output)
        yield Demo(output=output.getvalue(), emails=list(mail.outbox))
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def demo(demo_built, db):
    """The shared demo, read inside this test's transaction: whatever the test changes is rolled back."""
    return demo_built


@pytest.fixture
def vendor_a(db):
    return VendorFactory(name="Vendor A")


@pytest.fixture
def vendor_b(db):
    return VendorFactory(name="Vendor B")


@pytest.fixture
def users(db, vendor_a):
    """One user per role; the vendor user belongs to ``vendor_a``."""
    return {
        Role.PROCUREMENT_LEAD: UserFactory(username="lead", role=Role.PROCUREMENT_LEAD),
        Role.QA_ANALYST: UserFactory(username="analyst", role=Role.QA_ANALYST),
        Role.VIEWER: UserFactory(username="viewer", role=Role.VIEWER),
        Role.VENDOR: UserFactory(username="vendor_a_user", role=Role.VENDOR, vendor=vendor_a),
    }


@pytest.fixture
def lead(users):
    return users[Role.PROCUREMENT_LEAD]


@pytest.fixture
def api_client_for():
    """Build an API client that authenticates with the user's token, as scripts do."""

    def build(user):
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return build


@pytest.fixture
def password():
    return TEST_PASSWORD


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def broker_down(monkeypatch):
    """Celery publishing for real, to a Redis port nothing listens on."""
    closed = f"redis://127.0.0.1:{closed_port()}/0"
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    monkeypatch.setenv("CELERY_BROKER_URL", closed)  # Celery reads it before its own setting
    monkeypatch.setitem(celery_app.conf, "broker_url", closed)
    monkeypatch.setitem(celery_app.conf, "broker_transport_options", {})
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    yield
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()


# Any key works with moto's server; these keep boto3 from looking for real ones.
BUCKET_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
BUCKET_REGION = "us-east-1"


@pytest.fixture(scope="session")
def s3_server():
    """An S3 API server in its own process for the whole run (moto's server mode); its endpoint URL."""
    port = closed_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.poll() is None and not port_open("127.0.0.1", port):
        time.sleep(0.1)
    try:
        require_service(port_open("127.0.0.1", port), "An S3 API server (moto's server mode)")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


@dataclass
class Bucket:
    """A bucket of the test's S3 server: its name, a client to look inside, the environment that selects it."""

    name: str
    client: object
    env: dict

    def keys(self, prefix: str = "") -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.name, Prefix=prefix)
        return sorted(entry["Key"] for entry in listing.get("Contents", ()))


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


@pytest.fixture
def bucket(s3_server, settings, monkeypatch, tmp_path):
    """A fresh bucket that this process's file storages use, as ``VENDORSCORE_STORAGE=s3`` sets them.

    ``MEDIA_ROOT`` points at an empty folder of its own, so a test can show nothing went there.
    """
    import boto3

    for name, value in BUCKET_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    name = f"test-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_server, region_name=BUCKET_REGION)
    client.create_bucket(Bucket=name)
    settings.MEDIA_ROOT = tmp_path / "web-media"
    settings.STORAGES = {
        **settings.STORAGES,
        **bucket_storages(bucket_name=name, endpoint_url=s3_server, region_name=BUCKET_REGION),
    }
    env = {
        "VENDORSCORE_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": name,
        "AWS_S3_ENDPOINT_URL": s3_server,
        "AWS_S3_REGION_NAME": BUCKET_REGION,
        **BUCKET_CREDENTIALS,
    }
    return Bucket(name=name, client=client, env=env)
