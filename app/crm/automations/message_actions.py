"""Workflow steps that write to people: an email or SMS from a template, through messaging's
one-to-one sending (consent, suppression, quiet hours and the plan's meters all apply).

The recipient is the record's contact: the contact itself, a deal's primary contact, or the
contact a lead was converted into. A missing consent skips the step rather than failing the
run: it is the expected answer for part of any audience, and the log says why.
"""

from sqlalchemy import select

from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.ids import parse_uuid
from app.crm.automations.actions import Action, Param, named_row, register_action
from app.crm.messaging.models import Channel, MessageTemplate
from app.crm.messaging.sending import send_message

RECIPIENT_TYPES = ("contact", "deal", "lead")


def contact_of(record_type, record):
    if record_type.name == "contact":
        return record.id
    if record_type.name == "lead":
        return record.converted_contact_id
    if record_type.name == "deal":
        links = sorted(record.contact_links, key=lambda link: not link.is_primary)
        return links[0].contact_id if links else None
    return None


def _template_choices(channel):
    def choices(record_type=None):
        rows = db.session.scalars(
            select(MessageTemplate).where(MessageTemplate.channel == channel).order_by(MessageTemplate.name)
        )
        return [(str(template.id), template.name) for template in rows]

    return choices


def _check(channel):
    def check(params, record_type, errors):
        template_id = parse_uuid(params.get("template_id"))
        found = template_id and db.session.scalar(
            select(MessageTemplate.id).where(MessageTemplate.id == template_id, MessageTemplate.channel == channel)
        )
        if not found:
            errors.add("template_id", f"Choose an {Channel.LABELS[channel]} template.")
        return {"template_id": str(template_id) if template_id else ""}

    return check


def _run(channel):
    def run(context, params):
        contact_id = contact_of(context.record_type, context.record)
        if contact_id is None:
            return {"skipped": "No contact to write to."}
        # A template deleted since the step was saved fails the run (it is the workflow's fault,
        # not the contact's), where a refusal for this contact only skips the step.
        named_row(params, "template_id", MessageTemplate, "template")
        data = {"channel": channel, "template_id": params["template_id"], "contact_id": str(contact_id)}
        try:
            message = send_message(data, actor=context.actor, source=(context.record_type, context.record))
        except ValidationFailed as exc:
            return {"skipped": exc.message}
        return {"message_id": str(message.id), "to": message.to_address}

    return run


def _preview(channel):
    def preview(context, params):
        template = db.session.get(MessageTemplate, (context.workflow.tenant_id, parse_uuid(params["template_id"])))
        contact_id = contact_of(context.record_type, context.record)
        if contact_id is None:
            return "Would skip: no contact to write to"
        return f"Would send the {Channel.LABELS[channel]} “{template.name if template else 'deleted template'}”"

    return preview


def install() -> None:
    for channel, key, label in (
        (Channel.EMAIL, "send_email", "Send an email"),
        (Channel.SMS, "send_sms", "Send an SMS"),
    ):
        register_action(
            Action(
                key,
                label,
                (Param("template_id", "Template", "select", _template_choices(channel)),),
                _check(channel),
                _run(channel),
                _preview(channel),
                lambda record_type: record_type is not None and record_type.name in RECIPIENT_TYPES,
                needs=("messages.create", "contacts.view"),
            )
        )
