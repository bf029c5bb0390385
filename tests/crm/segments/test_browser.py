"""The segment builder in a real browser, on a desktop and a phone: add a condition, watch the
live count, nest an OR group, save, and land on the segment's list."""

import pytest
from playwright.sync_api import expect

from tests.crm.factories import make_contact

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 375])
def test_build_a_segment_with_a_live_count(app, live_server, page_at, make_tenant, width):
    tenant = make_tenant(f"segments{width}", roles=("owner",))
    make_contact(app, tenant, first_name="Ada", last_name="Customer", lifecycle_stage="customer")
    make_contact(app, tenant, first_name="Cy", last_name="Quiet", lifecycle_stage="customer")
    make_contact(app, tenant, first_name="Bob", last_name="Lead", lifecycle_stage="lead")
    page = page_at(width)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/segments/new?type=contact", slug=tenant.slug))
    count = page.get_by_test_id("segment-count").locator("[data-count]")
    expect(count).to_have_attribute("data-count", "3")  # no condition yet: every contact

    page.get_by_test_id("segment-name").fill("Customers")
    page.get_by_test_id("add-rule").first.click()
    rule = page.get_by_test_id("segment-rule").first
    rule.get_by_test_id("rule-field").select_option("lifecycle_stage")
    rule = page.get_by_test_id("segment-rule").first
    rule.get_by_test_id("rule-value").select_option("customer")
    expect(count).to_have_attribute("data-count", "2")

    page.get_by_test_id("add-group").first.click()
    group = page.get_by_test_id("segment-group").nth(1)
    group.get_by_test_id("rule-field").select_option("last_name")
    group = page.get_by_test_id("segment-group").nth(1)
    group.get_by_test_id("rule-op").select_option("starts_with")
    group = page.get_by_test_id("segment-group").nth(1)
    group.get_by_test_id("rule-value").fill("qu")
    expect(count).to_have_attribute("data-count", "1")

    page.get_by_test_id("save-segment").click()
    expect(page.get_by_test_id("segment-title")).to_have_text("Customers")
    rows = page.get_by_test_id("record-row")
    expect(rows).to_have_count(1)
    assert "Cy Quiet" in rows.first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.console_errors == []


@pytest.mark.parametrize("width", [1280, 375])
def test_a_conditions_remove_button_stays_inside_the_card(app, live_server, page_at, make_tenant, width):
    """On a phone the button sat in a twelfth of the row, narrower than itself, and stuck out
    past the card's padding to its border; in a group, further still."""
    tenant = make_tenant(f"segmentrow{width}", roles=("owner",))
    page = page_at(width)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/segments/new?type=contact", slug=tenant.slug))
    page.get_by_test_id("add-rule").first.click()
    page.get_by_test_id("add-group").first.click()
    body = page.locator(".card-body").first.evaluate(
        "e => e.getBoundingClientRect().right - parseFloat(getComputedStyle(e).paddingRight)"
    )
    buttons = page.get_by_test_id("remove-rule")
    expect(buttons).to_have_count(2)
    for index in range(2):
        box = buttons.nth(index).bounding_box()
        assert box["x"] + box["width"] <= body + 0.5, index
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_rule_on_a_field_that_no_longer_exists_says_so_in_the_builder(app, live_server, page_at, make_tenant):
    """It showed as the first field ("First name contains …"), which saving then refused."""
    from app.core.extensions import db
    from app.crm.segments.models import Segment
    from tests.conftest import in_tenant
    from tests.crm.segments.factories import make_segment

    tenant = make_tenant("segmentsgone", roles=("owner",))
    segment_id = make_segment(app, tenant)
    with in_tenant(app, tenant.id):  # as a deleted custom field leaves it
        segment = db.session.get(Segment, (tenant.id, segment_id))
        segment.definition = {"match": "all", "rules": [{"field": "custom_fields.gone", "op": "equals", "value": "x"}]}
        db.session.commit()
    page = page_at(1280)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url(f"/segments/{segment_id}/edit", slug=tenant.slug))
    rule = page.get_by_test_id("segment-rule").first
    expect(rule.get_by_test_id("rule-field").locator("option:checked")).to_have_text("A field that no longer exists")
    expect(rule.get_by_test_id("rule-op")).to_have_count(0)
    rule.get_by_test_id("rule-field").select_option("first_name")
    expect(page.get_by_test_id("segment-rule").first.get_by_test_id("rule-op")).to_have_count(1)
    assert page.console_errors == []
