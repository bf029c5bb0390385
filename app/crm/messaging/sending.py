"""Composing and queueing messages to contacts: the sender identity, one-to-one sends from a
record page, what the outbox reports back, and provider events applied to a message.

Every send is a `Message` (what the team sees) and an outbox row (what the provider gets),
written in the caller's transaction; the plan's monthly meter is counted in the same one.
"""

from email.utils import parseaddr

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update

from app.auth.permissions import check_permission
from app.core.audit import record_audit
from app.core.errors import ValidationFailed
from app.core.events import emit
from app.core.extensions import db
from app.core.hosts import tenant_host
from app.core.ids import parse_uuid
from app.core.lookups import get_or_404
from app.core.types import utcnow
from app.core.validation import Errors, check_known_keys, clean_choice, clean_text, normalize_email_address
from app.crm.activities.models import Activity, ActivityType, Direction
from app.crm.activities.services import link_to_timelines
from app.crm.contacts.models import Contact
from app.crm.contacts.record import CONTACTS
from app.crm.messaging import consent, templating
from app.crm.messaging.cleaning import clean_whole_number
from app.crm.messaging.models import Channel, Message, MessageStatus, MessageTemplate, MessagingSettings
from app.messaging.models import OutboxMessage, OutboxStatus
from app.messaging.services import on_outbox_result, queue_outbox
from app.plans.services import check_feature, enforce_meter
from app.records.normalize import Invalid, normalize_phone
from app.tenants.models import Tenant

METERS = {Channel.EMAIL: "emails_per_month", Channel.SMS: "sms_per_month"}
MAX_SUBJECT = 255
MAX_BODY = 100_000
MAX_SMS = 1_600
# Shown on a message whose sender was interrupted and that the provider has not confirmed.
INTERRUPTED = "Sending was interrupted and the provider has not confirmed it yet."


# ---------------------------------------------------------------------------- sender identity


# The settings' labels on their page, for the audit log's "Fields: From address, …".
SETTING_LABELS = {
    "from_name": "From name",
    "from_email": "From address",
    "reply_to": "Reply-to address",
    "sms_number": "SMS number",
    "quiet_hours_start": "Quiet hours from",
    "quiet_hours_end": "Quiet hours until",
}


def get_settings() -> MessagingSettings:
    """The agency's settings row (an unsaved one with the defaults until an admin saves them)."""
    return db.session.scalar(select(MessagingSettings).limit(1)) or MessagingSettings(
        from_name="", from_email="", reply_to="", sms_number="", quiet_hours_start=21, quiet_hours_end=8
    )


def update_settings(data: dict, *, actor) -> MessagingSettings:
    check_permission(actor, "settings.manage")
    check_known_keys(
        data, ("from_name", "from_email", "reply_to", "sms_number", "quiet_hours_start", "quiet_hours_end")
    )
    errors = Errors()
    cleaned = {key: clean_text(data, key, errors, max_length=254) for key in ("from_name", "from_email", "reply_to")}
    cleaned["sms_number"] = clean_text(data, "sms_number", errors, max_length=40)
    for key in ("from_email", "reply_to"):
        if cleaned.get(key):
            try:
                cleaned[key] = normalize_email_address(cleaned[key])
            except ValueError as exc:
                errors.add(key, str(exc) or "Enter a valid email address.")
    if cleaned.get("sms_number"):
        try:
            cleaned["sms_number"] = normalize_phone(cleaned["sms_number"])
        except Invalid as exc:
            errors.add("sms_number", exc.message if hasattr(exc, "message") else str(exc))
    for key in ("quiet_hours_start", "quiet_hours_end"):
        if key in data:
            hour = clean_whole_number(data, key, errors, low=0, high=23, message="Give an hour from 0 to 23.")
            if hour is not None:
                cleaned[key] = hour
    errors.raise_if_any()
    settings = get_settings()
    if settings.id is None or settings not in db.session:
        db.session.add(settings)
    changed = sorted(key for key, value in cleaned.items() if value is not None and getattr(settings, key) != value)
    for key in changed:
        setattr(settings, key, cleaned[key])
    db.session.flush()
    if changed:
        record_audit("messaging.settings_changed", actor=actor, target=settings, details={"fields": changed})
    return settings


