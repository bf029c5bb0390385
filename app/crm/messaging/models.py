"""Customer messaging: templates, messages and their events, campaigns, SMS conversations,
the suppression list and the consent ledger."""

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantScoped, Timestamps, tenant_foreign_key, tenant_relationship
from app.core.newest_first import newest_first_index
from app.core.types import utcnow
from app.crm.contacts.models import Consent


class Channel:
    EMAIL = "email"
    SMS = "sms"
    LABELS = Consent.CHANNELS  # a message goes out on a channel its contact consents to
    ALL = tuple(LABELS)
    IN_A_SENTENCE = {EMAIL: "email", SMS: "SMS"}  # "consent to email", "an SMS template"


class MessageStatus:
    """Where one message is. `waiting` is held back (plan meter used up, or SMS quiet hours)
    and goes out later by itself; `blocked` never goes out (no consent, suppressed)."""

    WAITING = "waiting"
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    OPENED = "opened"
    CLICKED = "clicked"
    BOUNCED = "bounced"
    FAILED = "failed"
    BLOCKED = "blocked"
    CANCELED = "canceled"
    RECEIVED = "received"
    LABELS = {
        WAITING: "Waiting",
        QUEUED: "Queued",
        SENT: "Sent",
        DELIVERED: "Delivered",
        OPENED: "Opened",
        CLICKED: "Clicked",
        BOUNCED: "Bounced",
        FAILED: "Failed",
        BLOCKED: "Not sent",
        CANCELED: "Canceled",
        RECEIVED: "Received",
    }
    # A later status never goes back to an earlier one (a late "delivered" after "opened").
    RANK = {WAITING: 0, QUEUED: 1, SENT: 2, DELIVERED: 3, OPENED: 4, CLICKED: 5, BOUNCED: 6, FAILED: 6}
    BADGES = {
        WAITING: "secondary",
        QUEUED: "secondary",
        SENT: "info",
        DELIVERED: "primary",
        OPENED: "success",
        CLICKED: "success",
        BOUNCED: "danger",
        FAILED: "danger",
        BLOCKED: "warning",
        CANCELED: "secondary",
        RECEIVED: "primary",
    }


class MessagingSettings(TenantScoped, Timestamps, Base):
    """The agency's sender identity and SMS quiet hours (one row per tenant)."""

    __tablename__ = "messaging_settings"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_messaging_settings_tenant"),)

    from_name: Mapped[str] = mapped_column(String(100), default="")
    from_email: Mapped[str] = mapped_column(String(254), default="")
    reply_to: Mapped[str] = mapped_column(String(254), default="")
    sms_number: Mapped[str] = mapped_column(String(20), default="")
    quiet_hours_start: Mapped[int] = mapped_column(Integer, default=21)
    quiet_hours_end: Mapped[int] = mapped_column(Integer, default=8)


class MessageTemplate(TenantScoped, Timestamps, Base):
    __tablename__ = "message_templates"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name"),
        tenant_foreign_key("created_by_id", "users"),
        Index("ix_message_templates_tenant_channel", "tenant_id", "channel", "name"),
    )

    name: Mapped[str] = mapped_column(String(120))
    channel: Mapped[str] = mapped_column(String(8), default=Channel.EMAIL)
    subject: Mapped[str] = mapped_column(String(255), default="")
    html_body: Mapped[str] = mapped_column(Text, default="")
    text_body: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[uuid.UUID | None]


class CampaignStatus:
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    WAITING = "waiting"  # the plan's meter is used up: resumes after an upgrade or next month
    SENT = "sent"
    CANCELED = "canceled"
    LABELS = {
        DRAFT: "Draft",
        SCHEDULED: "Scheduled",
        SENDING: "Sending",
        WAITING: "Waiting for allowance",
        SENT: "Sent",
        CANCELED: "Canceled",
    }
    BADGES = {
        DRAFT: "secondary",
        SCHEDULED: "info",
        SENDING: "primary",
        WAITING: "warning",
        SENT: "success",
        CANCELED: "dark",
    }
    ACTIVE = (SCHEDULED, SENDING, WAITING)
    NOT_STARTED = (DRAFT, SCHEDULED)  # nothing sent yet: what it will send is its template's now


class Campaign(TenantScoped, Timestamps, Base):
    __tablename__ = "campaigns"
    __table_args__ = (
        tenant_foreign_key("template_id", "message_templates"),
        tenant_foreign_key("created_by_id", "users"),
        newest_first_index("campaigns"),
    )

    name: Mapped[str] = mapped_column(String(120))
    channel: Mapped[str] = mapped_column(String(8), default=Channel.EMAIL)
    template_id: Mapped[uuid.UUID]
    # Who receives it: ("tag", tag id), ("saved_view", view id), ("segment", segment id)…
    audience_kind: Mapped[str] = mapped_column(String(16))
    audience_ref: Mapped[str] = mapped_column(String(64))
    audience_label: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default=CampaignStatus.DRAFT)
    scheduled_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # Messages handed to the provider per minute at most.
    throttle_per_minute: Mapped[int] = mapped_column(Integer, default=600)
    recipient_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)
    waiting_reason: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[uuid.UUID | None]

    template = tenant_relationship("MessageTemplate", "template_id")

    @property
    def has_started(self) -> bool:
        """Past draft and scheduled: it has recipients and numbers of its own."""
        return self.status not in CampaignStatus.NOT_STARTED


