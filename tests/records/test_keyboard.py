"""The kit's pages with the keyboard alone, in a real browser: a form sent back with errors."""

import pytest
from playwright.sync_api import expect

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