def sender(settings: MessagingSettings, tenant: Tenant) -> dict:
    default_name, default_address = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    return {
        "from": settings.from_email or default_address,
        "from_name": settings.from_name or tenant.name or default_name,
        "reply_to": settings.reply_to or "",
        "sms_number": settings.sms_number or current_app.config.get("TWILIO_FROM_NUMBER") or "",
    }


# ---------------------------------------------------------------------------- signed public links

TRACK_SALT = "messaging.track"
UNSUBSCRIBE_SALT = "messaging.unsubscribe"


def _signer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt)


def sign(salt: str, value) -> str:
    return _signer(salt).dumps(value)


def unsign(salt: str, token: str):
    """The signed value, or None for a forged or altered token."""
    try:
        return _signer(salt).loads(token)
    except (BadSignature, UnicodeDecodeError, ValueError):
        return None


def public_url(tenant: Tenant, path: str) -> str:
    """An absolute link to the tenant's host, also from jobs (no request to borrow it from)."""
    return f"{current_app.config['PREFERRED_URL_SCHEME']}://{tenant_host(tenant.slug)}{path}"


def unsubscribe_url(tenant: Tenant, message: Message) -> str:
    return public_url(tenant, f"/unsubscribe/{sign(UNSUBSCRIBE_SALT, [message.id.hex, message.channel])}")


def open_pixel_url(tenant: Tenant, message: Message) -> str:
    return public_url(tenant, f"/t/o/{sign(TRACK_SALT, [message.id.hex])}.gif")


def click_url(tenant: Tenant, message: Message, target: str) -> str:
    # The target is inside the signed value: an altered link fails its signature and goes nowhere.
    return public_url(tenant, f"/t/c/{sign(TRACK_SALT, [message.id.hex, target])}")


# ---------------------------------------------------------------------------- composing


class Composer:
    """Renders one template (or free text) for many recipients: compiled once per campaign."""

    def __init__(self, channel: str, *, subject: str = "", text: str = "", html: str = "", trusted_html: bool = False):
        self.channel, self.subject, self.text, self.html = channel, subject, text, html
        self.trusted_html = trusted_html

    @classmethod
    def from_template(cls, template: MessageTemplate) -> "Composer":
        return cls(
            template.channel,
            subject=template.subject,
            text=template.text_body,
            html=template.html_body,
            trusted_html=True,
        )

    def render(self, context: dict) -> dict:
        if self.channel == Channel.SMS:
            return {"subject": "", "text": templating.render(self.text, context, field="text_body").strip(), "html": ""}
        text = templating.render(self.text, context, field="text_body")
        html = templating.render(self.html, context, html=True, field="html_body") if self.html else ""
        return {
            "subject": templating.render(self.subject, context, field="subject").strip()[:MAX_SUBJECT],
            "text": text,
            # Saved templates are cleaned and cannot unescape values; free text is cleaned here.
            "html": html if self.trusted_html else templating.clean_email_html(html),
        }


