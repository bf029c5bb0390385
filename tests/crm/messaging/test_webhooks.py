"""Inbound webhooks with good and bad signatures, applied once; tracking links that never
redirect anywhere they were not signed for; the unsubscribe page without sign-in."""

import json

import pytest
from sqlalchemy import select

from app.core.extensions import db
from tests.conftest import csrf_token_from, deliver_outbox, in_tenant
from tests.crm.conftest import timeline
from tests.crm.messaging.helpers import (
    SendGridSigner,
    make_consenting_contact,
    message_row,
    messages_of,
    sendgrid_at,
    twilio_at,
    twilio_signature,
)


@pytest.fixture
def sent_email(app, tenant_a, client_for, httpserver):
    contact_id = make_consenting_contact(app, tenant_a)
    with sendgrid_at(app, httpserver):
        client_for(tenant_a).post(
            f"/messages/send/contact/{contact_id}",
            data={"channel": "email", "subject": "Offer", "body": "See it", "html": ""},
        )
        deliver_outbox(app)
    [message] = messages_of(app, tenant_a)
    body = json.loads(httpserver.log[0][0].data)
    return message, body, contact_id


@pytest.fixture
def signer(app):
    signer = SendGridSigner()
    app.config.update(SENDGRID_WEBHOOK_PUBLIC_KEY=signer.public_key)
    yield signer
    app.config.update(SENDGRID_WEBHOOK_PUBLIC_KEY=None)


def _post_events(apex_client, signer, events, *, tamper=False):
    payload = json.dumps(events)
    headers = signer.headers(payload)
    if tamper:
        payload = payload.replace("delivered", "bounce")
    return apex_client.post("/webhooks/sendgrid/events", data=payload, headers=headers)


def _event(message, tenant, kind, event_id, **extra):
    return {
        "event": kind,
        "sg_event_id": event_id,
        "timestamp": 1764669600,
        "email": message.to_address,
        "tenant_id": str(tenant.id),
        "message_id": str(message.id),
        **extra,
    }


def test_sendgrid_events_with_a_good_signature_are_applied_once(app, tenant_a, apex_client, sent_email, signer):
    message, _, _ = sent_email
    events = [_event(message, tenant_a, "delivered", "ev-1"), _event(message, tenant_a, "open", "ev-2")]
    first = _post_events(apex_client, signer, events)
    assert first.status_code == 200
    assert first.json["applied"] == 2
    again = _post_events(apex_client, signer, events)
    assert again.json == {"applied": 0, "duplicates": 2, "ignored": 0}
    row = message_row(app, tenant_a, message.id)
    assert row.status == "opened"
    assert row.delivered_at is not None


def test_sendgrid_events_with_a_bad_signature_change_nothing(app, tenant_a, apex_client, sent_email, signer):
    message, _, _ = sent_email
    response = _post_events(apex_client, signer, [_event(message, tenant_a, "delivered", "ev-1")], tamper=True)
    assert response.status_code == 403
    other = SendGridSigner()
    payload = json.dumps([_event(message, tenant_a, "bounce", "ev-9")])
    assert (
        apex_client.post("/webhooks/sendgrid/events", data=payload, headers=other.headers(payload)).status_code == 403
    )
    assert apex_client.post("/webhooks/sendgrid/events", data=payload).status_code == 403
    assert message_row(app, tenant_a, message.id).status == "sent"


def test_a_hard_bounce_and_a_spam_report_suppress_and_withdraw(app, tenant_a, apex_client, sent_email, signer):
    from app.crm.contacts.models import Contact
    from app.crm.messaging.models import Suppression

    message, _, contact_id = sent_email
    _post_events(
        apex_client, signer, [_event(message, tenant_a, "bounce", "ev-b", type="bounce", reason="550 no such user")]
    )
    _post_events(apex_client, signer, [_event(message, tenant_a, "spamreport", "ev-s")])
    with in_tenant(app, tenant_a.id):
        [row] = db.session.scalars(select(Suppression)).all()
        assert (row.address, row.reason) == ("ada@example.com", "bounce")
        assert db.session.get(Contact, (tenant_a.id, contact_id)).email_consent == "withdrawn"
    assert message_row(app, tenant_a, message.id).status == "bounced"


