"""The messaging capability: a Messages tab (send an email or SMS, see what was sent and what
became of it) on any record type that declares it, and the consent ledger on contacts.

A type says who its messages go to: a contact is its own recipient; a lead is the contact it
was converted to or that shares its address (consent lives on contacts).
"""

from collections.abc import Callable

from flask_login import current_user
from sqlalchemy import select

from app.auth.permissions import can
from app.crm.contacts.models import Consent, Contact, ContactEmail
from app.extensions import db
from app.messaging.models import Channel, Message, MessageStatus
from app.records.capabilities import Capability, Panel, Tab

RECENT = 30


class MessagingCapability(Capability):
    key = "messaging"
    label = "Messages"

    def __init__(self, recipient: Callable | None = None):
        self.recipient = recipient or (lambda record: record if isinstance(record, Contact) else None)

    def tabs(self, record_type):
        return [
            Tab(
                "messages",
                "Messages",
                "messaging/_record_messages.html",
                lambda rt, record: messages_tab(rt, record, self.recipient(record)),
                icon="send",
                order=15,
                permission="messages.view",
            )
        ]

    def panels(self, record_type):
        if record_type.model is not Contact:
            return []
        return [Panel("consent_ledger", "messaging/_consent_ledger.html", _ledger, order=60)]


def messages_tab(record_type, record, contact: Contact | None) -> dict:
    from flask import g

    from app.messaging import consent
    from app.messaging.message_templates import list_templates
    from app.plans.services import entitlements

    messages = []
    if contact is not None:
        messages = list(
            db.session.scalars(
                select(Message)
                .where(Message.contact_id == contact.id)
                .order_by(Message.created_at.desc())
                .limit(RECENT)
            )
        )
    refusals = {channel: consent.refusal(contact, channel) for channel in Channel.ALL} if contact is not None else {}
    templates = list_templates()
    return {
        "contact": contact,
        "messages": messages,
        "refusals": refusals,
        "email_templates": [t for t in templates if t.channel == Channel.EMAIL],
        "sms_templates": [t for t in templates if t.channel == Channel.SMS],
        "can_send": can(current_user, "messages.create"),
        "sms_enabled": entitlements(g.tenant).has_feature("sms"),
        "status_labels": MessageStatus.LABELS,
        "status_badges": MessageStatus.BADGES,
        "send_url_args": {"kind": record_type.name, "record_id": record.id},
    }


def _ledger(record_type, contact) -> dict:
    from app.messaging.consent import consent_ledger

    return {"changes": consent_ledger(contact.id), "consent_labels": Consent.LABELS, "channel_labels": Channel.LABELS}


def lead_recipient(lead) -> Contact | None:
    """The contact a lead was converted to, else the contact with the lead's address."""
    if getattr(lead, "converted_contact", None) is not None:
        return lead.converted_contact
    if lead.email:
        return db.session.scalar(
            select(Contact)
            .join(ContactEmail, ContactEmail.contact_id == Contact.id)
            .where(ContactEmail.email == lead.email.lower())
            .limit(1)
        )
    return None


MESSAGING = MessagingCapability()
LEAD_MESSAGING = MessagingCapability(lead_recipient)
