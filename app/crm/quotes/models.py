"""Quotes, their line items, their kept versions, per-workspace quote settings and the
gap-free number sequences."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantScoped, Timestamps, tenant_collection, tenant_foreign_key, tenant_relationship
from app.core.types import JSONType
from app.crm.tags.models import Taggable
from app.records.indexes import filter_index, sort_index
from app.records.models import OwnedRecord, RecordModel, owner_table_args, record_table_args, tenant_child_rows

ZERO = Decimal("0.00")


class QuoteStatus:
    DRAFT = "draft"
    SENT = "sent"
    VIEWED = "viewed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EXPIRED = "expired"
    LABELS = {
        DRAFT: "Draft",
        SENT: "Sent",
        VIEWED: "Viewed",
        ACCEPTED: "Accepted",
        REJECTED: "Rejected",
        EXPIRED: "Expired",
    }
    BADGES = {
        DRAFT: "secondary",
        SENT: "primary",
        VIEWED: "info",
        ACCEPTED: "success",
        REJECTED: "danger",
        EXPIRED: "warning",
    }
    # The customer may still answer a quote in these states.
    OPEN = (SENT, VIEWED)


class DiscountKind:
    NONE = ""
    PERCENT = "percent"
    AMOUNT = "amount"
    ALL = (NONE, PERCENT, AMOUNT)


class HasCustomer:
    """The customer of a sales record (quote, order, invoice, subscription): a contact, a
    company, or both; its table carries customer_table_args()."""

    contact_id: Mapped[uuid.UUID | None]
    company_id: Mapped[uuid.UUID | None]

    contact = tenant_relationship("Contact", "contact_id")
    company = tenant_relationship("Company", "company_id")


def customer_table_args(table: str) -> tuple:
    """The customer of a sales record (see HasCustomer): a contact and a company of the same
    workspace, each indexed for the customer's tabs."""
    return (
        tenant_foreign_key("contact_id", "contacts"),
        tenant_foreign_key("company_id", "companies"),
        Index(f"ix_{table}_tenant_contact", "tenant_id", "contact_id", "id"),
        Index(f"ix_{table}_tenant_company", "tenant_id", "company_id", "id"),
    )


class PricedDocument(HasCustomer):
    """The columns a quote, an order and an invoice share: a number, a title, the customer, the
    terms, and the totals summed from their lines (see priced_documents.set_totals). Their
    tables carry priced_document_table_args()."""

    # Taken from the workspace's gap-free sequence (DocumentSequence), in the transaction that
    # needs it; NULL until then. Each document type says when that is. The number and the
    # title open the table, as they open the document.
    number: Mapped[str | None] = mapped_column(String(40), sort_order=-2)
    title: Mapped[str] = mapped_column(String(200), sort_order=-1)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    terms: Mapped[str] = mapped_column(Text, default="")
    subtotal: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=ZERO)
    discount_total: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=ZERO)
    tax_total: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=ZERO)
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=ZERO)

    # What the document is called before it has a number ("quote", "invoice"): each model says.
    document_kind = "document"

    @property
    def display_title(self) -> str:
        return (
            f"{self.number or 'Draft'} · {self.title}" if self.title else (self.number or f"Draft {self.document_kind}")
        )

    @property
    def send_title(self) -> str:
        """Its name on the page that sends it: its number once it has one, else what it is
        ("quote · Website redesign", not "Draft · Website redesign")."""
        if self.number:
            return self.display_title
        return f"{self.document_kind} · {self.title}" if self.title else f"the draft {self.document_kind}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.number or self.id}>"


def priced_document_table_args(table: str) -> tuple:
    """What a quote, an order and an invoice table share: the customer, a number unique in the
    workspace, and the keyset indexes their lists' total and title sorts walk."""
    return (
        *customer_table_args(table),
        UniqueConstraint("tenant_id", "number", name=f"uq_{table}_tenant_number"),
        sort_index(table, "total"),
        sort_index(table, "title"),
    )


