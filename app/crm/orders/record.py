"""Orders, declared once: made from an accepted quote (its customer, deal, currency and lines,
copied) or by hand; numbered from the same gap-free sequences as quotes and invoices when made;
open until fulfilled or cancelled. A numbered order is kept: it is cancelled, never deleted."""

from sqlalchemy.orm import joinedload

from app.core.types import utcnow
from app.crm.orders.models import Order, OrderLine, OrderStatus
from app.crm.quotes import priced_documents
from app.crm.quotes.documents import amount_text, document_lines
from app.crm.quotes.fields import LINE_KEYS, priced_document_fields
from app.crm.quotes.numbering import next_number
from app.records import fields as f
from app.records.normalize import workspace_today

# Orders are numbered like quotes and invoices, from their own gap-free sequence ("order").
ORDER_NUMBER_PATTERN = "SO-{year}-{seq:04d}"


class OrderType(priced_documents.PricedDocumentType):
    def locked(self, order, action):
        if action == "edit" and order.status == OrderStatus.CANCELLED:
            return "A cancelled order is kept as it was."
        if action == "delete":
            return "An order is kept for the books: cancel it instead of deleting it."
        return None

    def check(self, cleaned, context):
        super().check(cleaned, context)
        order = context.record
        if order is None:
            return
        # An issued invoice that is not void still bills what the order sold, as it was.
        billing = [invoice.number for invoice in order.invoices if invoice.number and invoice.voided_at is None]
        if not billing:
            return
        invoices = f"Invoice {billing[0]} bills" if len(billing) == 1 else f"Invoices {', '.join(billing)} bill"
        them = "it" if len(billing) == 1 else "them"
        if cleaned.get("status") == OrderStatus.CANCELLED and order.status != OrderStatus.CANCELLED:
            context.errors.add("status", f"{invoices} this order: void {them} before cancelling the order.")
        if "lines" in cleaned and _line_terms(cleaned["lines"]) != _line_terms(order.lines):
            context.errors.add(
                "lines", f"{invoices} this order as it is: void {them} before changing the order's lines."
            )

    def fill_in_new(self, order, cleaned):
        """A new order is numbered at once: it is made from an accepted quote, or by hand."""
        order.number = next_number("order", ORDER_NUMBER_PATTERN, workspace_today())
        super().fill_in_new(order, cleaned)

    def before_save(self, order, cleaned, context):
        if "status" in cleaned:
            now = utcnow()
            order.fulfilled_at = (order.fulfilled_at or now) if order.status == OrderStatus.FULFILLED else None
            order.cancelled_at = (order.cancelled_at or now) if order.status == OrderStatus.CANCELLED else None
        super().before_save(order, cleaned, context)

    def related(self, order):
        return priced_documents.linked_records(
            (
                ("quote", order.quote_id),
                ("deal", order.deal_id),
                ("contact", order.contact_id),
                ("company", order.company_id),
            )
        )


def _line_terms(lines) -> list[tuple]:
    """What a line sells and at what price (cleaned input or stored lines), to tell a change."""

    def value(line, key):
        return line[key] if isinstance(line, dict) else getattr(line, key)

    return [tuple(value(line, key) for key in LINE_KEYS) for line in lines]


def order_document(order) -> dict:
    """The order's lines and totals in the shape the quote document macro prints."""
    return {
        "number": order.number or "",
        "currency": order.currency,
        "lines": document_lines(order.lines, order.currency),
        "subtotal": amount_text(order.subtotal, order.currency),
        "discount_total": amount_text(order.discount_total, order.currency),
        "tax_total": amount_text(order.tax_total, order.currency),
        "total": amount_text(order.total, order.currency),
    }


def _lines_panel(record_type, order) -> dict:
    return {"order": order, "document": order_document(order)}


ORDERS = OrderType(
    name="order",
    model=Order,
    icon="bag-check",
    title="display_title",
    nav_order=66,
    description="What customers bought: made when a quote is accepted, then invoiced and fulfilled.",
    example_title="Website redesign",
    lines_panel=_lines_panel,
    tab_on=("quote", "deal", "contact", "company"),
    tab_order=42,
    fields=[
        *priced_documents.title_and_number_fields(),
        priced_documents.status_field(OrderStatus, OrderStatus.OPEN),
        f.Reference("quote_id", "Quote", to="quote", relation="quote", read_only=True, filter=True),
        f.Reference("deal_id", "Deal", to="deal", relation="deal", filter=True, search=True),
        *priced_documents.customer_fields(),
        priced_documents.currency_field(),
        *priced_document_fields(OrderLine),
        f.DateTimeField("fulfilled_at", "Fulfilled", read_only=True, hide_empty=True),
        f.DateTimeField("cancelled_at", "Cancelled", read_only=True, hide_empty=True),
    ],
    load={
        "list": lambda: [joinedload(Order.contact), joinedload(Order.company)],
    },
    empty_text="No orders yet: accepting a quote makes its order.",
)
