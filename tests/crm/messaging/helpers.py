"""Messaging test helpers: contacts with consent, a local SendGrid and Twilio that answer like
the providers, and signing webhooks as they do."""

import base64
import json
from contextlib import contextmanager

from app.core.extensions import db
from tests.conftest import in_tenant
from tests.crm.factories import _owner

TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "twilio-test-token"


def make_consenting_contact(
    app,
    tenant,
    *,
    email="ada@example.com",
    phone="+14155550123",
    email_consent="granted",
    sms_consent="granted",
    **data,
):
    from app.crm.contacts.services import create_contact

    consent = {}
    if email_consent != "unknown":
        consent["email"] = {"status": email_consent, "source": "form"}
    if sms_consent != "unknown":
        consent["sms"] = {"status": sms_consent, "source": "written"}
    with in_tenant(app, tenant.id):
        contact = create_contact(
            {
                "first_name": data.pop("first_name", "Ada"),
                "last_name": data.pop("last_name", "Lovelace"),
                "emails": [{"email": email, "primary": True}] if email else [],
                "phones": [{"number": phone}] if phone else [],
                "consent": consent,
                **data,
            },
            actor=_owner(tenant),
        )
        return contact.id


def make_template(app, tenant, **data):
    from app.crm.messaging.message_templates import create_template

    with in_tenant(app, tenant.id):
        values = {
            "name": "Welcome",
            "channel": "email",
            "subject": "Hello {{ contact.first_name|default('there') }}",
            "text_body": "Hi {{ contact.first_name|default('there') }} from {{ company.name|default('us') }}",
            "html_body": '<p>Hi {{ contact.first_name }}</p><a href="https://example.com/offer?a=1&amp;b=2">Offer</a>',
            **data,
        }
        if values["channel"] == "sms":
            values.pop("subject"), values.pop("html_body")
        return create_template(values, actor=_owner(tenant)).id


@contextmanager
def sendgrid_at(app, httpserver, *, status=202, message_id="sg-1"):
    httpserver.expect_request("/v3/mail/send", method="POST").respond_with_data(
        "", status=status, headers={"X-Message-Id": message_id}
    )
    app.config.update(SENDGRID_API_KEY="SG.test-key", SENDGRID_API_BASE=httpserver.url_for("/").rstrip("/"))
    try:
        yield
    finally:
        app.config.update(SENDGRID_API_KEY=None)


def twilio_message_json(sid="SM" + "1" * 32, body="", to="+14155550123", from_="+14155550100"):
    return {
        "sid": sid,
        "account_sid": TWILIO_SID,
        "body": body,
        "to": to,
        "from": from_,
        "status": "queued",
        "num_segments": "1",
        "direction": "outbound-api",
        "date_created": "Wed, 02 Dec 2026 10:00:00 +0000",
        "uri": f"/2010-04-01/Accounts/{TWILIO_SID}/Messages/{sid}.json",
    }


@contextmanager
def twilio_at(app, httpserver, *, sid="SM" + "1" * 32):
    """A local Twilio answering Messages.create like the real API (201 and the message JSON)."""
    from werkzeug import Response

    def create(request):
        return Response(
            json.dumps(twilio_message_json(sid, request.form.get("Body", ""), request.form.get("To", ""))),
            status=201,
            content_type="application/json",
        )

    httpserver.expect_request(f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json", method="POST").respond_with_handler(
        create
    )
    app.config.update(
        TWILIO_ACCOUNT_SID=TWILIO_SID,
        TWILIO_AUTH_TOKEN=TWILIO_TOKEN,
        TWILIO_API_BASE=httpserver.url_for("/").rstrip("/"),
        TWILIO_FROM_NUMBER="+14155550100",
    )
    try:
        yield
    finally:
        app.config.update(
            TWILIO_ACCOUNT_SID=None, TWILIO_AUTH_TOKEN=None, TWILIO_API_BASE=None, TWILIO_FROM_NUMBER=None
        )


def twilio_signature(url: str, params: dict, token: str = TWILIO_TOKEN) -> str:
    from twilio.request_validator import RequestValidator

    return RequestValidator(token).compute_signature(url, params)


class SendGridSigner:
    """An ECDSA key pair like SendGrid's Signed Event Webhook: the app gets the public half."""

    def __init__(self):
        from cryptography.hazmat.primitives.asymmetric import ec

        self.key = ec.generate_private_key(ec.SECP256R1())

    @property
    def public_key(self) -> str:
        from cryptography.hazmat.primitives import serialization

        der = self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.b64encode(der).decode()

    def headers(self, payload: str, timestamp: str = "1764669600") -> dict:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        signature = self.key.sign((timestamp + payload).encode(), ec.ECDSA(hashes.SHA256()))
        return {
            "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
            "X-Twilio-Email-Event-Webhook-Timestamp": timestamp,
            "Content-Type": "application/json",
        }


def message_row(app, tenant, message_id):
    from app.crm.messaging.models import Message

    with in_tenant(app, tenant.id):
        message = db.session.get(Message, (tenant.id, message_id))
        db.session.expunge(message)
        return message


def messages_of(app, tenant):
    from sqlalchemy import select

    from app.crm.messaging.models import Message

    with in_tenant(app, tenant.id):
        rows = list(db.session.scalars(select(Message).order_by(Message.created_at)))
        for row in rows:
            db.session.expunge(row)
        return rows
