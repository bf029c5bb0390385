"""A real Chromium at 375 px: create a contact, then log a call in place over HTMX."""

import socket
import threading
from pathlib import Path

import pytest

from app.core.extensions import db
from tests.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]


@pytest.fixture
def live_server(app):
    """The app on 127.0.0.1:<free port>, sharing the test database; yields the base domain."""
    from werkzeug.serving import make_server

    from app import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = {
        key: app.config[key]
        for key in ("SQLALCHEMY_DATABASE_URI", "PLATFORM_DATABASE_URL", "MIGRATION_DATABASE_URL")
        if app.config.get(key)
    }
    live = create_app("testing", BASE_DOMAIN=f"localhost:{port}", **settings)
    server = make_server("127.0.0.1", port, live, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"localhost:{port}"
    server.shutdown()
    thread.join(timeout=5)
    with live.app_context():
        for engine in db.engines.values():
            engine.dispose()


def test_create_contact_and_log_a_call_at_375px(live_server, tenant_a, page_at):
    from playwright.sync_api import expect

    base = f"http://{tenant_a.slug}.{live_server}"
    # The session's one browser (conftest): a second sync Playwright in the same worker would
    # find the first one's event loop running and refuse to start.
    page = page_at(375)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{base}/login")
    page.fill("input[name=email]", "owner@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/contacts/new")
    page.fill("#f-first_name", "Ada")
    page.fill("#f-last_name", "Lovelace")
    page.locator("input[name=emails]").first.fill("ada@example.com")
    page.locator("input[name=phone_number]").first.fill("+44 20 7946 0958")
    page.click("[data-testid=record-submit]")
    expect(page.get_by_test_id("record-title")).to_have_text("Ada Lovelace")
    contact_url = page.url

    # A marker on window survives only if the call is logged without a page load.
    page.evaluate("window.__stayed = true")
    page.click("[data-testid=log-type-call]")
    page.fill("#body", "Walked through the proposal")
    page.select_option("#outcome", "connected")
    page.fill("#duration_minutes", "12")
    page.click("[data-testid=log-submit]")
    expect(page.get_by_test_id("logged")).to_be_visible()
    timeline = page.get_by_test_id("timeline")
    expect(timeline.get_by_test_id("activity-call")).to_contain_text("Walked through the proposal")
    assert page.evaluate("window.__stayed === true")
    assert page.url == contact_url
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert errors == []
