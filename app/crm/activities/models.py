"""One Activity model for everything that happened with a record, and the links that put it
on the timelines of every record it concerns."""

import uuid
from datetime import datetime

from sqlalchemy import Column, Index, Integer, String, Text, Uuid, func, literal_column
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantScoped, Timestamps, tenant_foreign_key, tenant_link_table, tenant_relationship
from app.core.newest_first import newest_first_index
from app.core.text import key_in_words
from app.core.types import JSONType, UTCDateTime, utcnow


class ActivityType:
    CALL = "call"
    EMAIL = "email"
    SMS = "sms"
    MEETING = "meeting"
    NOTE = "note"
    TASK = "task"
    SYSTEM = "system"
    LABELS = {
        CALL: "Call",
        EMAIL: "Email",
        SMS: "SMS",
        MEETING: "Meeting",
        NOTE: "Note",
        TASK: "Task",
        SYSTEM: "System",
    }
    ICONS = {
        CALL: "telephone",
        EMAIL: "envelope",
        SMS: "chat-dots",
        MEETING: "people",
        NOTE: "sticky",
        TASK: "check2-square",
        SYSTEM: "gear",
    }
    ALL = tuple(LABELS)
    # People log these; system events are written by the services only.
    LOGGABLE = (CALL, EMAIL, SMS, MEETING, NOTE, TASK)
    # An outbound one of these is a response to a lead ("speed to lead").
    RESPONSES = (CALL, EMAIL, SMS, MEETING)


class Direction:
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    LABELS = {"": "—", INBOUND: "Inbound", OUTBOUND: "Outbound"}


CALL_OUTCOMES = {
    "connected": "Connected",
    "left_voicemail": "Left voicemail",
    "no_answer": "No answer",
    "busy": "Busy",
    "wrong_number": "Wrong number",
}
# How a meeting went: a logged meeting's outcome and a calendar meeting's (MeetingOutcome) alike.
MEETING_OUTCOMES = {"held": "Held", "rescheduled": "Rescheduled", "no_show": "No-show", "cancelled": "Cancelled"}


class Activity(TenantScoped, Timestamps, Base):
    __tablename__ = "activities"
    __table_args__ = (
        tenant_foreign_key("user_id", "users"),
        tenant_foreign_key("record_id", "records"),
        newest_first_index("activities", by="occurred_at"),
        Index("ix_activities_tenant_record", "tenant_id", "record_id"),
    )
    __repr_label__ = ("type", "subject!r")

    type: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    direction: Mapped[str] = mapped_column(String(8), default="")
    outcome: Mapped[str] = mapped_column(String(32), default="")
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[uuid.UUID | None]
    # The record it was logged on (None once that record is deleted and others keep it).
    record_id: Mapped[uuid.UUID | None]
    # System events: {"action": "contact.updated", "label": ..., "changes": {field: {"old", "new"}}}
    details: Mapped[dict] = mapped_column(JSONType, default=dict)

    user = tenant_relationship("User", "user_id")
    record = tenant_relationship("RecordEntry", "record_id")

    @property
    def is_system(self) -> bool:
        return self.type == ActivityType.SYSTEM

    @property
    def changes(self) -> dict:
        return (self.details or {}).get("changes") or {}

    def change_label(self, name: str) -> str:
        """The label the record's type gave the changed field when the change was recorded
        (entries written before labels were kept show the name in words)."""
        label = ((self.details or {}).get("change_labels") or {}).get(name)
        if label:
            return label
        return key_in_words(name)


# What activity search matches, and its trigram index (tenant_id first; GIN on PostgreSQL).
# The space is a literal, not a parameter, so a query's expression is the index's.
search_text = func.lower(Activity.subject + literal_column("' '") + Activity.body)
Index(
    "ix_activities_search_trgm",
    Activity.tenant_id,
    search_text.label("search_text"),
    postgresql_using="gin",
    postgresql_ops={"search_text": "gin_trgm_ops"},
)


# Which records' timelines show an activity: the one it was logged on and the records
# related to it (a call with a contact also shows on the contact's company). `occurred_at`
# is copied here so that one record's timeline is a walk down one index.
activity_links = tenant_link_table(
    "activity_links",
    Column("activity_id", Uuid, primary_key=True),
    Column("record_id", Uuid, primary_key=True),
    Column("occurred_at", UTCDateTime, nullable=False),
    tenant_foreign_key("activity_id", "activities", ondelete="CASCADE"),
    tenant_foreign_key("record_id", "records", ondelete="CASCADE"),
    Index("ix_activity_links_tenant_record_occurred", "tenant_id", "record_id", "occurred_at", "activity_id"),
)
