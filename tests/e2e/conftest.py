"""Real-browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium) against the
live server. In CI a missing browser fails the run; elsewhere these tests skip."""

import os
import shutil

import pytest

from tests.conftest import IN_CI

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser():
    # Per test, not per session: Playwright's sync API keeps an event loop running in this
    # thread while it is open, which would break every later test that runs its own loop.
    if not os.path.exists(CHROMIUM):
        if IN_CI:
            pytest.fail(f"Chromium is missing at {CHROMIUM}")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
    # A connection opened while Playwright's loop ran in this thread (CONN_MAX_AGE keeps it on
    # PostgreSQL) otherwise outlives the session and blocks dropping the test database.
    from django.db import connections

    connections.close_all()
