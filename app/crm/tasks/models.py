"""The Task record: something to do by a day (and maybe a time), for someone, about a record."""

import uuid
from datetime import UTC, date, datetime, time

from sqlalchemy import CheckConstraint, Date, Index, Integer, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, tenant_foreign_key, tenant_relationship
from app.core.types import JSONType
from app.crm.tags.models import Taggable
from app.records.indexes import filter_index, sort_index
from app.records.models import OwnedRecord, RecordModel, owner_table_args, record_table_args

# Tasks with no due date sort after every dated one.
NO_DUE = datetime(9999, 12, 31, tzinfo=UTC)


class TaskStatus:
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"
    LABELS = {OPEN: "Open", IN_PROGRESS: "In progress", DONE: "Done", CANCELLED: "Cancelled"}
    ALL = tuple(LABELS)
    # Still to do: what "mine", "today", "overdue" and reminders are about.
    ACTIVE = (OPEN, IN_PROGRESS)
    FINISHED = (DONE, CANCELLED)


class TaskPriority:
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"
    LABELS = {LOW: "Low", MEDIUM: "Medium", HIGH: "High", URGENT: "Urgent"}
    RANK = {URGENT: 0, HIGH: 1, MEDIUM: 2, LOW: 3}


class Recurrence:
    NONE = ""
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    YEARLY = "yearly"
    LABELS = {NONE: "Does not repeat", DAILY: "Daily", WEEKLY: "Weekly", MONTHLY: "Monthly", YEARLY: "Yearly"}


# Offsets (minutes before the moment) a reminder may be set at.
REMINDER_OFFSETS = {"0": "At the time", "15": "15 minutes before", "60": "1 hour before", "1440": "1 day before"}


class Task(RecordModel, OwnedRecord, Taggable, Base):
    __tablename__ = "tasks"
    __table_args__ = (
        *record_table_args("tasks"),
        *owner_table_args("tasks"),
        tenant_foreign_key("related_id", "records"),
        tenant_foreign_key("previous_id", "tasks"),
        CheckConstraint("recurrence_interval BETWEEN 1 AND 365", name="recurrence_interval_range"),
        Index("ix_tasks_tenant_owner_status_due", "tenant_id", "owner_id", "status", "due_at"),
        Index("ix_tasks_tenant_status_due", "tenant_id", "status", "due_at", "id"),
        sort_index("tasks", "due_at"),
        sort_index("tasks", "title"),
        Index("ix_tasks_tenant_related", "tenant_id", "related_id", "id"),
        Index("ix_tasks_tenant_previous", "tenant_id", "previous_id"),
        filter_index("tasks", "due_date"),
        filter_index("tasks", "priority"),
    )
    __repr_label__ = ("title!r",)

    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # The day (and, unless it is all-day, the wall-clock time) in the tenant's time zone.
    due_date: Mapped[date | None] = mapped_column(Date)
    due_time: Mapped[time | None] = mapped_column(Time)
    # That moment (an all-day task: the start of its day; no due date: 9999-12-31, so that the
    # column is NOT NULL and the list sorts by it with keyset pages). Set by the declaration.
    due_at: Mapped[datetime] = mapped_column(default=lambda: NO_DUE)
    priority: Mapped[str] = mapped_column(String(8), default=TaskPriority.MEDIUM)
    status: Mapped[str] = mapped_column(String(12), default=TaskStatus.OPEN)
    related_id: Mapped[uuid.UUID | None]
    recurrence: Mapped[str] = mapped_column(String(8), default=Recurrence.NONE)
    recurrence_interval: Mapped[int] = mapped_column(Integer, default=1)
    recurrence_until: Mapped[date | None] = mapped_column(Date)
    # The first occurrence's day and this one's number in the series: the next day is counted
    # from the anchor, so "monthly on the 31st" comes back to the 31st after a short month.
    recurrence_anchor: Mapped[date | None] = mapped_column(Date)
    occurrence: Mapped[int] = mapped_column(Integer, default=0)
    reminders: Mapped[list] = mapped_column(JSONType, default=list)
    completed_at: Mapped[datetime | None]
    # The occurrence this one was created from, when it repeats: completing it twice makes one next.
    previous_id: Mapped[uuid.UUID | None]

    related = tenant_relationship("RecordEntry", "related_id")

    @property
    def all_day(self) -> bool:
        return self.due_time is None

    @property
    def is_done(self) -> bool:
        return self.status == TaskStatus.DONE
