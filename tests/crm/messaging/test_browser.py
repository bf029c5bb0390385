"""A real Chromium at 375 px: write a template, send it to a contact from the Messages tab,
see it on the contact with its status, then the campaign page's chart."""

import pytest

from tests.conftest import deliver_outbox
from tests.crm.messaging.helpers import make_consenting_contact

pytestmark = [pytest.mark.browser]


@pytest.fixture
def phone_session(live_server, page_at, make_tenant):
    """phone_session(slug) -> (tenant, its base URL, a 375 px page signed in as its owner)."""

    def sign_in(slug: str):
        tenant = make_tenant(slug)
        page = page_at(375)
        live_server.sign_in(page, tenant.slug)
        return tenant, live_server.url("", slug=tenant.slug), page

    return sign_in


def test_template_then_one_to_one_email_then_campaign_at_375px(app, live_server, phone_session, tmp_path):
    from playwright.sync_api import expect

    tenant, base, page = phone_session("alpha")
    contact_id = make_consenting_contact(live_server.app, tenant)

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


def test_the_inbox_fits_a_phone_with_a_long_last_message(app, live_server, phone_session):
    """A conversation's last message is cut to one line with an ellipsis: the time and the
    unread count stay on the screen instead of the page scrolling sideways."""
    from app.core.extensions import db
    from app.crm.messaging.webhooks import receive_sms
    from tests.conftest import in_tenant

    tenant, base, page = phone_session("inboxphone")
    make_consenting_contact(live_server.app, tenant, phone="+14155550177", email="sms.person@example.com")
    with in_tenant(live_server.app, tenant.id):
        body = "Hi! Can we move tomorrow's call to eleven, and bring the signed paperwork along?"
        receive_sms({"MessageSid": "SMinboxphone", "From": "+14155550177", "To": "+14155550100", "Body": body})
        db.session.commit()
    page.goto(f"{base}/inbox")
    assert page.get_by_test_id("conversation-list").get_by_test_id("unread-count").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.console_errors == []


SMS_SAMPLES = [
    "",
    "a" * 160,
    "a" * 161,
    "a" * 306,
    "a" * 307,
    "€" * 80,  # extension characters take two of the 160
    "€" * 81,
    "Ça va? Ünïcode-free: §¿¡",
    "ç",  # no lower-case c cedilla in GSM-7: UCS-2
    "ж" * 70,
    "ж" * 71,
    "ж" * 134,
    "ж" * 135,
    "😀" * 35,  # two UTF-16 units each
    "😀" * 36,
    "line\r\nbreak",
    "[x]{y}~|^\\\f",
]


def test_the_sms_counter_counts_as_the_server_and_follows_the_typing(app, live_server, phone_session):
    from playwright.sync_api import expect

    from app.crm.messaging.templating import GSM_BASIC, GSM_EXTENDED, sms_segments

    tenant, base, page = phone_session("smscount")
    contact_id = make_consenting_contact(live_server.app, tenant)

    page.goto(f"{base}/messaging/templates/new?channel=sms")
    alphabet = "".join(sorted(GSM_BASIC | GSM_EXTENDED))
    for sample in [*SMS_SAMPLES, alphabet, alphabet + "á"]:
        assert page.evaluate("text => window.smsSegments(text)", sample) == sms_segments(sample), sample
    counter = page.get_by_test_id("sms-counter")
    expect(counter).to_have_text("0 characters · 1 SMS segment · GSM-7 (up to 160)")
    page.fill("#text_body", "a" * 161)
    expect(counter).to_have_text("161 characters · 2 SMS segments · GSM-7 (153 characters a segment)")
    page.type("#text_body", "😀")
    expect(counter).to_have_text("163 characters · 3 SMS segments · UCS-2 (67 characters a segment)")
    page.fill("#text_body", "Hi\nthere")  # a line break is sent as CR LF
    expect(counter).to_have_text("9 characters · 1 SMS segment · GSM-7 (up to 160)")
    page.fill("#text_body", "Hi {{ contact.first_name }}")
    expect(counter).to_contain_text("before merge fields are filled in")
    expect(page.locator("#subject")).to_be_hidden()  # an email's own fields wait for email
    expect(page.locator("#html_body")).to_be_hidden()
    page.select_option("#channel", "email")
    expect(counter).to_be_hidden()
    expect(page.locator("#subject")).to_be_visible()
    expect(page.locator("#html_body")).to_be_visible()

    page.goto(f"{base}/contacts/{contact_id}?tab=messages")
    counter = page.get_by_test_id("sms-counter")
    expect(counter).to_be_hidden()  # email is the first channel
    page.select_option("[data-testid=send-channel]", "sms")
    page.fill("[data-testid=send-body]", "ж" * 71)
    expect(counter).to_have_text("71 characters · 2 SMS segments · UCS-2 (67 characters a segment)")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.console_errors == []


def test_the_sms_counter_speaks_only_when_the_count_of_segments_changes(live_server, phone_session):
    from playwright.sync_api import expect

    _tenant, base, page = phone_session("smsspeak")
    page.goto(f"{base}/messaging/templates/new?channel=sms")
    counter = page.get_by_test_id("sms-counter")
    # Read on demand with the box, not after every key typed (a live region did that).
    assert counter.get_attribute("aria-live") is None
    assert counter.get_attribute("id") in page.locator("#text_body").get_attribute("aria-describedby").split()
    spoken = page.get_by_test_id("sms-counter-status")
    expect(spoken).to_have_attribute("role", "status")
    page.type("#text_body", "Hello")
    expect(counter).to_contain_text("5 characters")
    expect(spoken).to_have_text("")
    page.fill("#text_body", "a" * 161)
    expect(spoken).to_have_text("2 SMS segments.")
    page.type("#text_body", "😀")
    expect(spoken).to_have_text("3 SMS segments, UCS-2: a character outside GSM-7 shortens each segment.")
    page.select_option("#channel", "email")  # an email's body is not described by an SMS count
    assert counter.get_attribute("id") not in (page.locator("#text_body").get_attribute("aria-describedby") or "")


def test_a_templates_preview_keeps_its_line_breaks(app, live_server, phone_session):
    """The preview shows the text as it is sent: Bootstrap's text-wrap folded the blank line
    before a signature into one run of words ('…this week. Your name')."""
    from playwright.sync_api import expect

    _tenant, base, page = phone_session("previewlines")
    page.goto(f"{base}/messaging/templates/new?channel=email")
    page.fill("#name", "Follow-up")
    page.fill("#subject", "Thanks")
    page.fill("#text_body", "Thanks for today.\n\nOlivia")
    page.click("[data-testid=template-save]")
    preview = page.get_by_test_id("preview-text")
    expect(preview).to_be_visible()
    assert preview.inner_text() == "Thanks for today.\n\nOlivia"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
