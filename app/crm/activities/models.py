"""One Activity model for everything that happened with a contact, company or lead."""

import uuid
from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantScoped, Timestamps, tenant_foreign_key, tenant_relationship
from app.core.types import JSONType, utcnow


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
MEETING_OUTCOMES = {"held": "Held", "rescheduled": "Rescheduled", "no_show": "No show", "cancelled": "Cancelled"}


class Activity(TenantScoped, Timestamps, Base):
    __tablename__ = "activities"
    __table_args__ = (
        tenant_foreign_key("user_id", "users"),
        tenant_foreign_key("contact_id", "contacts"),
        tenant_foreign_key("company_id", "companies"),
        tenant_foreign_key("lead_id", "leads"),
        Index("ix_activities_tenant_occurred", "tenant_id", "occurred_at", "id"),
        Index("ix_activities_tenant_contact", "tenant_id", "contact_id", "occurred_at"),
        Index("ix_activities_tenant_company", "tenant_id", "company_id", "occurred_at"),
        Index("ix_activities_tenant_lead", "tenant_id", "lead_id", "occurred_at"),
    )

    type: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    direction: Mapped[str] = mapped_column(String(8), default="")
    outcome: Mapped[str] = mapped_column(String(32), default="")
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[uuid.UUID | None]
    contact_id: Mapped[uuid.UUID | None]
    company_id: Mapped[uuid.UUID | None]
    lead_id: Mapped[uuid.UUID | None]
    # System events: {"action": "contact.updated", "label": ..., "changes": {field: {"old", "new"}}}
    details: Mapped[dict] = mapped_column(JSONType, default=dict)

    user = tenant_relationship("User", "user_id")
    contact = tenant_relationship("Contact", "contact_id")
    company = tenant_relationship("Company", "company_id")
    lead = tenant_relationship("Lead", "lead_id")

    @property
    def is_system(self) -> bool:
        return self.type == ActivityType.SYSTEM

    @property
    def changes(self) -> dict:
        return (self.details or {}).get("changes") or {}

    def __repr__(self) -> str:
        return f"<Activity {self.type} {self.subject!r}>"
