"""Meetings with their attendees, and each user's private calendar feed."""

import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantScoped, Timestamps, tenant_foreign_key, tenant_relationship
from app.crm.activities.models import MEETING_OUTCOMES
from app.crm.tags.models import Taggable
from app.records.indexes import filter_index, sort_index
from app.records.models import OwnedRecord, RecordModel, owner_table_args, record_table_args, tenant_child_rows


class MeetingStatus:
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    LABELS = {SCHEDULED: "Scheduled", COMPLETED: "Completed", CANCELLED: "Cancelled"}


class MeetingOutcome:
    HELD = "held"
    NO_SHOW = "no_show"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"
    LABELS = MEETING_OUTCOMES


class Meeting(RecordModel, OwnedRecord, Taggable, Base):
    __tablename__ = "meetings"
    __table_args__ = (
        *record_table_args("meetings"),
        *owner_table_args("meetings"),
        tenant_foreign_key("related_id", "records"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_meetings_tenant_starts", "tenant_id", "starts_at", "id"),
        Index("ix_meetings_tenant_owner_starts", "tenant_id", "owner_id", "starts_at"),
        sort_index("meetings", "title"),
        Index("ix_meetings_tenant_related", "tenant_id", "related_id", "id"),
        filter_index("meetings", "status"),
        filter_index("meetings", "outcome"),
    )
    __repr_label__ = ("title!r",)

    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    # The zone the meeting was planned in (its wall-clock times are read in it).
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    location: Mapped[str] = mapped_column(String(300), default="")
    video_url: Mapped[str] = mapped_column(String(2000), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    related_id: Mapped[uuid.UUID | None]
    status: Mapped[str] = mapped_column(String(12), default=MeetingStatus.SCHEDULED)
    outcome: Mapped[str] = mapped_column(String(12), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    reminders: Mapped[list] = mapped_column(default=list)
    # RFC 5545 SEQUENCE: raised on every change attendees' calendars must pick up.
    sequence: Mapped[int] = mapped_column(Integer, default=0)

    related = tenant_relationship("RecordEntry", "related_id")
    attendees = tenant_child_rows("MeetingAttendee", "meeting_id")

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class MeetingAttendee(TenantScoped, Base):
    """A user or a contact invited to a meeting (`key` is "user:<id>" or "contact:<id>")."""

    __tablename__ = "meeting_attendees"
    __table_args__ = (
        tenant_foreign_key("meeting_id", "meetings", ondelete="CASCADE"),
        tenant_foreign_key("user_id", "users", ondelete="CASCADE"),
        tenant_foreign_key("contact_id", "contacts", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "meeting_id", "key"),
        Index("ix_meeting_attendees_tenant_user", "tenant_id", "user_id"),
        Index("ix_meeting_attendees_tenant_contact", "tenant_id", "contact_id"),
    )

    meeting_id: Mapped[uuid.UUID]
    key: Mapped[str] = mapped_column(String(48))
    user_id: Mapped[uuid.UUID | None]
    contact_id: Mapped[uuid.UUID | None]
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    position: Mapped[int] = mapped_column(Integer, default=0)

    user = tenant_relationship("User", "user_id")
    contact = tenant_relationship("Contact", "contact_id")


class CalendarFeed(TenantScoped, Timestamps, Base):
    """A user's private ICS feed URL; only a SHA-256 of its secret is stored. Revoking it (or
    making a new one) makes the old URL a 404 at once."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (
        tenant_foreign_key("user_id", "users", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "token_hash"),
        Index("ix_calendar_feeds_tenant_user", "tenant_id", "user_id"),
    )

    user_id: Mapped[uuid.UUID]
    token_hash: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None]
    last_read_at: Mapped[datetime | None]

    user = tenant_relationship("User", "user_id")


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_LABELS = dict(
    zip(WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"), strict=True)
)


class BookingType(TenantScoped, Timestamps, Base):
    """A meeting type a user (or a team, in turn) publishes on a public booking page."""

    __tablename__ = "booking_types"
    __table_args__ = (
        tenant_foreign_key("user_id", "users", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "slug"),
        CheckConstraint("duration_minutes BETWEEN 5 AND 480", name="duration_range"),
    )

    # The host; a team page has several members (`member_ids`) and picks the next free one.
    user_id: Mapped[uuid.UUID]
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(300), default="")
    # Given to every meeting booked on the page, so its invitation carries the link.
    video_url: Mapped[str] = mapped_column(String(2000), default="", server_default="")
    duration_minutes: Mapped[int] = mapped_column(Integer, default=30)
    # {"mon": [["09:00", "17:00"]], …} in `timezone`
    availability: Mapped[dict] = mapped_column(default=dict)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    buffer_before_minutes: Mapped[int] = mapped_column(Integer, default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(Integer, default=0)
    min_notice_minutes: Mapped[int] = mapped_column(Integer, default=240)
    max_days_ahead: Mapped[int] = mapped_column(Integer, default=30)
    daily_cap: Mapped[int | None] = mapped_column(Integer)
    member_ids: Mapped[list] = mapped_column(default=list)
    # Round robin: members after this position come first next time.
    last_assigned: Mapped[int] = mapped_column(Integer, default=-1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    user = tenant_relationship("User", "user_id")

    @property
    def is_team(self) -> bool:
        return bool(self.member_ids)


class Booking(TenantScoped, Timestamps, Base):
    """A visitor's booking: the meeting it made, and the private link to cancel or reschedule it."""

    __tablename__ = "bookings"
    __table_args__ = (
        tenant_foreign_key("booking_type_id", "booking_types", ondelete="CASCADE"),
        tenant_foreign_key("meeting_id", "meetings", ondelete="CASCADE"),
        tenant_foreign_key("host_id", "users", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "token_hash"),
        Index("ix_bookings_tenant_host_starts", "tenant_id", "host_id", "starts_at"),
    )

    booking_type_id: Mapped[uuid.UUID]
    meeting_id: Mapped[uuid.UUID]
    host_id: Mapped[uuid.UUID]
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    starts_at: Mapped[datetime]
    token_hash: Mapped[str] = mapped_column(String(64))
    cancelled_at: Mapped[datetime | None]
    # The zone the visitor chose their time in (None when their page named none): every later
    # email to them, and their manage page, speak in it.
    visitor_timezone: Mapped[str | None] = mapped_column(String(64))

    booking_type = tenant_relationship("BookingType", "booking_type_id")
    meeting = tenant_relationship("Meeting", "meeting_id")
    host = tenant_relationship("User", "host_id")
