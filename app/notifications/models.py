"""Notifications of a user, each user's delivery choice per kind, and reminders waiting for
their moment."""

import uuid
from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantScoped, Timestamps, tenant_foreign_key, tenant_relationship
from app.core.types import utcnow


class NotificationKind:
    TASK_ASSIGNED = "task_assigned"
    REMINDER = "reminder"
    RECORD_ASSIGNED = "record_assigned"
    MENTION = "mention"
    SMS_RECEIVED = "sms_received"
    BOOKING = "booking"
    CAMPAIGN = "campaign"
    LABELS = {
        TASK_ASSIGNED: "A task is assigned to you",
        REMINDER: "A reminder of a task or meeting is due",
        RECORD_ASSIGNED: "A record is assigned to you",
        MENTION: "Someone mentions you in a note",
        SMS_RECEIVED: "An SMS comes in from a contact of yours (owners and admins: also from unknown numbers)",
        BOOKING: "Someone books, moves or cancels a meeting with you on a booking page",
        CAMPAIGN: "A campaign you made could not start at its time",
    }
    ICONS = {
        TASK_ASSIGNED: "check2-square",
        REMINDER: "alarm",
        RECORD_ASSIGNED: "person-check",
        MENTION: "at",
        SMS_RECEIVED: "chat-dots",
        BOOKING: "calendar-check",
        CAMPAIGN: "megaphone",
    }
    ALL = tuple(LABELS)


class Channel:
    IN_APP = "in_app"
    EMAIL = "email"
    BOTH = "both"
    NONE = "none"
    LABELS = {IN_APP: "In the app", EMAIL: "By email", BOTH: "In the app and by email", NONE: "Not at all"}
    ALL = tuple(LABELS)
    DEFAULT = BOTH


class Notification(TenantScoped, Base):
    __tablename__ = "notifications"
    __table_args__ = (
        tenant_foreign_key("user_id", "users", ondelete="CASCADE"),
        tenant_foreign_key("record_id", "records", ondelete="CASCADE"),
        Index("ix_notifications_tenant_user_created", "tenant_id", "user_id", "created_at", "id"),
        Index("ix_notifications_tenant_user_unread", "tenant_id", "user_id", "read_at"),
    )

    user_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    # A path on the tenant's host ("/tasks/…"): where clicking the notification leads.
    url: Mapped[str] = mapped_column(String(500), default="")
    record_id: Mapped[uuid.UUID | None]
    read_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = tenant_relationship("User", "user_id")

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(TenantScoped, Timestamps, Base):
    """A user's choice for one kind; a kind without a row is delivered in the app and by email."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        tenant_foreign_key("user_id", "users", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "user_id", "kind"),
    )

    user_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(8), default=Channel.DEFAULT)


class Reminder(TenantScoped, Base):
    """One reminder of one record (a task, a meeting) for one user, `offset_minutes` before it.

    A per-tenant job `tenant:{id}:reminder:{reminder id}` fires at `due_at`; `sent_at` is
    claimed with one conditional UPDATE, so the reminder goes out once whoever runs it.
    """

    __tablename__ = "reminders"
    __table_args__ = (
        tenant_foreign_key("record_id", "records", ondelete="CASCADE"),
        tenant_foreign_key("user_id", "users", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "record_id", "user_id", "offset_minutes"),
        Index("ix_reminders_tenant_due", "tenant_id", "sent_at", "due_at"),
    )

    record_id: Mapped[uuid.UUID]
    user_id: Mapped[uuid.UUID]
    offset_minutes: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
