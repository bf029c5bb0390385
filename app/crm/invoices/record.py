"""Invoices, declared once: customer, currency, due date, line items and terms; number,
status, issue date, totals and what was paid are the invoice's own, never typed in. Only a
draft can be changed; an issued invoice is corrected by voiding it."""

from flask import g
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.core.extensions import db
from app.core.models import tenant_join
from app.crm.invoices.documents import invoice_document
from app.crm.invoices.models import Invoice, InvoiceLine, InvoiceStatus, Payment, PaymentMethod
from app.crm.orders.models import Order, OrderStatus
from app.crm.quotes import priced_documents
from app.crm.quotes.fields import priced_document_fields
from app.crm.quotes.totals import ZERO
from app.records import fields as f
from app.records.capabilities import Panel
from app.records.normalize import workspace_today


class InvoiceType(priced_documents.PricedDocumentType):
    def locked(self, invoice, action):
        # Voiding is advised only where it is allowed: not once paid in part, nor twice.
        if invoice.status == InvoiceStatus.VOID:
            reasons = ("A void invoice cannot be changed.", "A void invoice is kept for the books.")
        elif invoice.amount_paid > 0:
            reasons = ("An invoice with payments cannot be changed.", "An invoice with payments is kept for the books.")
        else:
            reasons = (
                "An issued invoice cannot be changed: void it and issue a corrected one.",
                "A numbered invoice is kept for the books: void it instead of deleting it.",
            )
        if action == "edit" and invoice.status != InvoiceStatus.DRAFT:
            return reasons[0]
        if action == "delete" and invoice.number:
            return reasons[1]
        return None

    def related(self, invoice):
        return priced_documents.linked_records(
            (
                ("contact", invoice.contact_id),
                ("company", invoice.company_id),
                ("quote", invoice.quote_id),
                ("order", invoice.order_id),
            )
        )


def _lifetime_value(column):
    """Paid invoices of a contact or company, per currency (one query)."""

    def load(record_type, record) -> dict:
        rows = db.session.execute(
            select(Invoice.currency, func.coalesce(func.sum(Payment.amount), ZERO))
            .join(Payment, tenant_join(Payment.invoice_id, Invoice.id))
            .where(column == record.id, Invoice.status != InvoiceStatus.VOID)
            .group_by(Invoice.currency)
            .order_by(Invoice.currency)
        ).all()
        return {"values": [(currency, amount) for currency, amount in rows]}

    return load


def _invoices_made_from(column):
    """The panel of the invoices made from a quote or an order (`column` points at it), oldest
    first; the template gets the quote or order under its own name ("quote", "order"), and how
    much of it the invoices that are not void already bill, so a second invoice of a document
    billed in full is asked about before it is made."""
    name = column.key.removesuffix("_id")

    def load(record_type, record) -> dict:
        invoices = list(db.session.scalars(select(Invoice).where(column == record.id).order_by(Invoice.created_at)))
        invoiced = sum((item.total for item in invoices if item.status != InvoiceStatus.VOID), ZERO)
        # A quote whose order was cancelled is not invoiced (the sale fell through): say so.
        cancelled_order = (
            db.session.scalar(
                select(Order.number).where(Order.quote_id == record.id, Order.status == OrderStatus.CANCELLED)
            )
            if name == "quote"
            else None
        )
        return {
            name: record,
            "cancelled_order": cancelled_order,
            "invoices": invoices,
            "invoiced": invoiced,
            "invoiced_in_full": bool(invoices) and invoiced >= record.total,
        }

    return load


def _lines_panel(record_type, invoice) -> dict:
    return {"invoice": invoice, "document": invoice_document(invoice)}


def _payments_panel(record_type, invoice) -> dict:
    return {
        "invoice": invoice,
        "methods": PaymentMethod.LABELS,
        "today": workspace_today(),
        # A refused payment's messages and input (set by the view that refused it).
        "errors": g.get("payment_errors") or {},
        "submitted": g.get("payment_input") or {},
    }


def lifetime_value_panel(column) -> Panel:
    return Panel("lifetime_value", "crm/invoices/_lifetime_value.html", _lifetime_value(column), order=20)


INVOICES = InvoiceType(
    name="invoice",
    model=Invoice,
    icon="receipt",
    title="display_title",
    nav_order=67,
    description="Invoices from accepted quotes or on their own: numbered when issued, paid in payments.",
    example_title="Design sprint",
    lines_panel=_lines_panel,
    tab_on=("contact", "company"),
    tab_order=45,
    fields=[
        *priced_documents.title_and_number_fields(),
        priced_documents.status_field(InvoiceStatus, InvoiceStatus.DRAFT, read_only=True),
        *priced_documents.customer_fields(),
        f.Reference("quote_id", "Quote", to="quote", relation="quote", read_only=True, filter=True),
        f.Reference("order_id", "Order", to="order", relation="order", read_only=True, filter=True),
        priced_documents.currency_field(),
        f.DateField("issue_date", "Issued", read_only=True, filter=True),
        f.DateField(
            "due_date",
            "Due",
            filter=True,
            list=True,
            help="Empty: the payment terms from the settings, counted from issue",
        ),
        *priced_document_fields(InvoiceLine),
        f.Money("amount_paid", "Paid", read_only=True, list=True, exact=True),
        f.Email("recipient_email", "Sent to", read_only=True, hide_empty=True),
        f.DateTimeField("sent_at", "Sent", read_only=True, hide_empty=True),
        f.DateTimeField("paid_at", "Paid in full", read_only=True, detail=False),
        f.DateTimeField("voided_at", "Voided", read_only=True, detail=False),
    ],
    panels=[Panel("payments", "crm/invoices/_payments_panel.html", _payments_panel, order=1)],
    load={
        "detail": lambda: [selectinload(Invoice.payments)],
    },
    contributes=[
        ("contact", lifetime_value_panel(Invoice.contact_id)),
        ("company", lifetime_value_panel(Invoice.company_id)),
        ("quote", Panel("invoices", "crm/invoices/_quote_panel.html", _invoices_made_from(Invoice.quote_id), order=5)),
        ("order", Panel("invoices", "crm/invoices/_order_panel.html", _invoices_made_from(Invoice.order_id), order=5)),
    ],
    empty_text="No invoices yet: invoice an accepted quote, or start one here.",
)
