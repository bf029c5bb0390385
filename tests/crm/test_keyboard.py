"""The CRM's in-place forms with the keyboard alone, in a real browser."""

import pytest
from playwright.sync_api import expect

from tests.crm.factories import open_new_contact
from tests.crm.tasks.factories import make_task
from tests.notifications.factories import make_notification

pytestmark = pytest.mark.browser


def test_a_form_refused_in_place_puts_the_keyboard_on_its_first_wrong_field(app, live_server, page_at, make_tenant):
    tenant = make_tenant("keylog", roles=("owner",))
    page = page_at(1280)
    open_new_contact(app, live_server, page, tenant)

    form = page.get_by_test_id("log-activity-form")
    minutes = form.get_by_label("Minutes")
    minutes.focus()
    minutes.press_sequentially("99999")  # more than a day
    form.get_by_test_id("log-submit").focus()
    page.keyboard.press("Enter")  # sent over HTMX: the form comes back with its error in place

    minutes = page.get_by_test_id("log-activity-form").get_by_label("Minutes")
    expect(minutes).to_have_attribute("aria-invalid", "true")
    expect(minutes).to_be_focused()


def test_ticking_a_task_done_keeps_the_keyboard_on_its_tick(app, live_server, page_at, make_tenant):
    tenant = make_tenant("keytick", roles=("owner",))
    make_task(app, tenant, title="Send the proposal")
    page = page_at(1280)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/tasks", slug=tenant.slug))

    page.get_by_role("button", name="Mark “Send the proposal” done").focus()
    page.keyboard.press("Enter")  # swapped in place over HTMX, then the list reads again
    page.wait_for_load_state("networkidle")

    undo = page.get_by_role("button", name="Mark “Send the proposal” not done")
    expect(undo).to_be_focused()  # not dropped to the top of the page
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("button", name="Mark “Send the proposal” done")).to_be_focused()


def test_a_form_saved_in_place_keeps_the_keyboard_on_its_button(app, live_server, page_at, make_tenant):
    tenant = make_tenant("keysaved", roles=("owner",))
    page = page_at(1280)
    contact_id = open_new_contact(app, live_server, page, tenant)

    page.get_by_test_id("log-activity-form").get_by_label("Notes").fill("Called about the renewal.")
    page.get_by_test_id("log-submit").focus()
    page.keyboard.press("Enter")  # the form comes back empty, over HTMX, with "Note logged."
    expect(page.get_by_test_id("logged")).to_be_visible()
    expect(page.get_by_test_id("log-submit")).to_be_focused()  # not dropped to the top of the page

    page.goto(live_server.url(f"/contacts/{contact_id}?tab=tasks", slug=tenant.slug))
    page.locator("#quick-title").fill("Send the proposal")
    page.get_by_test_id("quick-add-submit").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("record-tasks")).to_contain_text("Send the proposal")
    expect(page.get_by_test_id("quick-add-submit")).to_be_focused()


def test_marking_a_notification_read_keeps_the_keyboard_on_it(app, live_server, page_at, make_tenant):
    tenant = make_tenant("keybell", roles=("owner",))
    make_notification(app, tenant)
    page = page_at(1280)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/notifications", slug=tenant.slug))

    page.get_by_test_id("mark-read").focus()
    page.keyboard.press("Enter")  # the row comes back read, without its button
    expect(page.get_by_test_id("mark-read")).to_have_count(0)
    # The keyboard stays in the row it was in, on what is left of it: the notification itself.
    expect(
        page.get_by_test_id("notification").get_by_role("button", name="Ada mentioned you on Northwind")
    ).to_be_focused()