def test_events_naming_another_tenants_message_change_nothing(app, tenant_a, tenant_b, apex_client, sent_email, signer):
    message, _, _ = sent_email
    response = _post_events(apex_client, signer, [_event(message, tenant_b, "delivered", "ev-x")])
    assert response.json["applied"] == 0
    assert message_row(app, tenant_a, message.id).status == "sent"


def test_open_pixel_and_click_are_recorded_and_the_click_redirects_to_the_signed_target(
    app, tenant_a, client_for, sent_email
):
    from app.crm.messaging.sending import TRACK_SALT, sign

    message, _, _ = sent_email
    visitor = client_for(tenant_a, role=None)
    with app.app_context():
        pixel = sign(TRACK_SALT, [message.id.hex])
        link = sign(TRACK_SALT, [message.id.hex, "https://example.com/offer"])
    assert visitor.get(f"/t/o/{pixel}.gif").mimetype == "image/gif"
    response = visitor.get(f"/t/c/{link}")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://example.com/offer"
    visitor.get(f"/t/c/{link}")  # a second click is not a second event
    row = message_row(app, tenant_a, message.id)
    assert row.status == "clicked"
    assert row.opened_at is not None


@pytest.mark.parametrize("attack", ["forged", "altered", "foreign_scheme", "other_tenant"])
def test_the_click_endpoint_is_no_open_redirect(app, tenant_a, tenant_b, client_for, sent_email, attack):
    from itsdangerous import URLSafeSerializer

    from app.crm.messaging.sending import TRACK_SALT, sign

    message, _, _ = sent_email
    with app.app_context():
        good = sign(TRACK_SALT, [message.id.hex, "https://example.com/offer"])
        tokens = {
            "forged": URLSafeSerializer("not-the-key", salt=TRACK_SALT).dumps([message.id.hex, "https://evil.example"]),
            "altered": good[:-5] + ("A" if good[-5] != "A" else "B") + good[-4:],
            "foreign_scheme": sign(TRACK_SALT, [message.id.hex, "javascript:alert(1)"]),
            "other_tenant": good,
        }
    client = client_for(tenant_b if attack == "other_tenant" else tenant_a, role=None)
    response = client.get(f"/t/c/{tokens[attack]}")
    assert response.status_code == 404
    assert "Location" not in response.headers


def test_unsubscribe_page_works_without_sign_in_and_one_click_too(app, tenant_a, client_for, sent_email):
    from app.crm.contacts.models import Contact
    from app.crm.messaging.models import ConsentChange

    _message, body, contact_id = sent_email
    path = body["headers"]["List-Unsubscribe"].strip("<>").split(tenant_a.host, 1)[1]
    visitor = client_for(tenant_a, role=None)
    assert b"unsubscribe-confirm" in visitor.get(path).data
    one_click = visitor.post(path, data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    with in_tenant(app, tenant_a.id):
        assert db.session.get(Contact, (tenant_a.id, contact_id)).email_consent == "withdrawn"
        change = db.session.scalars(select(ConsentChange).where(ConsentChange.new_status == "withdrawn")).one()
        assert (change.source, change.detail) == ("unsubscribe_link", "Unsubscribe link in a message")
    # Change a character well inside the signature: base64's last character carries spare bits,
    # so an edit there can decode to the same bytes and still verify.
    tampered = path[:-5] + ("A" if path[-5] != "A" else "B") + path[-4:]
    assert visitor.get(tampered).status_code == 404


# ---------------------------------------------------------------------------- Twilio


def _twilio_post(client, tenant, path, params, *, signature=None):
    url = f"http://{tenant.host}{path}"
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature or twilio_signature(url, params)})


