"""What messaging adds to record pages: a Messages tab (send an email or SMS, see what was sent
and what became of it) and the consent ledger on contacts.

Contributed through the kit's registry, so the record types do not import messaging. A type
says who its messages go to: a contact is its own recipient; a lead is the contact it was
converted to or that shares its address (consent lives on contacts).
"""

from collections.abc import Callable

from flask import g
from sqlalchemy import select

from app.core.extensions import db
from app.crm.contacts.models import Consent, Contact, ContactEmail
from app.crm.messaging import consent
from app.crm.messaging.consent import consent_ledger
from app.crm.messaging.message_templates import list_templates
from app.crm.messaging.models import Channel, Message, MessageStatus
from app.plans.services import entitlements
from app.records.capabilities import Panel, Tab
from app.records.pages import permission_action_state
from app.records.registry import contribute

RECENT = 30


# record type name -> recipient(record) -> Contact | None. A type whose pages send messages
# registers here (a deals package: the deal's primary contact).
RECIPIENTS: dict[str, Callable] = {}


def register_recipient(type_name: str, recipient: Callable) -> None:
    """Give `type_name`'s pages a Messages tab whose messages go to `recipient(record)`."""
    RECIPIENTS[type_name] = recipient
    contribute(
        type_name,
        "tab",
        Tab(
            "messages",
            "Messages",
            "crm/messaging/_record_messages.html",
            messages_tab,
            icon="send",
            order=15,
            permission="messages.view",
        ),
    )


def recipient_of(record_type, record) -> Contact | None:
    recipient = RECIPIENTS.get(record_type.name)
    return recipient(record) if recipient else None


def messages_tab(record_type, record) -> dict:
    contact = recipient_of(record_type, record)
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
    sms_enabled = entitlements(g.tenant).has_feature("sms")
    # Why a channel the plan offers cannot reach this contact (SMS is not one on every plan).
    offered = [channel for channel in Channel.ALL if channel != Channel.SMS or sms_enabled]
    refusals = {channel: consent.refusal(contact, channel) for channel in offered} if contact is not None else {}
    templates = list_templates()
    return {
        "contact": contact,
        "messages": messages,
        "refusals": refusals,
        "email_templates": [t for t in templates if t.channel == Channel.EMAIL],
        "sms_templates": [t for t in templates if t.channel == Channel.SMS],
        # Hidden without the permission; disabled, with the reason, while the workspace is read-only.
        "sending": permission_action_state("messages.create"),
        "sms_enabled": sms_enabled,
        "status_labels": MessageStatus.LABELS,
        "status_badges": MessageStatus.BADGES,
        "send_url_args": {"kind": record_type.name, "record_id": record.id},
    }


def _ledger(record_type, contact) -> dict:
    return {
        "changes": consent_ledger(contact.id),
        "consent_labels": Consent.LABELS,
        "channel_labels": Channel.LABELS,
        "source_labels": Consent.SOURCES,
    }


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


def install_record_pages() -> None:
    """Messages tabs on contacts and leads, and the consent ledger beside a contact's facts."""
    register_recipient("contact", lambda contact: contact)
    register_recipient("lead", lead_recipient)
    # Deals (once their package is wired) message their primary contact; a tab contributed to a
    # type that is not installed is never shown.
    register_recipient("deal", lambda deal: getattr(deal, "primary_contact", None))
    contribute("contact", "panel", Panel("consent_ledger", "crm/messaging/_consent_ledger.html", _ledger, order=60))