class Quote(RecordModel, OwnedRecord, PricedDocument, Taggable, Base):
    """A priced offer to a customer. Its number is given when it is first sent (drafts have
    none), so numbers have no gaps."""

    document_kind = "quote"

    __tablename__ = "quotes"
    __table_args__ = (
        *record_table_args("quotes"),
        *owner_table_args("quotes"),
        *priced_document_table_args("quotes"),
        tenant_foreign_key("deal_id", "deals"),
        UniqueConstraint("tenant_id", "public_token_hash", name="uq_quotes_tenant_token"),
        filter_index("quotes", "status"),
        Index("ix_quotes_tenant_deal", "tenant_id", "deal_id", "id"),
        filter_index("quotes", "valid_until"),
        CheckConstraint("version >= 1", name="quote_version_positive"),
        filter_index("quotes", "sent_at"),
    )

    status: Mapped[str] = mapped_column(String(16), default=QuoteStatus.DRAFT)
    version: Mapped[int] = mapped_column(Integer, default=1)
    deal_id: Mapped[uuid.UUID | None]
    valid_until: Mapped[date | None]
    introduction: Mapped[str] = mapped_column(Text, default="")
    recipient_email: Mapped[str | None] = mapped_column(String(254))
    sent_at: Mapped[datetime | None]
    viewed_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    rejected_at: Mapped[datetime | None]
    expired_at: Mapped[datetime | None]
    accepted_name: Mapped[str] = mapped_column(String(200), default="")
    accepted_ip: Mapped[str] = mapped_column(String(45), default="")
    accepted_user_agent: Mapped[str] = mapped_column(String(500), default="")
    rejection_reason: Mapped[str] = mapped_column(String(1000), default="")
    # sha256 of the public link's token; the token itself is only in the email.
    public_token_hash: Mapped[str | None] = mapped_column(String(64))
    public_link_expires_at: Mapped[datetime | None]

    deal = tenant_relationship("Deal", "deal_id")
    lines = tenant_child_rows("QuoteLine", "quote_id")
    versions = tenant_collection("QuoteVersion", "quote_id", order_by="QuoteVersion.version", viewonly=True)

    @property
    def is_open(self) -> bool:
        return self.status in QuoteStatus.OPEN


class PricedLine:
    """The columns of a priced line (a quote's or an invoice's): a product or free text, priced;
    amounts are stored as computed by `app.crm.quotes.totals` so documents and reports read
    the same numbers."""

    position: Mapped[int] = mapped_column(Integer, default=0)
    product_id: Mapped[uuid.UUID | None]
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    unit: Mapped[str] = mapped_column(String(32), default="")
    unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    discount_kind: Mapped[str] = mapped_column(String(8), default=DiscountKind.NONE)
    discount_value: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=ZERO)
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=ZERO)
    recurring_interval: Mapped[str] = mapped_column(String(16), default="none")
    subtotal: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=ZERO)
    discount_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=ZERO)
    tax_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=ZERO)
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=ZERO)

    product = tenant_relationship("Product", "product_id")


def priced_line_table_args(table: str, parent_column: str, parent_table: str) -> tuple:
    return (
        tenant_foreign_key(parent_column, parent_table, ondelete="CASCADE"),
        tenant_foreign_key("product_id", "products"),
        Index(f"ix_{table}_tenant_parent", "tenant_id", parent_column, "position"),
        Index(f"ix_{table}_tenant_product", "tenant_id", "product_id"),
        CheckConstraint("quantity > 0", name=f"{table}_quantity_positive"),
        CheckConstraint("tax_rate >= 0 AND tax_rate <= 100", name=f"{table}_tax_rate_range"),
    )


class QuoteLine(PricedLine, TenantScoped, Base):
    __tablename__ = "quote_lines"
    __table_args__ = priced_line_table_args("quote_lines", "quote_id", "quotes")

    quote_id: Mapped[uuid.UUID] = mapped_column(sort_order=-5)


class QuoteVersion(TenantScoped, Timestamps, Base):
    """A quote as it was sent, kept when it is edited afterwards (the edit is the next version)."""

    __tablename__ = "quote_versions"
    __table_args__ = (
        tenant_foreign_key("quote_id", "quotes", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "quote_id", "version", name="uq_quote_versions_tenant_quote_version"),
    )

    quote_id: Mapped[uuid.UUID]
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    # The header fields, totals and lines of that version (see versions.snapshot()).
    snapshot: Mapped[dict] = mapped_column(JSONType, default=dict)


class QuoteSettings(TenantScoped, Timestamps, Base):
    """How this workspace numbers, words and follows up its quotes (one row per workspace)."""

    __tablename__ = "quote_settings"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_quote_settings_tenant"),)

    number_pattern: Mapped[str] = mapped_column(String(40), default="Q-{year}-{seq:04d}")
    invoice_number_pattern: Mapped[str] = mapped_column(String(40), default="INV-{year}-{seq:04d}")
    validity_days: Mapped[int] = mapped_column(Integer, default=30)
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=14)
    # A reminder task is made this many days before a subscription renews.
    renewal_reminder_days: Mapped[int] = mapped_column(Integer, default=14)
    default_terms: Mapped[str] = mapped_column(Text, default="")
    # The sender block of PDFs and the public page (the agency's postal address).
    sender_address: Mapped[str] = mapped_column(Text, default="")
    mark_deal_won_on_acceptance: Mapped[bool] = mapped_column(Boolean, default=True)


class DocumentSequence(TenantScoped, Base):
    """The next number of a kind of document (quotes, invoices) in a period (a year, or "all").

    Taken with a row lock held until the transaction ends, so concurrent senders wait for
    each other and a rolled-back send gives its number back: no gaps, no duplicates.
    """

    __tablename__ = "document_sequences"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "period", name="uq_document_sequences_tenant_kind"),)

    kind: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(8))
    next_value: Mapped[int] = mapped_column(Integer, default=1)
