"""The log-activity form in a real browser: each type shows only the inputs it has."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.core.extensions import db
from app.crm.activities.models import Activity
from tests.conftest import in_tenant
from tests.crm.factories import open_new_contact

pytestmark = pytest.mark.browser

SHOWN = {
    "call": ("Direction", "Outcome", "Minutes"),
    "email": ("Direction",),
    "sms": ("Direction",),
    "meeting": ("Outcome", "Minutes"),
    "note": (),
    "task": (),
}


def test_each_type_shows_only_its_own_inputs_and_sends_only_them(app, live_server, page_at, make_tenant):
    tenant = make_tenant("logtypes", roles=("owner",))
    page = page_at(1280)
    open_new_contact(app, live_server, page, tenant)
    form = page.get_by_test_id("log-activity-form")
    for kind, shown in SHOWN.items():
        form.get_by_test_id(f"log-type-{kind}").click()
        for label in ("Direction", "Outcome", "Minutes"):
            if label in shown:
                expect(form.get_by_label(label)).to_be_visible()
            else:
                expect(form.get_by_label(label)).to_be_hidden()
        expect(form.get_by_label("When")).to_be_visible()

    # An outcome chosen for a call is not sent with the note the type was then switched to.
    form.get_by_test_id("log-type-call").click()
    form.get_by_label("Outcome").select_option("connected")
    form.get_by_test_id("log-type-note").click()
    form.get_by_label("Notes").fill("Prefers mornings")
    form.get_by_test_id("log-submit").click()
    expect(page.get_by_test_id("logged")).to_be_visible()
    with in_tenant(app, tenant.id):
        note = db.session.scalar(select(Activity).where(Activity.type == "note"))
        assert (note.body, note.outcome, note.direction) == ("Prefers mornings", "", "")


def test_typing_at_in_a_note_offers_teammates_and_the_chosen_one_is_notified(app, live_server, page_at, make_tenant):
    """Mentions worked only for who guessed the handle ("@sales"? "@sales.person"?): the note box
    now lists the teammates that match what follows the @, as the keyboard or a click picks."""
    from app.notifications.models import Notification

    tenant = make_tenant("mentions", roles=("owner", "sales", "admin"))
    page = page_at(1280)
    open_new_contact(app, live_server, page, tenant)
    form = page.get_by_test_id("log-activity-form")
    notes = form.get_by_label("Notes")
    # A call notifies nobody, so it offers nobody.
    form.get_by_test_id("log-type-call").click()
    notes.press_sequentially("@sa")
    expect(page.get_by_test_id("mention-menu")).to_have_count(0)
    notes.fill("")
    form.get_by_test_id("log-type-note").click()
    notes.press_sequentially("Can you call her back, @")
    menu = page.get_by_test_id("mention-menu")
    expect(menu.get_by_role("option")).to_have_count(3)  # every active teammate
    notes.press_sequentially("sa")
    expect(menu.get_by_role("option")).to_have_text(["Sales Person@sales.person"])
    assert notes.get_attribute("aria-expanded") == "true"
    notes.press("Enter")
    expect(menu).to_have_count(0)
    assert notes.input_value() == "Can you call her back, @sales.person "
    # A click picks as well; Escape closes without writing.
    notes.press_sequentially("and @ad")
    page.get_by_role("option", name="Admin Person").click()
    notes.press_sequentially("too. @own")
    notes.press("Escape")
    expect(menu).to_have_count(0)
    assert notes.input_value() == "Can you call her back, @sales.person and @admin.person too. @own"
    form.get_by_test_id("log-submit").click()
    expect(page.get_by_test_id("logged")).to_be_visible()
    with in_tenant(app, tenant.id):
        told = db.session.scalars(select(Notification.user_id).where(Notification.kind == "mention"))
        assert set(told) == {tenant.users["sales"], tenant.users["admin"]}  # not the note's own author