def outbox_payload(message: Message, tenant: Tenant, identity: dict) -> dict:
    """What the provider gets: tracked links, the open pixel, List-Unsubscribe, our ids back."""
    if message.channel == Channel.SMS:
        return {
            "message_id": str(message.id),
            "to": message.to_address,
            "body": message.body_text,
            "from": identity["sms_number"],
            "status_callback": public_url(tenant, f"/webhooks/twilio/status?m={message.id}"),
        }
    unsubscribe = unsubscribe_url(tenant, message)
    html = message.body_html
    if html:
        html = templating.rewrite_links(html, lambda target: click_url(tenant, message, target))
        html += f'<img src="{open_pixel_url(tenant, message)}" width="1" height="1" alt="">'
    text = message.body_text.rstrip() + f"\n\n—\nUnsubscribe: {unsubscribe}\n"
    return {
        "message_id": str(message.id),
        "to": message.to_address,
        "subject": message.subject,
        "text": text,
        "html": html,
        "from": identity["from"],
        "from_name": identity["from_name"],
        "reply_to": identity["reply_to"],
        "headers": {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        "custom_args": {"tenant_id": str(message.tenant_id), "message_id": str(message.id)},
    }


def hand_to_outbox(message: Message, tenant: Tenant, identity: dict, *, not_before=None) -> OutboxMessage:
    outbox = queue_outbox(message.channel, outbox_payload(message, tenant, identity), not_before=not_before)
    message.outbox_id = outbox.id
    message.status = MessageStatus.QUEUED
    return outbox


# ---------------------------------------------------------------------------- one-to-one


SEND_KEYS = ("channel", "contact_id", "template_id", "subject", "body", "html", "record_id")


def send_message(data: dict, *, actor, source=None, to_address: str | None = None) -> Message:
    """One email or SMS to one contact, from a template or free text, logged on the timeline.

    `source` is (record type, record) of the page it was sent from (a lead, a deal): its
    values are available to the template and the message shows on its timeline too.
    `to_address` is one of the contact's own addresses to use instead of their first (a reply
    goes to the number that texted); it never comes from a request.
    """
    check_permission(actor, "messages.create")
    check_known_keys(data, SEND_KEYS)
    errors = Errors()
    channel = clean_choice(data, "channel", Channel.LABELS, errors, label="channel")
    subject = clean_text(data, "subject", errors, max_length=MAX_SUBJECT) or ""
    body = clean_text(data, "body", errors, max_length=MAX_SMS if channel == Channel.SMS else MAX_BODY) or ""
    html = clean_text(data, "html", errors, max_length=MAX_BODY) or ""
    errors.raise_if_any()
    if channel == Channel.SMS:
        check_feature("sms")
    contact = get_or_404(Contact, data.get("contact_id"))
    check_permission(actor, "contacts.view")
    template = None
    if data.get("template_id"):
        template = get_or_404(MessageTemplate, data["template_id"])
        if template.channel != channel:
            raise ValidationFailed(
                "Wrong template.", details={"template_id": [f"Choose an {Channel.IN_A_SENTENCE[channel]} template."]}
            )
        composer = Composer.from_template(template)
    else:
        if not body.strip():
            errors.add("body", "Write the message or choose a template.")
        if channel == Channel.EMAIL and not subject.strip():
            errors.add("subject", "Give the email a subject.")
        errors.raise_if_any()
        composer = Composer(channel, subject=subject, text=body, html=html)
    reason = consent.refusal(contact, channel, address=to_address)
    if reason:
        raise ValidationFailed(reason, details={"contact_id": [reason]})
    record_type, record = source if source else (None, None)
    content = composer.render(templating.merge_context(contact, record=record, record_type=record_type))
    if not content["text"].strip() and not content["html"]:
        raise ValidationFailed("Nothing to send.", details={"body": ["The message is empty for this contact."]})
    enforce_meter(METERS[channel])
    tenant = db.session.get(Tenant, contact.tenant_id)
    settings = get_settings()
    message = Message(
        channel=channel,
        direction=Direction.OUTBOUND,
        contact_id=contact.id,
        template_id=template.id if template else None,
        user_id=getattr(getattr(actor, "user", actor), "id", None),
        to_address=to_address or consent.address_of(contact, channel),
        subject=content["subject"],
        body_text=content["text"],
        body_html=content["html"],
        segments=templating.sms_segments(content["text"])["segments"] if channel == Channel.SMS else 1,
    )
    db.session.add(message)
    db.session.flush()
    message.activity_id = _log_on_timeline(message, contact, actor, source).id
    identity = sender(settings, tenant)
    not_before = None
    if channel == Channel.SMS:
        not_before = consent.quiet_hours_end(message.to_address, settings, tenant.timezone or "UTC")
        if not_before is not None:
            message.send_after = not_before
            message.status_reason = "Quiet hours for this number: goes out when they end."
    hand_to_outbox(message, tenant, identity, not_before=not_before)
    return message


def _log_on_timeline(message: Message, contact: Contact, actor, source) -> Activity:
    activity = Activity(
        type=ActivityType.EMAIL if message.channel == Channel.EMAIL else ActivityType.SMS,
        subject=(message.subject or message.body_text[:80] or Channel.LABELS[message.channel])[:200],
        body=message.body_text[:20_000],
        direction=Direction.OUTBOUND,
        outcome=MessageStatus.QUEUED,
        user_id=message.user_id,
        record_id=(source[1].id if source else contact.id),
        details={"message_id": str(message.id), "to": message.to_address},
    )
    db.session.add(activity)
    db.session.flush()
    link_to_timelines(activity, [(CONTACTS, contact), *([source] if source else [])])
    return activity


# ---------------------------------------------------------------------------- status changes


def advance(message: Message, status: str, *, at=None, reason: str = "") -> bool:
    """Move a message forward (never back: a late `delivered` after `opened` changes nothing)
    and stamp what happened; the timeline entry follows."""
    at = at or utcnow()
    stamp = {
        MessageStatus.SENT: "sent_at",
        MessageStatus.DELIVERED: "delivered_at",
        MessageStatus.OPENED: "opened_at",
        MessageStatus.CLICKED: "clicked_at",
        MessageStatus.BOUNCED: "bounced_at",
        MessageStatus.FAILED: "failed_at",
    }.get(status)
    if stamp and getattr(message, stamp) is None:
        setattr(message, stamp, at)
    if status == MessageStatus.CLICKED and message.opened_at is None:
        message.opened_at = at  # a click proves the open, even with images blocked
    current = MessageStatus.RANK.get(message.status, 0)
    if MessageStatus.RANK.get(status, 0) <= current and message.status in MessageStatus.RANK:
        return False
    message.status = status
    if reason:
        message.status_reason = reason[:300]
    elif message.status_reason == INTERRUPTED:
        message.status_reason = ""  # the provider confirmed it after all
    if status in (MessageStatus.OPENED, MessageStatus.CLICKED) and message.contact_id is not None:
        # Workflows and webhooks react to engagement: `email.opened`, `email.clicked` (and SMS).
        emit(
            f"{message.channel}.{status}",
            record_type="contact",
            record_id=message.contact_id,
            summary=f"{Channel.LABELS.get(message.channel, message.channel)} {status}: {message.subject or ''}"[:300],
            data={"message_id": str(message.id), "subject": message.subject},
        )
    if message.activity_id:
        db.session.execute(update(Activity).where(Activity.id == message.activity_id).values(outcome=status))
    return True


def _outbox_results(rows: list[OutboxMessage]) -> None:
    """The outbox reports what became of customer messages' sends (one query per batch)."""
    by_message = {}
    for row in rows:
        message_id = parse_uuid((row.payload or {}).get("message_id"))
        if message_id is not None:
            by_message[message_id] = row
    if not by_message:
        return
    for message in db.session.scalars(select(Message).where(Message.id.in_(list(by_message)))):
        outbox = by_message[message.id]
        if outbox.status == OutboxStatus.DEAD:
            advance(message, MessageStatus.FAILED, reason=outbox.last_error or "")
        elif outbox.status == OutboxStatus.UNCONFIRMED:
            message.status_reason = INTERRUPTED
        elif outbox.status == OutboxStatus.SENT:
            if outbox.provider_message_id and not message.provider_message_id:
                message.provider_message_id = outbox.provider_message_id[:100]
            advance(message, MessageStatus.SENT, at=outbox.sent_at)


def install_outbox_listener() -> None:
    on_outbox_result(_outbox_results)
