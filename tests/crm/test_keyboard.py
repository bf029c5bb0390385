"""The CRM's in-place forms with the keyboard alone, in a real browser."""

import pytest
from playwright.sync_api import expect

from tests.crm.factories import make_contact

pytestmark = pytest.mark.browser


def test_a_form_refused_in_place_puts_the_keyboard_on_its_first_wrong_field(app, live_server, page_at, make_tenant):
    tenant = make_tenant("keylog", roles=("owner",))
    contact_id = make_contact(app, tenant, first_name="Ada", last_name="Lovelace")
    page = page_at(1280)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url(f"/contacts/{contact_id}", slug=tenant.slug))

    form = page.get_by_test_id("log-activity-form")
    minutes = form.get_by_label("Minutes")
    minutes.focus()
    minutes.press_sequentially("99999")  # more than a day
    form.get_by_test_id("log-submit").focus()
    page.keyboard.press("Enter")  # sent over HTMX: the form comes back with its error in place

    minutes = page.get_by_test_id("log-activity-form").get_by_label("Minutes")
    expect(minutes).to_have_attribute("aria-invalid", "true")
    expect(minutes).to_be_focused()
