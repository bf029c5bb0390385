"""What providers and recipients tell us about messages: SendGrid's signed event webhook,
Twilio's status callbacks and inbound SMS (signatures checked against the public URL), opens
and clicks from the tracking links, and the unsubscribe page. Every event is applied once."""

import hashlib
import logging
import uuid
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import delete, select
from twilio.request_validator import RequestValidator

from app.auth.models import Role, User
from app.core.context import require_tenant_id, tenant_context
from app.core.extensions import db
from app.core.ids import parse_uuid
from app.core.types import utcnow
from app.crm.contacts.models import Consent, Contact, ContactPhone
from app.crm.messaging import consent
from app.crm.messaging.consent import SuppressionReason
from app.crm.messaging.conversations import log_inbound_sms
from app.crm.messaging.models import Channel, Conversation, Message, MessageEvent, MessageStatus, Suppression
from app.crm.messaging.sending import advance
from app.messaging.services import confirm_sent
from app.notifications.models import NotificationKind
from app.notifications.services import notify, tenant_link
from app.records.normalize import Invalid, display_phone, normalize_phone

log = logging.getLogger(__name__)

STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT"}
START_WORDS = {"START", "YES", "UNSTOP", "OPTIN"}
HELP_WORDS = {"HELP", "INFO"}


class WebhookRefused(Exception):
    """A request that does not come from the provider (bad or missing signature)."""


class WebhookNotConfigured(Exception):
    """The installation has no key to check this provider's signatures with."""


def record_event(message: Message | None, source: str, key: str, kind: str, *, url: str = "", at=None) -> bool:
    """Store the event unless it was seen before (providers retry); True when it is new."""
    exists = db.session.scalar(
        select(MessageEvent.id).where(MessageEvent.source == source, MessageEvent.event_key == key[:255])
    )
    if exists is not None:
        return False
    db.session.add(
        MessageEvent(
            message_id=message.id if message is not None else None,
            source=source,
            event_key=key[:255],
            kind=kind,
            url=url[:2000],
            occurred_at=at or utcnow(),
        )
    )
    db.session.flush()
    return True


def _contact_of(message: Message) -> Contact | None:
    return db.session.get(Contact, (message.tenant_id, message.contact_id)) if message.contact_id else None


def withdraw(message: Message, reason: str, *, source: str, detail: str) -> None:
    """The recipient asked to hear no more on this channel: consent, suppression, the message."""
    if message.unsubscribed_at is None:
        message.unsubscribed_at = utcnow()
    consent.suppress(message.channel, message.to_address, reason, detail)
    contact = _contact_of(message)
    if contact is not None:
        consent.set_consent(contact, message.channel, Consent.WITHDRAWN, source=source, detail=detail)


# ---------------------------------------------------------------------------- SendGrid


def verify_sendgrid(payload: str, signature: str | None, timestamp: str | None) -> None:
    from sendgrid.helpers.eventwebhook import EventWebhook  # noqa: PLC0415 - ~50 ms to import (ECDSA); only this check needs it

    key = current_app.config.get("SENDGRID_WEBHOOK_PUBLIC_KEY")
    if not key:
        raise WebhookNotConfigured("SENDGRID_WEBHOOK_PUBLIC_KEY is not set")
    if not signature or not timestamp:
        raise WebhookRefused("missing signature")
    try:
        valid = EventWebhook(key).verify_signature(payload, signature, timestamp)
    except (ValueError, TypeError) as exc:
        raise WebhookRefused("malformed signature") from exc
    if not valid:
        raise WebhookRefused("bad signature")


def apply_sendgrid_events(events: list) -> dict:
    """Group the (verified) events by tenant and apply each tenant's in its own transaction."""
    by_tenant: dict[uuid.UUID, list] = {}
    ignored = 0
    for item in events if isinstance(events, list) else []:
        tenant_id = parse_uuid(item.get("tenant_id")) if isinstance(item, dict) else None
        ours = tenant_id is not None and (
            parse_uuid(item.get("message_id")) is not None or parse_uuid(item.get("outbox_id")) is not None
        )
        if not ours:
            ignored += 1  # not sent by Atrium (no tenant and outbox or message id)
            continue
        by_tenant.setdefault(tenant_id, []).append(item)
    applied = duplicates = 0
    for tenant_id, items in by_tenant.items():
        with tenant_context(tenant_id):
            try:
                for item in items:
                    if _apply_sendgrid_event(tenant_id, item):
                        applied += 1
                    else:
                        duplicates += 1
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise
    return {"applied": applied, "duplicates": duplicates, "ignored": ignored}


