"""Outbox rows (written in the request's transaction) and the console provider's mailbox."""

import uuid
from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.ids import uuid7
from app.core.models import Base, PlatformModel, TenantScoped, Timestamps
from app.core.types import JSONType, utcnow


class OutboxStatus:
    QUEUED = "queued"
    # Claimed by a sender that is calling the provider: never handed out again until it is
    # reconciled (a process killed mid-call must neither send twice nor lose the message).
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"
    # An email claimed by a sender that died mid-call, and SendGrid never reported having it:
    # it may or may not have gone out, so it is not sent again blindly; an operator decides.
    UNCONFIRMED = "unconfirmed"


class OutboxMessage(TenantScoped, Timestamps, Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_due", "tenant_id", "status", "next_attempt_at"),
        # The outbox.deliver job asks every few seconds, across tenants, what is queued and due:
        # an index of the queued rows only stays small however many sent rows pile up.
        Index(
            "ix_outbox_messages_queued",
            "tenant_id",
            "next_attempt_at",
            postgresql_where=text("status = 'queued'"),
            sqlite_where=text("status = 'queued'"),
        ),
    )

    kind: Mapped[str] = mapped_column(String(16), default="email")
    # Lets a caller send something once only (one dunning email per invoice, say).
    dedupe_key: Mapped[str | None] = mapped_column(String(255))
    payload: Mapped[dict] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_message_id: Mapped[str | None] = mapped_column(String(255))
    sent_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]


class DevMailboxMessage(PlatformModel, Base):
    """What the `console` email provider "sent"; shown on the dev mailbox page."""

    __tablename__ = "dev_mailbox_messages"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    tenant_id: Mapped[uuid.UUID | None]
    to_address: Mapped[str] = mapped_column(String(254), index=True)
    from_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    text_body: Mapped[str] = mapped_column(Text, default="")
    html_body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
