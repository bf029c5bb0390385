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
