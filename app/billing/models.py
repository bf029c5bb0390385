"""Billing tables: the Stripe customer and subscription mirror, invoices, and the webhook log.

Customers, subscriptions and events are platform tables (webhooks arrive before we know the
tenant); invoices belong to one tenant and are scoped like every other tenant row.
"""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.ids import uuid7
from app.core.models import Base, PlatformModel, TenantScoped, Timestamps
from app.core.types import utcnow


class BillingCustomer(PlatformModel, Timestamps, Base):
    """The one Stripe customer a tenant pays through."""

    __tablename__ = "billing_customers"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), unique=True)
    stripe_customer_id: Mapped[str] = mapped_column(String(255), unique=True)
    email: Mapped[str] = mapped_column(String(254), default="")


# The audit action of a customer deleted in Stripe; its target_label is the customer's id.
CUSTOMER_DELETED_ACTION = "billing.customer_deleted"


class SubscriptionStatus:
    """Stripe's subscription statuses, grouped by what they mean for the tenant."""

    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    UNPAID = "unpaid"
    PAUSED = "paused"
    CANCELED = "canceled"
    INCOMPLETE = "incomplete"
    INCOMPLETE_EXPIRED = "incomplete_expired"
    PAID_UP = (TRIALING, ACTIVE)
    LIVE = (TRIALING, ACTIVE, PAST_DUE)
    UNSETTLED = (UNPAID, PAUSED)
    NOT_PROVISIONED = (INCOMPLETE, INCOMPLETE_EXPIRED)


class BillingSubscription(PlatformModel, Timestamps, Base):
    """What Stripe last told us about one subscription, keyed by its Stripe id."""

    __tablename__ = "billing_subscriptions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    stripe_subscription_id: Mapped[str] = mapped_column(String(255), unique=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    stripe_customer_id: Mapped[str] = mapped_column(String(255), index=True)
    status: Mapped[str] = mapped_column(String(32))
    plan_code: Mapped[str | None] = mapped_column(ForeignKey("plans.code"))
    price_id: Mapped[str | None] = mapped_column(String(255))
    item_id: Mapped[str | None] = mapped_column(String(255))
    interval: Mapped[str | None] = mapped_column(String(16))
    current_period_start: Mapped[datetime | None]
    current_period_end: Mapped[datetime | None]
    cancel_at_period_end: Mapped[bool] = mapped_column(default=False)
    cancel_at: Mapped[datetime | None]
    canceled_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    trial_end: Mapped[datetime | None]
    # A subscription schedule holds a change (a downgrade) that starts at the period's end.
    schedule_id: Mapped[str | None] = mapped_column(String(255))
    payment_method: Mapped[str | None] = mapped_column(String(120))
    stripe_created_at: Mapped[datetime | None]
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_live(self) -> bool:
        return self.status in SubscriptionStatus.LIVE


class BillingInvoice(TenantScoped, Timestamps, Base):
    """A Stripe invoice of the tenant's subscription, shown on the billing page."""

    __tablename__ = "billing_invoices"
    __table_args__ = (
        UniqueConstraint("tenant_id", "stripe_invoice_id"),
        Index("ix_billing_invoices_tenant_issued", "tenant_id", "issued_at"),
    )

    stripe_invoice_id: Mapped[str] = mapped_column(String(255))
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(255))
    number: Mapped[str | None] = mapped_column(String(64))
    issued_at: Mapped[datetime]
    amount_due: Mapped[int] = mapped_column(BigInteger, default=0)
    amount_paid: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="usd")
    status: Mapped[str | None] = mapped_column(String(32))
    hosted_invoice_url: Mapped[str | None] = mapped_column(String(1000))

    @property
    def amount(self) -> int:
        return self.amount_paid if self.status == "paid" else self.amount_due


class EventResult:
    PROCESSED = "processed"
    IGNORED = "ignored"
    FAILED = "failed"
    # Claimed by a delivery that is reading Stripe (see app/billing/webhooks.py).
    PROCESSING = "processing"
    ALL = (PROCESSED, IGNORED, FAILED, PROCESSING)


class StripeEvent(PlatformModel, Base):
    """Every webhook event we accepted; the unique event id makes processing idempotent.

    The row is written in the same transaction as the event's effects, so "row exists and is
    not failed" means "its effects are committed".
    """

    __tablename__ = "stripe_events"
    __table_args__ = (
        Index("ix_stripe_events_received", "received_at"),
        Index("ix_stripe_events_tenant_received", "tenant_id", "received_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(100), index=True)
    livemode: Mapped[bool] = mapped_column(default=False)
    stripe_created_at: Mapped[datetime | None]
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tenants.id", ondelete="SET NULL"))
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(255), index=True)
    stripe_object_id: Mapped[str | None] = mapped_column(String(255))
    result: Mapped[str] = mapped_column(String(16), default=EventResult.PROCESSED)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=1)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]
