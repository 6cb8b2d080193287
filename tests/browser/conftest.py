"""Headless Chromium through Playwright, against pytest-django's live server.

Playwright's sync API runs an event loop in the test thread, which makes Django refuse
ORM calls there; the tests are synchronous on purpose, so that guard is lifted here.
"""

import os

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.test.testcases import LiveServerThread
from django.test.utils import modify_settings

from tests.conftest import CHROMIUM, require_service

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    require_service(CHROMIUM.exists(), f"Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def login(page, live_server, password):
    """Log in through the real login form and land on the dashboard."""

    def log_in(user):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    return log_in


@pytest.fixture
def demo_server(demo_built, django_db_blocker):
    """A live server over the shared demo, its URL; the test around it holds no transaction.

    pytest-django's ``live_server`` makes a test transactional, and a transactional test empties
    the tables the other demo tests share. Nor can the test hold the usual rolled-back
    transaction: on SQLite it takes the write lock (IMMEDIATE), and the server could not record
    a login. So the server writes its sessions and login records into the demo, which no test
    counts, and the test only reads.
    """
    thread = LiveServerThread("localhost", StaticFilesHandler)
    thread.daemon = True
    with django_db_blocker.unblock(), modify_settings(ALLOWED_HOSTS={"append": "localhost"}):
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
        yield f"http://localhost:{thread.port}"
        thread.terminate()
