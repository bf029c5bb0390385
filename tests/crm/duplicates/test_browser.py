"""The merge page in a real browser: choosing the record to keep picks its values too."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.core.extensions import db
from tests.conftest import in_tenant
from tests.crm.factories import make_contact

pytestmark = pytest.mark.browser


def _merge_page(app, live_server, page_at, tenant, width: int, second_title: str):
    """Two Adas on the merge page, the second chosen to keep: (page, first id, second id)."""
    first = make_contact(app, tenant, first_name="Ada", last_name="Lovelace", title="Countess")
    second = make_contact(app, tenant, first_name="Ada", last_name="King", title=second_title)
    page = page_at(width)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url(f"/merge/contact?ids={first}&ids={second}", slug=tenant.slug))
    page.locator(f"[data-testid=survivor][value='{second}']").check()
    return page, first, second


def test_the_kept_record_keeps_its_own_values_unless_others_are_picked(app, live_server, page_at, make_tenant):
    tenant = make_tenant("merging", roles=("owner",))
    page, first, kept = _merge_page(app, live_server, page_at, tenant, 375, "Mathematician")
    expect(page.locator(f"input[name='value.title'][value='{kept}']")).to_be_checked()
    page.locator(f"input[name='value.last_name'][value='{first}']").check()  # one value of the other
    page.get_by_test_id("merge-submit").click()
    page.locator("#confirm-accept").click()
    expect(page.get_by_text("Merged into")).to_be_visible()
    with in_tenant(app, tenant.id):
        from app.crm.contacts.models import Contact

        survivor = db.session.scalar(select(Contact))
        assert (survivor.id, survivor.full_name, survivor.title) == (kept, "Ada Lovelace", "Mathematician")
    assert page.console_errors == []


def test_choosing_the_kept_record_keeps_values_only_the_other_has(app, live_server, page_at, make_tenant):
    tenant = make_tenant("mergeblank", roles=("owner",))
    page, first, second = _merge_page(app, live_server, page_at, tenant, 1280, "")
    expect(page.locator(f"input[name='value.last_name'][value='{second}']")).to_be_checked()
    # The kept record has no title: the other's stays picked.
    expect(page.locator(f"input[name='value.title'][value='{first}']")).to_be_checked()
    assert page.console_errors == []
