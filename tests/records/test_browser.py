"""A kit list page in a real browser, on a desktop and a phone: search as you type, the bulk bar
that appears only with a selection, a confirmed bulk action, a saved view, no sideways scroll."""

import pytest
from playwright.sync_api import expect

from tests.crm.factories import make_contact, make_tag

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 375])
def test_list_search_bulk_and_saved_view(app, live_server, page_at, make_tenant, width):
    tenant = make_tenant(f"lists{width}", roles=("owner",))
    for name in ("Ada Lovelace", "Alan Turing", "Grace Hopper"):
        first, last = name.split()
        make_contact(app, tenant, first_name=first, last_name=last)
    page = page_at(width)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/contacts", slug=tenant.slug))
    rows = page.get_by_test_id("record-row")
    assert rows.count() == 3
    assert page.get_by_test_id("bulk-form").is_hidden()
    if width < 768:
        # On a phone the filters start folded: the list is the first thing on the screen.
        assert page.locator("#list-filter-inputs").is_hidden()

    page.get_by_test_id("list-search").fill("turing")
    expect(rows).to_have_count(1)  # swapped in by HTMX, no page load
    assert "Alan Turing" in rows.first.inner_text()
    assert "q=turing" in page.url  # the search is in the address, so it can be shared and saved

    page.get_by_test_id("save-view-toggle").click()
    page.fill("#view-name", "Computing pioneers")
    page.get_by_test_id("save-view-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("saved-view")).to_have_text("Computing pioneers")
    assert rows.count() == 1

    page.goto(live_server.url("/contacts", slug=tenant.slug))
    rows.first.locator("input[name=ids]").check()
    bulk = page.get_by_test_id("bulk-form")
    assert bulk.is_visible()
    page.get_by_test_id("bulk-action").select_option("delete")
    page.get_by_test_id("bulk-submit").click()
    page.get_by_test_id("confirm-accept").click()  # deleting asks first
    expect(page.get_by_test_id("record-row")).to_have_count(2)
    assert "1 contact deleted." in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.console_errors == []


def test_pages_by_cursor_and_searches_word_starts(app, live_server, page_at, make_tenant):
    """Next and previous pages of a sorted list (keyset cursors), then a search: a 2-letter term
    finds the start of a word, and the page's count says how many matched."""
    tenant = make_tenant("cursors", roles=("owner",))
    people = [("Grace", "Hopper"), ("Alan", "Turing")] + [("Person", f"{index:02d}") for index in range(26)]
    for first, last in people:
        make_contact(app, tenant, first_name=first, last_name=last)
    page = page_at(1280)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/contacts?sort=-name", slug=tenant.slug))
    rows = page.get_by_test_id("record-row")
    expect(rows).to_have_count(25)
    assert "Person 25" in rows.first.inner_text()  # Z–A
    page.get_by_test_id("next-page").click()
    expect(rows).to_have_count(3)
    assert "Person 00" in rows.nth(0).inner_text()
    assert "Alan Turing" in rows.nth(2).inner_text()
    page.get_by_test_id("prev-page").click()
    expect(rows).to_have_count(25)
    assert "Person 25" in rows.first.inner_text()

    page.get_by_test_id("list-search").fill("ho")
    expect(rows).to_have_count(1)  # "Hopper": the start of a word
    assert "Grace Hopper" in rows.first.inner_text()
    expect(page.get_by_test_id("list-count")).to_contain_text("1 contact match")
    page.get_by_test_id("list-search").fill("op")  # inside "Hopper", not a word's start
    expect(rows).to_have_count(0)
    assert page.console_errors == []


def test_a_forms_tag_choices_sit_under_their_legend_inside_the_card(app, live_server, page_at, make_tenant):
    """Bootstrap floats a legend; the tags' row of choices once sat beside it, squeezed out of
    the sidebar card and off the page (a sideways scroll on every record form with tags)."""
    tenant = make_tenant("tagform", roles=("owner",))
    for name in ("Hot", "Newsletter", "Partner", "Renewal", "VIP"):
        make_tag(app, tenant, name=name)
    page = page_at(1280)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/contacts/new", slug=tenant.slug))
    legend = page.locator("legend", has_text="Tags").bounding_box()
    card = page.locator(".card", has=page.locator("legend", has_text="Tags")).last.bounding_box()
    for chip in page.locator("label[for^=tag-]").all():
        box = chip.bounding_box()
        assert box["y"] >= legend["y"] + legend["height"], chip.inner_text()
        assert box["x"] + box["width"] <= card["x"] + card["width"], chip.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_search_as_you_type_keeps_the_order_a_header_chose(app, live_server, page_at, make_tenant):
    """A header's sort swaps only the list; the filter form that search as you type submits
    still held the order the page loaded with, so the first letter typed undid the sort."""
    tenant = make_tenant("headersort", roles=("owner",))
    for first, last in (("Anna", "Berg"), ("Anton", "Cole"), ("Axel", "Dunn")):
        make_contact(app, tenant, first_name=first, last_name=last)
    page = page_at(1280)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/contacts", slug=tenant.slug))
    rows = page.get_by_test_id("record-row")
    page.locator("#sort-name").click()  # A–Z already: the header turns it to Z–A
    expect(rows.first).to_contain_text("Axel Dunn")
    page.get_by_test_id("list-search").fill("an")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Anton Cole")
    assert "sort=-name" in page.url
    expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "descending")
    assert page.console_errors == []


