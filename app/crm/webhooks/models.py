"""Webhook subscriptions and the log of every delivery made to them."""

import uuid
from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantScoped, Timestamps, tenant_foreign_key, tenant_relationship
from app.core.statuses import StatusLabel
from app.core.types import JSONType, utcnow


class DeliveryStatus:
    PENDING = "pending"  # waiting for its first or next attempt
    SUCCEEDED = "succeeded"
    DEAD = "dead"  # gave up after the retry window
    LABELS = {PENDING: "Retrying", SUCCEEDED: "Delivered", DEAD: "Failed"}


class WebhookSubscription(TenantScoped, Timestamps, Base):
    __tablename__ = "webhook_subscriptions"
    __repr_label__ = ("name",)

    name: Mapped[str] = mapped_column(String(120))
    url: Mapped[str] = mapped_column(String(2000))
    # Event names or patterns: "contact.created", "deal.*", "*".
    event_types: Mapped[list] = mapped_column(JSONType, default=list)
    # Kept readable: the receiver needs the same secret to check the signature.
    secret: Mapped[str] = mapped_column(String(80))
    is_active: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[uuid.UUID | None]
    last_delivery_at: Mapped[datetime | None]


class WebhookDelivery(TenantScoped, StatusLabel, Base):
    """One event sent (or owed) to one subscription, with every attempt's outcome."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        tenant_foreign_key("subscription_id", "webhook_subscriptions", ondelete="CASCADE"),
        Index("ix_webhook_deliveries_tenant_subscription", "tenant_id", "subscription_id", "created_at", "id"),
    )

    subscription_id: Mapped[uuid.UUID]
    subscription = tenant_relationship("WebhookSubscription", "subscription_id")
    # No foreign key: the log outlives pruned events.
    event_id: Mapped[uuid.UUID | None]
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING)
    statuses = DeliveryStatus
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_attempt_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]
    response_status: Mapped[int | None]
    response_ms: Mapped[int | None]
    response_body: Mapped[str] = mapped_column(String(1000), default="")
    last_error: Mapped[str | None] = mapped_column(Text)
    # [{at, status, ms, error}] of the latest attempts, newest last.
    attempt_log: Mapped[list] = mapped_column(JSONType, default=list)
    replay_of_id: Mapped[uuid.UUID | None]
