"""Orders through the kit's services, plus the one way most are made: a quote's acceptance."""

from sqlalchemy import select

from app.core.extensions import db
from app.crm.orders.models import Order
from app.crm.orders.record import ORDERS
from app.crm.quotes.services import acting_owner
from app.records.services import create_record, record_services

get_order, load_order_for_page, create_order, update_order, delete_order, list_orders = record_services(ORDERS)

LINE_KEYS = (
    "product_id",
    "description",
    "quantity",
    "unit",
    "unit_price",
    "discount_kind",
    "discount_value",
    "tax_rate",
)


def line_input(line) -> dict:
    """A stored priced line (a quote's, an order's) as line-item input: the same description,
    price, discount and tax, so the copy's amounts equal the original's."""
    values = {key: getattr(line, key) for key in LINE_KEYS}
    if not values["discount_kind"]:
        values.pop("discount_value")
    return {key: str(value) for key, value in values.items() if value not in (None, "")}


def order_from_quote(quote, *, actor) -> Order:
    """The accepted quote's order: its customer, deal, currency, terms and lines (copied)."""
    existing = db.session.scalar(select(Order).where(Order.quote_id == quote.id))
    if existing is not None:
        return existing
    data = {
        "title": quote.title,
        "deal_id": quote.deal_id and str(quote.deal_id),
        "contact_id": quote.contact_id and str(quote.contact_id),
        "company_id": quote.company_id and str(quote.company_id),
        "currency": quote.currency,
        "terms": quote.terms,
        "owner_id": quote.owner_id and str(quote.owner_id),
        "lines": [line_input(line) for line in quote.lines],
    }
    order = create_record(ORDERS, {key: value for key, value in data.items() if value}, actor=actor)
    order.quote_id = quote.id
    db.session.flush()
    return order


def order_from_accepted_quote(event, quote) -> None:
    """In-transaction subscriber of `quote.accepted`: the customer's acceptance makes the order,
    on behalf of the quote's owner (no one is signed in on the public link)."""
    order_from_quote(quote, actor=acting_owner(quote))
