"""The top bar's search in a real browser, on a desktop and a phone: Ctrl-K, grouped results as
you type, arrow keys and Enter to open a hit, Escape, and the recent records of an empty box."""

import pytest
from playwright.sync_api import expect

from tests.crm.factories import make_company, make_contact, make_lead, open_new_contact

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 375])
def test_ctrl_k_finds_records_of_every_type_and_remembers_recent_ones(app, live_server, page_at, make_tenant, width):
    tenant = make_tenant(f"find{width}", roles=("owner",))
    other = make_tenant(f"other{width}", roles=("owner",))
    make_contact(app, tenant, first_name="Ada", last_name="Northwind")
    make_company(app, tenant, name="Northwind Traders")
    make_lead(app, tenant, name="Nora Northwind")
    make_contact(app, other, first_name="Eve", last_name="Northwind")
    page = page_at(width)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/contacts", slug=tenant.slug))

    page.keyboard.press("Control+k")  # on a phone it also opens the folded top bar
    box = page.get_by_test_id("global-search")
    expect(box).to_be_focused()
    # The shortcut is hinted where there is a keyboard for it, not in a phone's menu.
    shortcut = page.get_by_test_id("search-shortcut")
    if width >= 992:
        expect(shortcut).to_be_visible()
    else:
        expect(shortcut).to_be_hidden()
    assert box.get_attribute("placeholder") == "Search"
    box.press_sequentially("northw")
    expect(shortcut).to_be_hidden()  # not over what is typed
    menu = page.get_by_test_id("global-search-menu")
    hits = menu.get_by_test_id("search-hit")
    expect(hits).to_have_count(3)
    expect(menu).to_be_visible()
    text = menu.inner_text()
    for group in ("CONTACTS", "COMPANIES", "LEADS"):
        assert group in text.upper()
    assert "Eve" not in text  # another agency's look-alike

    box.press("ArrowDown")
    expect(hits.first).to_be_focused()
    box_hit = hits.first.inner_text()
    page.keyboard.press("ArrowDown")
    expect(hits.nth(1)).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("record-title")).to_have_text(box_hit.split("\n")[0].strip())
    opened = page.url

    page.goto(live_server.url("/contacts", slug=tenant.slug))
    page.keyboard.press("Control+k")
    recent = page.get_by_test_id("recent-item")
    expect(recent).to_have_count(1)  # the record just opened, remembered in this browser
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    page.keyboard.press("Control+k")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(opened)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.console_errors == []


def test_recent_records_are_each_users_own_on_a_shared_browser(app, live_server, page_at, make_tenant):
    """Recent records were kept under one key per browser: the next person to sign in on a
    shared computer saw the names of the records the last one had opened."""
    tenant = make_tenant("sharedpc", roles=("owner", "viewer"))
    page = page_at(1280)
    contact_id = open_new_contact(app, live_server, page, tenant)
    page.keyboard.press("Control+k")
    expect(page.get_by_test_id("recent-item")).to_have_count(1)
    # The search page, where a phone's search icon leads, lists them under its empty box.
    page.goto(live_server.url("/search", slug=tenant.slug))
    expect(page.get_by_test_id("recent-list").get_by_test_id("recent-item")).to_have_text("Ada LovelaceContact")
    page.get_by_test_id("recent-list").get_by_test_id("recent-item").click()
    page.wait_for_url(live_server.url(f"/contacts/{contact_id}", slug=tenant.slug))

    page.wait_for_load_state("networkidle")  # its top bar's counts, asked for once it loaded

    page.context.clear_cookies()
    live_server.sign_in(page, tenant.slug, role="viewer")
    page.keyboard.press("Control+k")
    expect(page.get_by_test_id("global-search")).to_be_focused()
    expect(page.get_by_test_id("recent-item")).to_have_count(0)


def test_a_screen_reader_hears_the_list_open_and_how_many_results_came(app, live_server, page_at, make_tenant):
    tenant = make_tenant("findaloud", roles=("owner",))
    make_contact(app, tenant, first_name="Ada", last_name="Northwind")
    make_company(app, tenant, name="Northwind Traders")
    page = page_at(1280)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/contacts", slug=tenant.slug))
    box = page.get_by_test_id("global-search")
    status = page.get_by_test_id("global-search-status")
    expect(box).to_have_attribute("role", "combobox")
    expect(box).to_have_attribute("aria-expanded", "false")

    page.keyboard.press("Control+k")
    box.press_sequentially("northw")
    expect(page.get_by_test_id("search-hit")).to_have_count(2)
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(status).to_have_text("2 results.")
    groups = page.get_by_test_id("global-search-menu").get_by_role("group")
    expect(groups).to_have_count(2)
    expect(groups.first).to_have_accessible_name("Contacts")

    box.fill("")
    box.press_sequentially("zzqx")
    expect(page.get_by_test_id("search-empty")).to_be_visible()
    expect(status).to_have_text("Nothing matches “zzqx”.")

    box.press("Tab")  # on past the box: its list closes, as a click elsewhere closes it
    expect(page.get_by_test_id("global-search-menu")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    assert page.console_errors == []
