"""Exporting a list in a real browser: the file holds what the list shows after a search typed
into it (the list swaps as you type; the page around it does not reload)."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.crm.factories import make_contact

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 375])
def test_export_after_search_as_you_type_holds_the_matches(app, live_server, page_at, make_tenant, width):
    tenant = make_tenant(f"exports{width}", roles=("owner",))
    for first, last in (("Ada", "Lovelace"), ("Alan", "Turing"), ("Grace", "Hopper")):
        make_contact(app, tenant, first_name=first, last_name=last)
    page = page_at(width)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/contacts", slug=tenant.slug))
    page.get_by_test_id("list-search").fill("turing")
    expect(page.get_by_test_id("record-row")).to_have_count(1)
    page.get_by_test_id("export-menu").click()
    with page.expect_download() as download:
        page.get_by_test_id("export-csv").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 2, lines  # the header and Alan Turing, not all three
    assert "Turing" in lines[1]
    assert page.console_errors == []


@pytest.mark.parametrize("width", [1280, 375])
def test_export_selected_holds_the_ticked_rows_only(app, live_server, page_at, make_tenant, width):
    tenant = make_tenant(f"selected{width}", roles=("owner",))
    for first, last in (("Ada", "Lovelace"), ("Alan", "Turing"), ("Grace", "Hopper")):
        make_contact(app, tenant, first_name=first, last_name=last)
    page = page_at(width)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/contacts", slug=tenant.slug))
    rows = page.get_by_test_id("record-row")
    for name in ("Ada Lovelace", "Grace Hopper"):
        rows.filter(has_text=name).locator("input[name=ids]").check()
    page.get_by_test_id("export-selected-menu").click()
    with page.expect_download() as download:
        page.get_by_test_id("export-selected-csv").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 3, lines  # the header and the two ticked, not Alan Turing
    assert not any("Turing" in line for line in lines)
    assert page.console_errors == []
