"""A real Chromium at 375 px: write a template, send it to a contact from the Messages tab,
see it on the contact with its status, then the campaign page's chart."""

import pytest

from tests.conftest import deliver_outbox
from tests.crm.messaging.helpers import make_consenting_contact

pytestmark = [pytest.mark.browser]


def test_template_then_one_to_one_email_then_campaign_at_375px(app, live_server, page_at, make_tenant, tmp_path):
    from playwright.sync_api import expect

    tenant = make_tenant("alpha")
    contact_id = make_consenting_contact(live_server.app, tenant)
    base = live_server.url("", slug=tenant.slug)
    page = page_at(375)
    live_server.sign_in(page, tenant.slug)

    page.goto(f"{base}/messaging/templates/new?channel=email")
    page.fill("#name", "Welcome")
    page.fill("#subject", "Hello {{ contact.first_name|default('there') }}")
    page.fill("#text_body", "Hi {{ contact.first_name }}, welcome aboard.")
    page.click("[data-testid=template-save]")
    expect(page.get_by_test_id("preview-subject")).to_have_text("Hello Ada")  # the sample person
    page.select_option("[data-testid=preview-contact]", label="Ada Lovelace")
    expect(page.get_by_test_id("template-preview")).to_contain_text("For Ada Lovelace")

    page.goto(f"{base}/contacts/{contact_id}?tab=messages")
    page.select_option("[data-testid=send-template]", label="Welcome")
    page.click("[data-testid=send-submit]")
    expect(page.locator(".alert-success")).to_contain_text("queued")
    log = page.get_by_test_id("message-log")
    expect(log).to_contain_text("Hello Ada")
    expect(log.get_by_test_id("message-status")).to_have_text("Queued")  # the request only queues it
    deliver_outbox(live_server.app)  # the scheduler's outbox.deliver job
    page.reload()
    expect(log.get_by_test_id("message-status")).to_have_text("Sent")  # the dev mailbox provider
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(tmp_path / "messages-tab.png"), full_page=True)

    page.goto(f"{base}/campaigns/new")
    expect(page.get_by_test_id("campaign-form")).to_be_visible()
    page.goto(f"{base}/campaigns")
    expect(page.locator("h1")).to_have_text("Campaigns")
    assert page.console_errors == []


def test_the_inbox_fits_a_phone_with_a_long_last_message(app, live_server, page_at, make_tenant):
    """A conversation's last message is cut to one line with an ellipsis: the time and the
    unread count stay on the screen instead of the page scrolling sideways."""
    from app.core.extensions import db
    from app.crm.messaging.webhooks import receive_sms
    from tests.conftest import in_tenant

    tenant = make_tenant("inboxphone")
    make_consenting_contact(live_server.app, tenant, phone="+14155550177", email="sms.person@example.com")
    with in_tenant(live_server.app, tenant.id):
        body = "Hi! Can we move tomorrow's call to eleven, and bring the signed paperwork along?"
        receive_sms({"MessageSid": "SMinboxphone", "From": "+14155550177", "To": "+14155550100", "Body": body})
        db.session.commit()
    base = live_server.url("", slug=tenant.slug)
    page = page_at(375)
    live_server.sign_in(page, tenant.slug)
    page.goto(f"{base}/inbox")
    assert page.get_by_test_id("conversation-list").get_by_test_id("unread-count").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.console_errors == []
