"""Orders through the kit's services, plus the one way most are made: a quote's acceptance."""

from sqlalchemy import select

from app.core.extensions import db
from app.crm.orders.models import Order
from app.crm.orders.record import ORDERS
from app.crm.quotes.copying import copy_input, copying_from
from app.crm.quotes.services import acting_owner
from app.records.services import create_record, record_services

get_order, load_order_for_page, create_order, update_order, delete_order, list_orders = record_services(ORDERS)


def order_from_quote(quote, *, actor) -> Order:
    """The accepted quote's order: its customer, deal, currency, terms and lines (copied)."""
    existing = db.session.scalar(select(Order).where(Order.quote_id == quote.id))
    if existing is not None:
        return existing
    data = copy_input(quote, deal_id=quote.deal_id, owner_id=quote.owner_id)
    with copying_from(quote):
        order = create_record(ORDERS, data, actor=actor)
    order.quote_id = quote.id
    db.session.flush()
    return order


def order_from_accepted_quote(event, quote) -> None:
    """In-transaction subscriber of `quote.accepted`: the customer's acceptance makes the order,
    on behalf of the quote's owner (no one is signed in on the public link)."""
    order_from_quote(quote, actor=acting_owner(quote))
