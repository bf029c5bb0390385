"""A real Chromium at 375 px: build a form and a workflow, submit the form as a visitor from
a campaign link, and watch the run and the attribution appear."""

import re

import pytest

from tests.crm.automation.helpers import dispatch_events

pytestmark = pytest.mark.browser


def test_form_to_workflow_to_attributed_lead_at_375px(app, live_server, page_at, tenant_a):
    from playwright.sync_api import expect

    base = live_server.url("", slug=tenant_a.slug)
    page = page_at(375)
    live_server.sign_in(page, tenant_a.slug)

    page.goto(f"{base}/forms/new")
    page.fill("#name", "Winter offer")
    page.fill("#submit_label", "Send me the offer")
    page.click("[data-testid=save-form]")
    expect(page.get_by_test_id("views")).to_have_text("0")
    form_id = re.search(r"/forms/([0-9a-f-]{36})", page.url).group(1)
    page.screenshot(path="/tmp/automation-form-375.png", full_page=True)

    page.goto(f"{base}/automations/new")
    page.fill("#name", "Welcome winter leads")
    page.select_option("#trigger_type", "form_submitted")
    page.select_option("#record_type", "lead")
    page.select_option("#trigger_form", form_id)
    page.click("[data-testid=create-workflow]")
    page.click("[data-testid=add-create_note]")
    page.fill("#create_note-body", "Send the winter brochure.")
    page.click("[data-testid=save-create_note]")
    expect(page.get_by_test_id("step")).to_have_count(1)
    page.click("[data-testid=toggle-workflow]")
    expect(page.get_by_test_id("workflow-state")).to_have_text("On")
    page.screenshot(path="/tmp/automation-workflow-375.png", full_page=True)

    visitor = page_at(375)
    visitor.goto(f"{base}/f/{form_id}?utm_source=google&utm_medium=cpc&utm_campaign=winter-offer")
    visitor.fill("#f-name", "Grace Hopper")
    visitor.fill("#f-email", "grace@example.com")
    visitor.wait_for_timeout(3200)  # a person takes a few seconds; faster is the time trap
    visitor.click("[data-testid=public-submit]")
    expect(visitor.get_by_test_id("form-thanks")).to_be_visible()
    visitor.screenshot(path="/tmp/automation-public-375.png", full_page=True)

    dispatch_events(app, tenant_a)  # what the scheduler does after the commit
    page.goto(f"{base}/automations/runs")
    page.locator("[data-testid=runs] a").first.click()
    expect(page.get_by_test_id("run-status")).to_have_text("Succeeded")
    page.screenshot(path="/tmp/automation-run-375.png", full_page=True)

    # The form's chart: one submission beside a view still shows, on a scale of its own.
    page.goto(f"{base}/forms/{form_id}")
    chart = page.evaluate(
        """() => {
            const chart = Chart.getChart(document.querySelector("canvas[data-chart]"));
            const submissions = chart.data.datasets[1];
            return {axis: submissions.yAxisID, max: chart.scales.right.max, total: submissions.data.reduce((a, b) => a + b, 0)};
        }"""
    )
    assert (chart["axis"], chart["total"]) == ("right", 1)
    assert chart["max"] >= 1

    page.goto(f"{base}/forms/submissions")
    page.locator("[data-testid=submissions] a").first.click()
    page.click("[data-testid=submission-record]")
    expect(page.get_by_text("Send the winter brochure.")).to_be_visible()  # the Activity pane comes first
    page.click("[data-testid=record-pane-details]")
    expect(page.get_by_test_id("first-campaign")).to_have_text("winter-offer")
    page.screenshot(path="/tmp/automation-lead-375.png", full_page=True)
    assert page.console_errors == []
    assert visitor.console_errors == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_workflows_test_mode_fits_a_phone_beside_a_long_record_name(live_server, page_at, tenant_a):
    """The test mode's record select took the width of its longest option, so a lead named
    "Noah Fischer – Book a strategy workshop" pushed it past the card at 375 px."""
    from tests.crm.automation.workflow_helpers import make_workflow
    from tests.crm.factories import make_lead

    make_lead(live_server.app, tenant_a, name="Priya Natarajan – Book a strategy workshop for the spring launch")
    workflow_id = make_workflow(live_server.app, tenant_a)
    page = page_at(375)
    live_server.sign_in(page, tenant_a.slug)
    page.goto(live_server.url(f"/automations/{workflow_id}", slug=tenant_a.slug))
    assert page.get_by_test_id("test-record").bounding_box()["width"] < 375
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