def test_inbound_sms_threads_on_the_contact_once_per_message_sid(app, tenant_a, client_for, httpserver):
    from app.crm.messaging.models import Conversation

    contact_id = make_consenting_contact(app, tenant_a, phone="+14155550123")
    visitor = client_for(tenant_a, role=None)
    params = {"MessageSid": "SM" + "a" * 32, "From": "+14155550123", "To": "+14155550100", "Body": "Can we meet at 11?"}
    with twilio_at(app, httpserver):
        assert _twilio_post(visitor, tenant_a, "/webhooks/twilio/inbound", params).status_code == 200
        assert _twilio_post(visitor, tenant_a, "/webhooks/twilio/inbound", params).status_code == 200
    with in_tenant(app, tenant_a.id):
        [conversation] = db.session.scalars(select(Conversation)).all()
        assert (conversation.contact_id, conversation.unread_count) == (contact_id, 1)
        conversation_id = conversation.id
        [reply] = timeline(contact_id, system=False)
        assert (reply.type, reply.direction, reply.body) == ("sms", "inbound", "Can we meet at 11?")
    inbox = client_for(tenant_a).get("/inbox")
    assert b'data-testid="unread-count">1<' in inbox.data
    client_for(tenant_a).get(f"/inbox/{conversation_id}")
    with in_tenant(app, tenant_a.id):
        assert db.session.get(Conversation, (tenant_a.id, conversation_id)).unread_count == 0


def test_a_multi_line_sms_keeps_its_lines_in_the_conversation(app, tenant_a, client_for, httpserver):
    """A text of several lines ran into one line on the conversation page."""
    from app.crm.messaging.models import Conversation

    make_consenting_contact(app, tenant_a, phone="+14155550123")
    params = {
        "MessageSid": "SM" + "c" * 32,
        "From": "+14155550123",
        "To": "+14155550100",
        "Body": "Hi!\nTwo things:\n1. 11 works\n2. Bring the deck",
    }
    with twilio_at(app, httpserver):
        assert (
            _twilio_post(client_for(tenant_a, role=None), tenant_a, "/webhooks/twilio/inbound", params).status_code
            == 200
        )
    with in_tenant(app, tenant_a.id):
        conversation_id = db.session.scalars(select(Conversation.id)).one()
    page = client_for(tenant_a).get(f"/inbox/{conversation_id}").get_data(as_text=True)
    bubble = page.split('data-testid="sms-inbound"', 1)[1].split("</div>", 1)[0]
    # After whom a screen reader hears it from ("Ada Lovelace wrote:"), the text with its lines.
    assert "wrote: </span>Hi!\nTwo things:\n1. 11 works\n2. Bring the deck" in bubble
    assert '<div class="pre-line">' in bubble


def test_inbound_sms_with_a_bad_signature_is_refused(app, tenant_a, client_for, httpserver):
    visitor = client_for(tenant_a, role=None)
    params = {"MessageSid": "SM" + "b" * 32, "From": "+14155550123", "To": "+14155550100", "Body": "STOP"}
    with twilio_at(app, httpserver):
        wrong = twilio_signature(f"http://{tenant_a.host}/webhooks/twilio/inbound", params, token="another-token")
        assert _twilio_post(visitor, tenant_a, "/webhooks/twilio/inbound", params, signature=wrong).status_code == 403
        # Signed for another tenant's URL: refused here.
        other = twilio_signature("http://bravo.atrium.test/webhooks/twilio/inbound", params)
        assert _twilio_post(visitor, tenant_a, "/webhooks/twilio/inbound", params, signature=other).status_code == 403
    assert messages_of(app, tenant_a) == []


def test_stop_start_and_help_keywords_update_consent(app, tenant_a, client_for, httpserver):
    from app.crm.contacts.models import Contact
    from app.crm.messaging.consent import is_suppressed

    contact_id = make_consenting_contact(app, tenant_a, phone="+14155550123")
    visitor = client_for(tenant_a, role=None)

    def text(body, sid):
        params = {"MessageSid": sid, "From": "+14155550123", "To": "+14155550100", "Body": body}
        return _twilio_post(visitor, tenant_a, "/webhooks/twilio/inbound", params)

    with twilio_at(app, httpserver):
        stop = text("stop", "SM1")
        assert b"unsubscribed" in stop.data
        assert stop.mimetype == "application/xml"
        with in_tenant(app, tenant_a.id):
            assert db.session.get(Contact, (tenant_a.id, contact_id)).sms_consent == "withdrawn"
            assert is_suppressed("sms", "+14155550123")
        assert b"STOP" in text("HELP", "SM2").data
        text("Start", "SM3")
    with in_tenant(app, tenant_a.id):
        assert db.session.get(Contact, (tenant_a.id, contact_id)).sms_consent == "granted"
        assert not is_suppressed("sms", "+14155550123")


