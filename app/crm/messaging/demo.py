"""Demo messaging for `seed-demo`: a sender identity, templates, a sent newsletter campaign with
believable results and a draft one, one-to-one emails on a contact's timeline and an SMS
conversation."""

from datetime import timedelta

from sqlalchemy import select, update

from app.auth.demo_team import get_demo_owner
from app.core.extensions import db
from app.core.types import clock_set_to, utcnow
from app.crm.contacts.models import Consent, Contact
from app.crm.messaging import consent, message_templates, webhooks
from app.crm.messaging.campaigns import jobs as campaign_jobs
from app.crm.messaging.campaigns import services as campaign_services
from app.crm.messaging.consent import SuppressionReason
from app.crm.messaging.models import Message, MessageStatus, MessageTemplate
from app.crm.messaging.sending import advance, send_message, update_settings
from app.crm.tags.models import Tag
from app.messaging.models import OutboxMessage, OutboxStatus

NEWSLETTER_HTML = (
    "<p>Hi {{ contact.first_name|default('there') }},</p>"
    "<p>Spring is busy at {{ company.name|default('your company') }}: here is what we shipped for clients this month, "
    "and three ideas for your next campaign.</p>"
    '<p><a href="https://example.com/spring-report">Read the spring report</a></p>'
    "<p>— {{ owner.name|default('The team') }}</p>"
)
NEWSLETTER_TEXT = (
    "Hi {{ contact.first_name|default('there') }},\n\nSpring is busy: here is what we shipped for clients this month.\n"
    "Read the spring report: https://example.com/spring-report\n\n— {{ owner.name|default('The team') }}"
)


def seed_messaging_demo(tenant) -> None:
    owner = get_demo_owner(unless_seeded=MessageTemplate)
    if owner is None:
        return
    update_settings(
        {"from_name": tenant.name, "from_email": f"hello@{tenant.slug}.test", "reply_to": f"team@{tenant.slug}.test"},
        actor=owner,
    )
    newsletter = message_templates.create_template(
        {
            "name": "Spring newsletter",
            "channel": "email",
            "subject": "{{ contact.first_name|default('Hello') }}, our spring report",
            "text_body": NEWSLETTER_TEXT,
            "html_body": NEWSLETTER_HTML,
        },
        actor=owner,
    )
    message_templates.create_template(
        {
            "name": "Meeting follow-up",
            "channel": "email",
            "subject": "Great to meet you, {{ contact.first_name|default('there') }}",
            "text_body": "Thanks for your time today. As promised, the proposal follows this week.\n\n{{ owner.name|default('') }}",
        },
        actor=owner,
    )
    reminder = message_templates.create_template(
        {
            "name": "Appointment reminder",
            "channel": "sms",
            "text_body": "Hi {{ contact.first_name|default('there') }}, a reminder of our call tomorrow at 10:00. Reply STOP to opt out.",
        },
        actor=owner,
    )
    tag = db.session.scalar(select(Tag).where(Tag.name == "Newsletter"))
    if tag is None:
        return
    contacts = list(db.session.scalars(select(Contact).order_by(Contact.full_name)))
    for index, contact in enumerate(contacts):
        if index % 4 == 0:
            contact.sms_consent, contact.sms_consent_source, contact.sms_consent_at = (
                Consent.GRANTED,
                "written",
                utcnow(),
            )
    db.session.flush()
    campaign = campaign_services.create_campaign(
        {"name": "Spring newsletter", "template_id": str(newsletter.id), "audience": f"tag:{tag.id}"}, actor=owner
    )
    campaign_services.launch_campaign(campaign, actor=owner)
    sent_at = utcnow() - timedelta(days=3)
    while campaign_jobs.run_campaign_batch(campaign.id, now=sent_at).get("handed"):
        pass
    _settle(campaign, sent_at)
    # A draft waiting to be checked and started: its page shows who it would reach and its message.
    campaign_services.create_campaign(
        {"name": "Winter newsletter", "template_id": str(newsletter.id), "audience": f"tag:{tag.id}"}, actor=owner
    )
    # One-to-one messages on a contact's timeline, and an SMS thread in the inbox.
    with_email = next((c for c in contacts if c.email_consent == Consent.GRANTED), None)
    if with_email is not None:
        one_to_one = send_message(
            {
                "channel": "email",
                "contact_id": str(with_email.id),
                "subject": "Proposal for the autumn launch",
                "body": "Hi, the proposal is attached to our shared folder. Happy to walk you through it.",
            },
            actor=owner,
        )
        advance(one_to_one, MessageStatus.DELIVERED)
    texting = next((c for c in contacts if c.sms_consent == Consent.GRANTED and c.primary_phone), None)
    if texting is not None:
        _sms_thread(tenant, texting, reminder, owner)
    # The demo sends nothing for real: what was queued is marked handed over.
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.QUEUED)
        .values(status=OutboxStatus.SENT, sent_at=utcnow(), provider_message_id="demo")
    )


def _sms_thread(tenant, contact, reminder, owner) -> None:
    """A conversation as the inbox would hold it after a morning's work: yesterday's reminder
    (delivered), the contact's answer this morning, still waiting for a reply, and a stranger's
    question from an hour ago; each at its own time."""
    now = utcnow()
    with clock_set_to(now - timedelta(hours=20)):
        sent = send_message(
            {"channel": "sms", "contact_id": str(contact.id), "template_id": str(reminder.id)}, actor=owner
        )
        advance(sent, MessageStatus.DELIVERED)
    with clock_set_to(now - timedelta(hours=2, minutes=12)):
        webhooks.receive_sms(
            {
                "MessageSid": f"SMdemo{tenant.slug}1",
                "From": contact.primary_phone,
                "To": "+14155550100",
                "Body": "Hi! Can we move tomorrow's call to 11?",
            }
        )
    with clock_set_to(now - timedelta(minutes=58)):
        webhooks.receive_sms(
            {
                "MessageSid": f"SMdemo{tenant.slug}2",
                "From": "+14155559876",
                "To": "+14155550100",
                "Body": "Is the office open on Saturday?",
            }
        )


def _settle(campaign, sent_at) -> None:
    """Believable results: all but one delivered, most opened, a few clicks, one bounce and
    one unsubscribe (deterministic, so every seeded agency tells the same story)."""
    messages = db.session.scalars(
        select(Message)
        .where(Message.campaign_id == campaign.id, Message.status == MessageStatus.QUEUED)
        .order_by(Message.to_address)
    ).all()
    for index, message in enumerate(messages):
        message.status, message.sent_at = MessageStatus.SENT, sent_at
        if index == 1:
            message.status, message.bounced_at = MessageStatus.BOUNCED, sent_at + timedelta(seconds=30)
            message.status_reason = "550 mailbox unavailable"
            consent.suppress("email", message.to_address, SuppressionReason.BOUNCE, message.status_reason)
            continue
        message.status, message.delivered_at = MessageStatus.DELIVERED, sent_at + timedelta(seconds=20)
        if index % 3 != 2:
            message.status, message.opened_at = MessageStatus.OPENED, sent_at + timedelta(hours=1 + index)
            if index % 2 == 0:
                message.status, message.clicked_at = MessageStatus.CLICKED, message.opened_at + timedelta(minutes=2)
        if index == 2:
            webhooks.unsubscribe(message)
    db.session.flush()
    campaign.status, campaign.finished_at = "sent", sent_at + timedelta(minutes=2)
