"""A real Chromium: ticking a task done in its list, over HTMX, updates what counts it."""

from pathlib import Path

import pytest

from tests.crm.tasks.factories import make_task

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs /usr/bin/chromium"),
]


def test_ticking_a_task_in_its_list_updates_the_list_and_the_top_bar(app, live_server, tenant_a, page_at):
    from playwright.sync_api import expect

    # Long overdue: due today or overdue whatever the day the test runs.
    chased = make_task(app, tenant_a, title="Chase the invoice", due_date="2020-01-15")
    make_task(app, tenant_a, title="Send the deck", due_date="2020-01-16")
    page = page_at(1280)
    live_server.sign_in(page, tenant_a.slug)
    page.goto(live_server.url("/tasks?owner_id=me&state=active", slug=tenant_a.slug))
    badge = page.get_by_test_id("nav-badge")
    expect(badge).to_have_text("2")
    page.click(f"[data-testid=tick-{chased}]")
    expect(badge).to_have_text("1")
    # The list counts again too: a task done is no longer one still to do.
    expect(page.get_by_test_id("list-count")).to_have_text("1 task matches")
    expect(page.get_by_test_id("records-table")).not_to_contain_text("Chase the invoice")
    assert page.console_errors == []