def test_twilio_status_callbacks_advance_the_message(app, tenant_a, client_for, httpserver):
    from app.crm.messaging.models import MessagingSettings

    contact_id = make_consenting_contact(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        db.session.add(MessagingSettings(quiet_hours_start=0, quiet_hours_end=0))  # no quiet hours
    with twilio_at(app, httpserver):
        client_for(tenant_a).post(f"/messages/send/contact/{contact_id}", data={"channel": "sms", "body": "Hi"})
        deliver_outbox(app)
        [message] = messages_of(app, tenant_a)
        form = {"MessageSid": message.provider_message_id, "MessageStatus": "delivered"}
        path = f"/webhooks/twilio/status?m={message.id}"
        visitor = client_for(tenant_a, role=None)
        bad = visitor.post(path, data=form, headers={"X-Twilio-Signature": "nope"})
        assert bad.status_code == 403
        good = visitor.post(
            path, data=form, headers={"X-Twilio-Signature": twilio_signature(f"http://{tenant_a.host}{path}", form)}
        )
        assert good.status_code == 204
    assert message_row(app, tenant_a, message.id).status == "delivered"


def _sms_notifications(app, tenant):
    from app.notifications.models import Notification

    with in_tenant(app, tenant.id):
        rows = db.session.scalars(select(Notification).where(Notification.kind == "sms_received"))
        return sorted((row.user_id, row.title, row.body, row.url, row.record_id) for row in rows)


def _conversation_of(app, tenant, phone):
    from app.crm.messaging.models import Conversation

    with in_tenant(app, tenant.id):
        return db.session.scalar(select(Conversation.id).where(Conversation.phone == phone))


def _text(app, client, tenant, httpserver, sender, body, sid):
    params = {"MessageSid": sid, "From": sender, "To": "+14155550100", "Body": body}
    with twilio_at(app, httpserver):
        assert _twilio_post(client, tenant, "/webhooks/twilio/inbound", params).status_code == 200


def test_an_inbound_sms_notifies_the_contacts_owner_once_with_a_link_to_the_conversation(
    app, tenant_a, client_for, httpserver
):
    sales = tenant_a.users["sales"]
    contact_id = make_consenting_contact(app, tenant_a, phone="+14155550123", owner_id=str(sales))
    visitor = client_for(tenant_a, role=None)
    for _ in range(2):  # Twilio retries: one notification
        _text(app, visitor, tenant_a, httpserver, "+14155550123", "Can we meet at 11?", "SM" + "d" * 32)
    conversation_id = _conversation_of(app, tenant_a, "+14155550123")
    assert _sms_notifications(app, tenant_a) == [
        (sales, "SMS from Ada Lovelace", "Can we meet at 11?", f"/inbox/{conversation_id}", contact_id)
    ]
    sales_client = client_for(tenant_a, "sales")
    listing = sales_client.get("/notifications").get_data(as_text=True)
    assert "SMS from Ada Lovelace" in listing
    opening = listing.split("/open", 1)[0].rsplit('action="', 1)[1] + "/open"
    opened = sales_client.post(opening, data={"csrf_token": csrf_token_from(listing)})
    assert opened.headers["Location"] == f"/inbox/{conversation_id}"


def test_an_sms_from_a_number_no_one_owns_notifies_the_workspaces_owners_and_admins(
    app, tenant_a, client_for, httpserver
):
    _text(app, client_for(tenant_a, role=None), tenant_a, httpserver, "+14155550999", "Who is this?", "SM" + "e" * 32)
    conversation_id = _conversation_of(app, tenant_a, "+14155550999")
    rows = _sms_notifications(app, tenant_a)
    assert sorted(row[0] for row in rows) == sorted([tenant_a.users["owner"], tenant_a.users["admin"]])
    assert {row[1:] for row in rows} == {
        ("SMS from +1 415-555-0999", "Who is this?", f"/inbox/{conversation_id}", None)
    }