def test_a_read_only_workspace_refuses_bulk_actions_before_they_are_sent(
    app, live_server, page_at, make_tenant, set_tenant
):
    """Ticking rows in a suspended workspace offered Change owner, tags and Delete with a
    working Apply, which led to the read-only error page; now Apply stays disabled and the bar
    says why, while the selection can still be exported."""
    tenant = make_tenant("frozenbulk", roles=("owner",))
    make_contact(app, tenant, first_name="Ada", last_name="Lovelace")
    set_tenant(tenant, status="suspended", status_reason="Held for review")
    page = page_at(1280)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/contacts", slug=tenant.slug))
    page.get_by_test_id("record-row").first.locator("input[name=ids]").check()
    expect(page.get_by_test_id("bulk-form")).to_be_visible()
    expect(page.get_by_test_id("bulk-refused")).to_contain_text("suspended by Atrium")
    for option in page.get_by_test_id("bulk-action").locator("option").all():
        page.get_by_test_id("bulk-action").select_option(option.get_attribute("value"))
        expect(page.get_by_test_id("bulk-submit")).to_be_disabled()
        expect(page.get_by_test_id("bulk-refused")).to_be_visible()
    expect(page.get_by_test_id("export-selected-menu")).to_be_enabled()
    assert page.console_errors == []


def test_deleting_the_last_pages_rows_leads_back_to_the_rest(app, live_server, page_at, make_tenant):
    """Bulk delete returns to the page it was sent from; once that was the last page, emptied,
    the list said "No contacts yet. Add the first one" with 25 contacts on the page before."""
    tenant = make_tenant("lastpage", roles=("owner",))
    for index in range(27):
        make_contact(app, tenant, first_name="Person", last_name=f"{index:02d}")
    page = page_at(1280)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/contacts", slug=tenant.slug))
    page.get_by_test_id("next-page").click()
    expect(page.get_by_test_id("record-row")).to_have_count(2)
    page.locator("[data-select-all]").check()
    page.get_by_test_id("bulk-action").select_option("delete")
    page.get_by_test_id("bulk-submit").click()
    page.get_by_test_id("confirm-accept").click()
    expect(page.get_by_text("2 contacts deleted.")).to_be_visible()
    assert "No contacts yet" not in page.content()
    page.get_by_role("link", name="Back to the first page").click()
    expect(page.get_by_test_id("record-row")).to_have_count(25)
    expect(page.get_by_test_id("list-count")).to_have_text("25 contacts")
    assert page.console_errors == []


def test_the_filters_button_counts_the_filters_applied_in_place(app, live_server, page_at, make_tenant):
    """Apply swaps only the list: the Filters button kept the count the page loaded with, so a
    filtered list said no filter was on (and a cleared one still counted its old filters)."""
    tenant = make_tenant("filtercount", roles=("owner",))
    make_contact(app, tenant, first_name="Ada", lifecycle_stage="customer")
    make_contact(app, tenant, first_name="Alan", lifecycle_stage="lead")
    page = page_at(1280)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/contacts", slug=tenant.slug))
    page.get_by_test_id("filters-toggle").click()
    page.locator("#list-filter-inputs select[name=lifecycle_stage]").select_option("customer")
    page.locator("#list-filter-inputs button[type=submit]").click()
    expect(page.get_by_test_id("record-row")).to_have_count(1)
    expect(page.get_by_test_id("filter-count")).to_have_text("1")
    page.locator("#list-filter-inputs select[name=lifecycle_stage]").select_option("")
    page.locator("#list-filter-inputs button[type=submit]").click()
    expect(page.get_by_test_id("record-row")).to_have_count(2)
    expect(page.get_by_test_id("filter-count")).to_have_count(0)
    assert page.console_errors == []