def _event_time(item: dict) -> datetime:
    try:
        return datetime.fromtimestamp(int(item.get("timestamp")), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return utcnow()


def _apply_sendgrid_event(tenant_id, item: dict) -> bool:
    kind = str(item.get("event") or "")
    message_id = parse_uuid(item.get("message_id"))
    if message_id is None:
        # System mail (an invitation, a reminder) has an outbox row but no customer message:
        # only its `processed` event matters, to settle a claim. Settling twice is harmless.
        return kind == "processed" and _confirm_claim(tenant_id, item)
    message = db.session.get(Message, (tenant_id, message_id))
    if message is None:
        return False
    key = str(item.get("sg_event_id") or f"{message.id}:{kind}:{item.get('timestamp')}")
    at = _event_time(item)
    if not record_event(message, "sendgrid", key, kind, url=str(item.get("url") or ""), at=at):
        return False
    if kind == "processed":
        advance(message, MessageStatus.SENT, at=at)
        _confirm_claim(tenant_id, item)
    elif kind == "delivered":
        advance(message, MessageStatus.DELIVERED, at=at)
    elif kind == "open":
        advance(message, MessageStatus.OPENED, at=at)
    elif kind == "click":
        advance(message, MessageStatus.CLICKED, at=at)
    elif kind == "bounce":
        hard = str(item.get("type") or "bounce") == "bounce"
        advance(message, MessageStatus.BOUNCED, at=at, reason=str(item.get("reason") or "")[:300])
        if hard:
            consent.suppress(Channel.EMAIL, message.to_address, SuppressionReason.BOUNCE, str(item.get("reason") or ""))
    elif kind == "dropped":
        advance(message, MessageStatus.FAILED, at=at, reason=str(item.get("reason") or "dropped"))
    elif kind == "spamreport":
        withdraw(message, SuppressionReason.SPAM, source="provider_report", detail="Marked as spam (SendGrid)")
    elif kind in ("unsubscribe", "group_unsubscribe"):
        withdraw(message, SuppressionReason.UNSUBSCRIBE, source="provider_report", detail="Unsubscribed (SendGrid)")
    return True


def _confirm_claim(tenant_id, item: dict) -> bool:
    """SendGrid has the message: a send still claimed (its sender died before recording the
    result), or already set aside as unconfirmed, is recorded as sent now and never sent again."""
    outbox_id = parse_uuid(item.get("outbox_id"))
    return outbox_id is not None and confirm_sent(tenant_id, outbox_id, str(item.get("sg_message_id") or ""))


# ---------------------------------------------------------------------------- Twilio


def verify_twilio(url: str, params: dict, signature: str | None) -> None:
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    if not token:
        raise WebhookNotConfigured("TWILIO_AUTH_TOKEN is not set")
    if not signature or not RequestValidator(token).validate(url, params, signature):
        raise WebhookRefused("bad signature")


TWILIO_STATUSES = {
    "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "undelivered": MessageStatus.FAILED,
    "failed": MessageStatus.FAILED,
}


def apply_twilio_status(message_ref: str | None, params: dict) -> bool:
    message_id = parse_uuid(message_ref)
    message = db.session.get(Message, (require_tenant_id(), message_id)) if message_id else None
    sid = params.get("MessageSid") or ""
    state = params.get("MessageStatus") or params.get("SmsStatus") or ""
    if message is None or not record_event(message, "twilio", f"status:{sid}:{state}", state):
        return False
    if sid and not message.provider_message_id:
        message.provider_message_id = sid[:100]
    status = TWILIO_STATUSES.get(state)
    if status is not None:
        reason = f"Twilio error {params['ErrorCode']}" if params.get("ErrorCode") else ""
        advance(message, status, reason=reason)
    return True


def receive_sms(params: dict) -> dict:
    """An SMS to the agency's number: the conversation, consent keywords; once per MessageSid.

    Returns {"reply": text or None, "duplicate": bool}: the keyword answer goes back in the
    webhook's own response (TwiML), so it needs no outbox.
    """

    sid = (params.get("MessageSid") or params.get("SmsSid") or "")[:100]
    try:
        phone = normalize_phone(params.get("From") or "")
    except Invalid:
        phone = (params.get("From") or "")[:20]
    body = (params.get("Body") or "")[:1600]
    if not sid or not phone:
        return {"reply": None, "duplicate": True}
    if db.session.scalar(
        select(MessageEvent.id).where(MessageEvent.source == "twilio", MessageEvent.event_key == f"inbound:{sid}")
    ):
        return {"reply": None, "duplicate": True}
    contact = db.session.scalar(
        select(Contact)
        .join(ContactPhone, ContactPhone.contact_id == Contact.id)
        .where(ContactPhone.number == phone)
        .limit(1)
    )
    message = Message(
        channel=Channel.SMS,
        direction="inbound",
        contact_id=contact.id if contact else None,
        to_address=(params.get("To") or "")[:254],
        from_address=phone,
        body_text=body,
        status=MessageStatus.RECEIVED,
        provider_message_id=sid,
    )
    db.session.add(message)
    db.session.flush()
    record_event(message, "twilio", f"inbound:{sid}", "inbound")
    conversation = _thread(phone, contact, body)
    if contact is not None:
        message.activity_id = log_inbound_sms(contact, body).id
    _notify_of_text(conversation, contact, phone, body, sid)
    keyword = body.strip().upper()
    reply = None
    if keyword in STOP_WORDS:
        consent.suppress(Channel.SMS, phone, SuppressionReason.STOP, f"Replied {keyword}")
        if contact is not None:
            consent.set_consent(
                contact, Channel.SMS, Consent.WITHDRAWN, source="sms_keyword", detail=f"Replied {keyword}"
            )
        reply = "You are unsubscribed and will receive no more messages. Reply START to resubscribe."
    elif keyword in START_WORDS:
        _lift_stop(phone)
        if contact is not None:
            consent.set_consent(
                contact, Channel.SMS, Consent.GRANTED, source="sms_keyword", detail=f"Replied {keyword}"
            )
        reply = "You are subscribed again. Reply STOP to unsubscribe."
    elif keyword in HELP_WORDS:
        reply = "Reply STOP to unsubscribe, START to resubscribe. A person from our team reads this number."
    return {"reply": reply, "duplicate": False}


def _notify_of_text(conversation: Conversation, contact: Contact | None, phone: str, body: str, sid: str) -> None:
    """Whoever should answer hears of a text: the contact's owner, as they hear of the contact's
    other news; a text from no one's contact (an unknown number, a contact without an active
    owner) goes to the workspace's owners and admins, who hand out the work."""
    owner = contact.owner if contact is not None else None
    if owner is not None and owner.is_active_user:
        recipients = [owner.id]
    else:
        recipients = db.session.scalars(
            select(User.id)
            .where(User.role.in_((Role.OWNER, Role.ADMIN)), User.is_active_user.is_(True))
            .order_by(User.created_at, User.id)
        ).all()
    sender = contact.display_name if contact is not None else display_phone(phone)
    for user_id in recipients:
        notify(
            user_id,
            NotificationKind.SMS_RECEIVED,
            f"SMS from {sender}",
            body=body[:1000],
            url=tenant_link("messaging.conversation", conversation_id=conversation.id),
            record_id=contact.id if contact is not None else None,
            key=f"sms:{sid}",
        )


def _lift_stop(phone: str) -> None:
    db.session.execute(
        delete(Suppression).where(
            Suppression.channel == Channel.SMS,
            Suppression.address == phone,
            Suppression.reason == SuppressionReason.STOP,
        )
    )


def _thread(phone: str, contact: Contact | None, body: str) -> Conversation:
    conversation = db.session.scalar(select(Conversation).where(Conversation.phone == phone))
    if conversation is None:
        conversation = Conversation(phone=phone, contact_id=contact.id if contact else None, unread_count=0)
        db.session.add(conversation)
    if contact is not None and conversation.contact_id is None:
        conversation.contact_id = contact.id
    conversation.unread_count = (conversation.unread_count or 0) + 1
    conversation.is_open = True
    conversation.last_message_at = utcnow()
    conversation.last_preview = body[:160]
    db.session.flush()
    return conversation


# ---------------------------------------------------------------------------- tracking and unsubscribe


def track_open(message: Message) -> None:
    if record_event(message, "tracking", f"open:{message.id}", "open"):
        advance(message, MessageStatus.OPENED)


def track_click(message: Message, url: str) -> None:
    digest = hashlib.sha256(url.encode()).hexdigest()[:32]
    if record_event(message, "tracking", f"click:{message.id}:{digest}", "click", url=url):
        advance(message, MessageStatus.CLICKED)


def unsubscribe(message: Message) -> None:
    withdraw(message, SuppressionReason.UNSUBSCRIBE, source="unsubscribe_link", detail="Unsubscribe link in a message")
