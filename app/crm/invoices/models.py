"""Invoices, their lines and the payments recorded against them."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantScoped, Timestamps, tenant_collection, tenant_foreign_key, tenant_relationship
from app.crm.quotes.models import ZERO, PricedDocument, PricedLine, priced_document_table_args, priced_line_table_args
from app.crm.tags.models import Taggable
from app.records.indexes import filter_index
from app.records.models import OwnedRecord, RecordModel, owner_table_args, record_table_args, tenant_child_rows


class InvoiceStatus:
    DRAFT = "draft"
    ISSUED = "issued"
    # Issued and emailed to the customer (the status after issuing, once sent).
    SENT = "sent"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    OVERDUE = "overdue"
    VOID = "void"
    LABELS = {
        DRAFT: "Draft",
        ISSUED: "Issued",
        SENT: "Sent",
        PARTIALLY_PAID: "Partially paid",
        PAID: "Paid",
        OVERDUE: "Overdue",
        VOID: "Void",
    }
    BADGES = {
        DRAFT: "secondary",
        ISSUED: "primary",
        SENT: "primary",
        PARTIALLY_PAID: "info",
        PAID: "success",
        OVERDUE: "danger",
        VOID: "dark",
    }
    # Money is still owed on these.
    OPEN = (ISSUED, SENT, PARTIALLY_PAID, OVERDUE)
    # Unpaid and not yet marked overdue: the overdue job looks at these.
    NOT_YET_DUE = (ISSUED, SENT, PARTIALLY_PAID)


class PaymentMethod:
    LABELS = {
        "bank_transfer": "Bank transfer",
        "card": "Card",
        "cash": "Cash",
        "cheque": "Cheque",
        "other": "Other",
    }


class Invoice(RecordModel, OwnedRecord, PricedDocument, Taggable, Base):
    """A bill to a customer. Its number is given when it is issued (drafts have none): invoice
    numbers never have gaps."""

    document_kind = "invoice"

    __tablename__ = "invoices"
    __table_args__ = (
        *record_table_args("invoices"),
        *owner_table_args("invoices"),
        *priced_document_table_args("invoices"),
        tenant_foreign_key("quote_id", "quotes"),
        tenant_foreign_key("order_id", "orders"),
        Index("ix_invoices_tenant_status_due", "tenant_id", "status", "due_date"),
        Index("ix_invoices_tenant_quote", "tenant_id", "quote_id", "id"),
        Index("ix_invoices_tenant_order", "tenant_id", "order_id", "id"),
        CheckConstraint("amount_paid >= 0", name="invoice_paid_not_negative"),
        filter_index("invoices", "status"),
        filter_index("invoices", "issue_date"),
        filter_index("invoices", "due_date"),
    )

    status: Mapped[str] = mapped_column(String(16), default=InvoiceStatus.DRAFT)
    quote_id: Mapped[uuid.UUID | None]
    order_id: Mapped[uuid.UUID | None]
    issue_date: Mapped[date | None]
    due_date: Mapped[date | None]
    amount_paid: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=ZERO)
    paid_at: Mapped[datetime | None]
    # Last emailed to the customer (to recipient_email).
    sent_at: Mapped[datetime | None]
    recipient_email: Mapped[str | None] = mapped_column(String(254))
    voided_at: Mapped[datetime | None]

    quote = tenant_relationship("Quote", "quote_id")
    order = tenant_relationship("Order", "order_id")
    lines = tenant_child_rows("InvoiceLine", "invoice_id")
    payments = tenant_collection("Payment", "invoice_id", order_by="Payment.paid_on", viewonly=True)

    @property
    def balance(self) -> Decimal:
        return self.total - self.amount_paid


class InvoiceLine(PricedLine, TenantScoped, Base):
    __tablename__ = "invoice_lines"
    __table_args__ = priced_line_table_args("invoice_lines", "invoice_id", "invoices")

    invoice_id: Mapped[uuid.UUID] = mapped_column(sort_order=-5)


class Payment(TenantScoped, Timestamps, Base):
    """Money received against an invoice."""

    __tablename__ = "payments"
    __table_args__ = (
        tenant_foreign_key("invoice_id", "invoices", ondelete="CASCADE"),
        tenant_foreign_key("recorded_by_id", "users"),
        Index("ix_payments_tenant_invoice", "tenant_id", "invoice_id"),
        CheckConstraint("amount > 0", name="payment_amount_positive"),
    )

    invoice_id: Mapped[uuid.UUID]
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    paid_on: Mapped[date]
    method: Mapped[str] = mapped_column(String(16), default="bank_transfer")
    reference: Mapped[str] = mapped_column(String(120), default="")
    recorded_by_id: Mapped[uuid.UUID | None]