class Message(TenantScoped, Timestamps, Base):
    """One email or SMS to or from a contact: its content, status and what became of it."""

    __tablename__ = "messages"
    __table_args__ = (
        tenant_foreign_key("contact_id", "contacts", ondelete="CASCADE"),
        tenant_foreign_key("campaign_id", "campaigns", ondelete="CASCADE"),
        tenant_foreign_key("template_id", "message_templates"),
        tenant_foreign_key("user_id", "users"),
        Index("ix_messages_tenant_contact", "tenant_id", "contact_id", "created_at"),
        Index("ix_messages_tenant_campaign_status", "tenant_id", "campaign_id", "status"),
        newest_first_index("messages"),
        Index("ix_messages_tenant_provider_id", "tenant_id", "provider_message_id"),
    )

    channel: Mapped[str] = mapped_column(String(8))
    direction: Mapped[str] = mapped_column(String(8), default="outbound")
    contact_id: Mapped[uuid.UUID | None]
    campaign_id: Mapped[uuid.UUID | None]
    template_id: Mapped[uuid.UUID | None]
    user_id: Mapped[uuid.UUID | None]
    # The timeline entry that shows this message (its outcome follows the status).
    activity_id: Mapped[uuid.UUID | None]
    to_address: Mapped[str] = mapped_column(String(254))
    from_address: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(255), default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=MessageStatus.QUEUED)
    status_reason: Mapped[str] = mapped_column(String(300), default="")
    send_after: Mapped[datetime | None]
    outbox_id: Mapped[uuid.UUID | None]
    provider_message_id: Mapped[str | None] = mapped_column(String(100))
    segments: Mapped[int] = mapped_column(Integer, default=1)
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]
    clicked_at: Mapped[datetime | None]
    bounced_at: Mapped[datetime | None]
    unsubscribed_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]

    contact = tenant_relationship("Contact", "contact_id")
    user = tenant_relationship("User", "user_id")

    @property
    def unwritten(self) -> bool:
        """A campaign's message before its turn (or one never sent): its text is written from
        the template as it goes out, so until then it has none to show."""
        return self.campaign_id is not None and not (self.subject or self.body_text)


class MessageEvent(TenantScoped, Base):
    """What happened to a message (delivered, open, click, bounce…), once per provider event."""

    __tablename__ = "message_events"
    __table_args__ = (
        UniqueConstraint("tenant_id", "source", "event_key"),
        tenant_foreign_key("message_id", "messages", ondelete="CASCADE"),
        Index("ix_message_events_tenant_message", "tenant_id", "message_id", "occurred_at"),
    )

    message_id: Mapped[uuid.UUID | None]
    source: Mapped[str] = mapped_column(String(16))  # sendgrid, twilio, tracking
    event_key: Mapped[str] = mapped_column(String(255))  # de-duplicates provider retries
    kind: Mapped[str] = mapped_column(String(24))
    url: Mapped[str] = mapped_column(String(2000), default="")
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)


class Conversation(TenantScoped, Timestamps, Base):
    """The SMS thread with one phone number (its contact, when the number is known), with
    what the team has not read yet."""

    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("tenant_id", "phone"),
        tenant_foreign_key("contact_id", "contacts", ondelete="CASCADE"),
        Index("ix_conversations_tenant_open", "tenant_id", "is_open", "last_message_at", "id"),
        Index("ix_conversations_tenant_contact", "tenant_id", "contact_id"),
    )

    contact_id: Mapped[uuid.UUID | None]
    phone: Mapped[str] = mapped_column(String(20))
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    unread_count: Mapped[int] = mapped_column(Integer, default=0)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_preview: Mapped[str] = mapped_column(String(160), default="")

    contact = tenant_relationship("Contact", "contact_id")


class Suppression(TenantScoped, Base):
    """An address nothing is sent to again (bounced, reported spam, unsubscribed, STOP)."""

    __tablename__ = "suppressions"
    __table_args__ = (UniqueConstraint("tenant_id", "channel", "address"),)

    channel: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(254))
    reason: Mapped[str] = mapped_column(String(24))
    detail: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsentChange(TenantScoped, Base):
    """The consent ledger: what changed on which channel, when, and by what."""

    __tablename__ = "consent_changes"
    __table_args__ = (
        tenant_foreign_key("contact_id", "contacts", ondelete="CASCADE"),
        Index("ix_consent_changes_tenant_contact", "tenant_id", "contact_id", "occurred_at"),
    )

    contact_id: Mapped[uuid.UUID]
    channel: Mapped[str] = mapped_column(String(8))
    old_status: Mapped[str] = mapped_column(String(16))
    new_status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(300), default="")
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Lets the unit of work insert a new contact before its first ledger rows.
    contact = tenant_relationship("Contact", "contact_id")
