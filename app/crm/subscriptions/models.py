"""A customer's subscription to a recurring product: what is billed, how often, and when next."""

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, tenant_foreign_key, tenant_relationship
from app.crm.quotes.models import ZERO, HasCustomer, customer_table_args
from app.records.indexes import filter_index, sort_index
from app.records.models import OwnedRecord, RecordModel, owner_table_args, record_table_args


class SubscriptionStatus:
    ACTIVE = "active"
    CANCELLED = "cancelled"
    LABELS = {ACTIVE: "Active", CANCELLED: "Cancelled"}
    BADGES = {ACTIVE: "success", CANCELLED: "dark"}


class Interval:
    MONTHLY = "monthly"
    YEARLY = "yearly"
    LABELS = {MONTHLY: "Monthly", YEARLY: "Yearly"}


class Subscription(RecordModel, OwnedRecord, HasCustomer, Base):
    __tablename__ = "subscriptions"
    __table_args__ = (
        *record_table_args("subscriptions"),
        *owner_table_args("subscriptions"),
        *customer_table_args("subscriptions"),
        tenant_foreign_key("quote_id", "quotes"),
        tenant_foreign_key("product_id", "products"),
        Index("ix_subscriptions_tenant_status_renewal", "tenant_id", "status", "next_renewal"),
        sort_index("subscriptions", "name"),
        sort_index("subscriptions", "next_renewal"),
        filter_index("subscriptions", "status"),
        filter_index("subscriptions", "interval"),
        filter_index("subscriptions", "start_date"),
    )
    __repr_label__ = ("name",)

    name: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default=SubscriptionStatus.ACTIVE)
    interval: Mapped[str] = mapped_column(String(16), default=Interval.MONTHLY)
    quote_id: Mapped[uuid.UUID | None]
    product_id: Mapped[uuid.UUID | None]
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    # One period's line, as the renewal invoice bills it.
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 3), default=Decimal(1))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=ZERO)
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=ZERO)
    start_date: Mapped[date]
    next_renewal: Mapped[date]
    # The renewal date whose reminder task was created (one reminder per renewal).
    reminded_for: Mapped[date | None]

    quote = tenant_relationship("Quote", "quote_id")
