"""Orders and their lines: the accepted quote's lines, copied, so the order stays as agreed."""

import uuid
from datetime import datetime

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantScoped, tenant_collection, tenant_foreign_key, tenant_relationship
from app.crm.quotes.models import PricedDocument, PricedLine, priced_document_table_args, priced_line_table_args
from app.crm.tags.models import Taggable
from app.records.indexes import filter_index
from app.records.models import OwnedRecord, RecordModel, owner_table_args, record_table_args, tenant_child_rows


class OrderStatus:
    OPEN = "open"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    LABELS = {OPEN: "Open", FULFILLED: "Fulfilled", CANCELLED: "Cancelled"}
    BADGES = {OPEN: "primary", FULFILLED: "success", CANCELLED: "dark"}


class Order(RecordModel, OwnedRecord, PricedDocument, Taggable, Base):
    """What a customer ordered. Its number is taken from the gap-free sequence when the order is
    made, in the same transaction (orders are never deleted, so numbers have no gaps); it is
    NULL only while the new row is pending."""

    document_kind = "order"

    __tablename__ = "orders"
    __table_args__ = (
        *record_table_args("orders"),
        *owner_table_args("orders"),
        *priced_document_table_args("orders"),
        tenant_foreign_key("quote_id", "quotes"),
        tenant_foreign_key("deal_id", "deals"),
        # One order per accepted quote.
        UniqueConstraint("tenant_id", "quote_id", name="uq_orders_tenant_quote"),
        filter_index("orders", "status"),
        Index("ix_orders_tenant_deal", "tenant_id", "deal_id", "id"),
        filter_index("orders", "quote_id"),
    )

    status: Mapped[str] = mapped_column(String(16), default=OrderStatus.OPEN)
    quote_id: Mapped[uuid.UUID | None]
    deal_id: Mapped[uuid.UUID | None]
    fulfilled_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]

    quote = tenant_relationship("Quote", "quote_id")
    deal = tenant_relationship("Deal", "deal_id")
    lines = tenant_child_rows("OrderLine", "order_id")
    # The invoices that bill it (the invoices package makes them; an order only reads them).
    invoices = tenant_collection("Invoice", "order_id", order_by="Invoice.created_at", viewonly=True)

    @property
    def display_title(self) -> str:
        return f"{self.number} · {self.title}" if self.number else self.title


class OrderLine(PricedLine, TenantScoped, Base):
    __tablename__ = "order_lines"
    __table_args__ = priced_line_table_args("order_lines", "order_id", "orders")

    order_id: Mapped[uuid.UUID] = mapped_column(sort_order=-5)
