"""Message templates: create, change, delete; preview with a chosen contact; a test send to
yourself; the SMS segment count."""

from sqlalchemy import func, or_, select, update

from app.auth.permissions import acting_user, check_permission
from app.core.context import require_tenant_id
from app.core.errors import Conflict, ValidationFailed
from app.core.extensions import db
from app.core.lookups import get_or_404
from app.core.validation import Errors, check_known_keys, clean_choice, clean_text
from app.crm.contacts.models import Contact
from app.crm.messaging import templating
from app.crm.messaging.audit import record_messaging_audit
from app.crm.messaging.models import Campaign, Channel, Message, MessageTemplate
from app.crm.messaging.sending import MAX_BODY, MAX_SMS, MAX_SUBJECT, Composer, get_settings, sender
from app.messaging.services import queue_outbox
from app.plans.services import enforce_meter
from app.records.setting_services import add_audited, creator_id
from app.tenants.models import Tenant

TEMPLATE_KEYS = ("name", "channel", "subject", "html_body", "text_body")
SAMPLE_CONTACT = {
    "contact": {"first_name": "Ada", "last_name": "Lovelace", "name": "Ada Lovelace", "email": "ada@example.com"},
    "company": {"name": "Analytical Engines Ltd"},
    "owner": {"name": "Your name"},
}


def list_templates(channel: str | None = None) -> list[MessageTemplate]:
    stmt = select(MessageTemplate).order_by(MessageTemplate.name)
    if channel:
        stmt = stmt.where(MessageTemplate.channel == channel)
    return list(db.session.scalars(stmt.limit(500)))


def get_template(template_id) -> MessageTemplate:
    return get_or_404(MessageTemplate, template_id)


def _clean(data: dict, template: MessageTemplate | None) -> dict:
    check_known_keys(data, TEMPLATE_KEYS)
    errors = Errors()
    creating = template is None
    cleaned = {}
    channel = (
        clean_choice(data, "channel", Channel.LABELS, errors, label="channel")
        if (creating or "channel" in data)
        else None
    )
    if creating and channel is None and not errors.has("channel"):
        errors.add("channel", "Choose email or SMS.")
    channel = channel or (template.channel if template else Channel.EMAIL)
    cleaned["channel"] = channel
    # A template is never left without a name: an emptied one is refused like a missing one.
    name = clean_text(data, "name", errors, max_length=120, required=creating or "name" in data, label="Name")
    subject = clean_text(data, "subject", errors, max_length=MAX_SUBJECT)
    text_body = clean_text(data, "text_body", errors, max_length=MAX_SMS if channel == Channel.SMS else MAX_BODY)
    html_body = clean_text(data, "html_body", errors, max_length=MAX_BODY)
    for key, value in (("name", name), ("subject", subject), ("text_body", text_body), ("html_body", html_body)):
        if value is not None:
            cleaned[key] = value
    merged = {
        "subject": cleaned.get("subject", template.subject if template else ""),
        "text_body": cleaned.get("text_body", template.text_body if template else ""),
        "html_body": cleaned.get("html_body", template.html_body if template else ""),
    }
    if channel == Channel.EMAIL and not merged["subject"].strip() and not errors.has("subject"):
        errors.add("subject", "Give the email a subject.")
    if not merged["text_body"].strip() and not errors.has("text_body"):
        errors.add("text_body", "Write the text of the message.")
    if channel == Channel.SMS:
        cleaned["subject"], cleaned["html_body"] = "", ""
    for key, value in merged.items():
        if value and not errors.has(key):
            try:
                templating.check_syntax(value, key, html=key == "html_body")
            except ValidationFailed as exc:
                for message in exc.details.get(key, []):
                    errors.add(key, message)
    if name and _name_taken(name, template):
        errors.add("name", "A template with this name exists.")
    errors.raise_if_any()
    if cleaned.get("html_body"):
        cleaned["html_body"] = templating.clean_email_html(cleaned["html_body"])
    return cleaned


def _name_taken(name: str, template: MessageTemplate | None) -> bool:
    """Another template has this name, in any case (SQLite's lower() folds ASCII only, so the
    exact name is asked for too)."""
    same_name = select(MessageTemplate.id).where(
        or_(MessageTemplate.name == name, func.lower(MessageTemplate.name) == name.lower())
    )
    if template is not None:
        # Not `id != NULL` for a new one: that comparison matches no row at all.
        same_name = same_name.where(MessageTemplate.id != template.id)
    return db.session.scalar(same_name.limit(1)) is not None


def create_template(data: dict, *, actor) -> MessageTemplate:
    check_permission(actor, "message_templates.create")
    template = MessageTemplate(created_by_id=creator_id(actor), **_clean(data, None))
    add_audited(template, "message_template.created", actor=actor)
    return template


def update_template(template: MessageTemplate, data: dict, *, actor) -> MessageTemplate:
    check_permission(actor, "message_templates.edit")
    for key, value in _clean(data, template).items():
        setattr(template, key, value)
    db.session.flush()
    record_messaging_audit("message_template.updated", template, actor=actor)
    return template


def delete_template(template: MessageTemplate, *, actor) -> None:
    check_permission(actor, "message_templates.delete")
    if db.session.scalar(select(Campaign.id).where(Campaign.template_id == template.id).limit(1)):
        raise Conflict("Campaigns use this template: it stays while they exist.")
    # Sent messages keep their own copy of the text; they only forget where it came from.
    db.session.execute(
        update(Message)
        .where(Message.template_id == template.id)
        .values(template_id=None)
        .execution_options(synchronize_session=False)
    )
    record_messaging_audit("message_template.deleted", template, actor=actor)
    db.session.delete(template)
    db.session.flush()


def preview(template: MessageTemplate | dict, contact_id=None) -> dict:
    """The template rendered for one contact (or a sample person), with the SMS segment count."""
    if isinstance(template, dict):
        composer = Composer(
            template.get("channel") or Channel.EMAIL,
            subject=template.get("subject", ""),
            text=template.get("text_body", ""),
            html=template.get("html_body", ""),
        )
    else:
        composer = Composer.from_template(template)
    contact = get_or_404(Contact, contact_id) if contact_id else None
    context = templating.merge_context(contact) if contact is not None else SAMPLE_CONTACT
    content = composer.render(context)
    # Shown inside the app: cleaned whatever its source.
    content["html"] = templating.clean_email_html(content["html"]) if content["html"] else ""
    content["segments"] = templating.sms_segments(content["text"]) if composer.channel == Channel.SMS else None
    content["contact"] = contact
    content["channel"] = composer.channel
    return content


def send_test(template: MessageTemplate, *, actor, contact_id=None) -> str:
    """Send the rendered template to the acting user's own address (email) — never to a
    customer — so the team sees what recipients will get. SMS are previewed, not test-sent."""

    check_permission(actor, "message_templates.edit")
    if template.channel != Channel.EMAIL:
        raise ValidationFailed("SMS templates are previewed, not test-sent.", details={"channel": ["Use the preview."]})
    user = acting_user(actor)
    content = preview(template, contact_id)
    enforce_meter("emails_per_month")
    identity = sender(get_settings(), db.session.get(Tenant, require_tenant_id()))
    queue_outbox(
        "email",
        {
            "to": user.email,
            "subject": f"[Test] {content['subject']}",
            "text": content["text"],
            "html": content["html"],
            "from": identity["from"],
            "from_name": identity["from_name"],
            "reply_to": identity["reply_to"],
        },
    )
    return user.email
