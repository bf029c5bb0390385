"""The kit's pages with the keyboard alone, in a real browser: a list sorted by its header, a form
sent back with errors, a record's tabs, a confirmation."""

import pytest
from playwright.sync_api import expect

from tests.crm.factories import make_contact, open_new_contact

pytestmark = pytest.mark.browser


def test_a_refused_form_puts_the_keyboard_on_its_first_wrong_field(live_server, page_at, make_tenant):
    tenant = make_tenant("keyform", roles=("owner",))
    page = page_at(1280)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/companies/new", slug=tenant.slug))

    industry = page.locator("#f-industry")
    industry.focus()
    industry.press_sequentially("Shipping")
    industry.press("Enter")  # sent without the required name

    name = page.locator("#f-name")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_be_focused()
    # The page's only console line is the browser's note of the 422 itself.
    assert all("422" in line for line in page.console_errors)


def test_a_records_tabs_are_one_stop_walked_with_the_arrow_keys(app, live_server, page_at, make_tenant):
    tenant = make_tenant("keytabs", roles=("owner",))
    page = page_at(1280)
    open_new_contact(app, live_server, page, tenant)
    tabs = page.get_by_role("tablist").get_by_role("tab")
    assert tabs.count() >= 3
    first, second = tabs.nth(0), tabs.nth(1)
    expect(first).to_have_attribute("aria-selected", "true")
    expect(second).to_have_attribute("tabindex", "-1")  # one Tab stop for the strip

    first.focus()
    page.keyboard.press("ArrowRight")
    expect(second).to_be_focused()
    expect(first).to_have_attribute("aria-selected", "true")  # moving alone opens nothing
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")  # round to the last
    expect(tabs.last).to_be_focused()
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(second).to_have_attribute("aria-selected", "true")
    expect(first).to_have_attribute("tabindex", "-1")
    panel = page.get_by_role("tabpanel")
    expect(panel).to_have_attribute("aria-labelledby", second.get_attribute("id"))
    page.keyboard.press("Tab")  # past the strip, into the panel
    expect(panel).to_be_focused()
    assert page.console_errors == []


def test_a_confirmation_keeps_the_keyboard_and_gives_it_back(app, live_server, page_at, make_tenant):
    tenant = make_tenant("keyconfirm", roles=("owner",))
    page = page_at(1280)
    open_new_contact(app, live_server, page, tenant)
    delete = page.get_by_test_id("delete-record")
    delete.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Delete Ada Lovelace?")
    expect(dialog).to_be_focused()  # once it has opened, the dialog holds the keyboard
    for _ in range(4):  # round and round inside the dialog, never out to the page behind it
        page.keyboard.press("Tab")
        assert dialog.evaluate("box => box.contains(document.activeElement)")

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(delete).to_be_focused()  # back where the keyboard was, not at the top of the page
    assert page.console_errors == []


def test_sorting_a_list_from_the_keyboard_keeps_the_focus_on_the_header(app, live_server, page_at, make_tenant):
    tenant = make_tenant("keysort", roles=("owner",))
    for first in ("Ada", "Grace"):
        make_contact(app, tenant, first_name=first, last_name="Hopper")
    page = page_at(1280)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/contacts", slug=tenant.slug))
    header = page.locator("thead .sort-link").first
    header.focus()
    page.keyboard.press("Enter")  # the list is swapped in over HTMX, header and all
    page.wait_for_url("**/contacts?sort=-name")
    expect(page.get_by_test_id("record-row").first).to_contain_text("Grace")
    expect(page.locator("thead .sort-link").first).to_be_focused()  # not back at the top of the page
    assert page.console_errors == []
