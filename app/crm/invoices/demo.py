"""Demo invoices for `seed-demo`: the accepted quote's order (made by the acceptance) invoiced,
sent by email and half paid today, and a smaller job of last month invoiced and paid by card a
week later, so the quote → order → invoice chain, lifetime value and payments show on the
customers' pages on the days they happened."""

from datetime import timedelta

from sqlalchemy import select

from app.auth.demo_team import get_demo_owner
from app.core.extensions import db
from app.core.types import clock_set_to, utcnow
from app.crm.invoices.models import Invoice
from app.crm.invoices.services import create_invoice, invoice_from_order, issue_invoice, record_payment, send_invoice
from app.crm.orders.models import Order
from app.crm.quotes.models import Quote, QuoteStatus
from app.crm.quotes.sending import default_recipient
from app.records.normalize import workspace_today


def seed_invoices_demo(tenant) -> None:
    owner = get_demo_owner(unless_seeded=Invoice)
    if owner is None:
        return
    accepted = db.session.scalar(select(Quote).where(Quote.status == QuoteStatus.ACCEPTED).order_by(Quote.created_at))
    order = accepted and db.session.scalar(select(Order).where(Order.quote_id == accepted.id))
    if order is None:
        return
    # Last month's first, so that the invoice numbers follow the dates.
    now = utcnow()
    with clock_set_to(now - timedelta(days=38)):
        earlier = create_invoice(
            {
                "title": "Website audit",
                "contact_id": str(accepted.contact_id) if accepted.contact_id else None,
                "company_id": str(accepted.company_id) if accepted.company_id else None,
                "currency": accepted.currency,
                "lines": [{"description": "Website audit", "quantity": "1", "unit_price": "1200.00", "tax_rate": "20"}],
            },
            actor=owner,
        )
        issue_invoice(earlier, actor=owner)
    with clock_set_to(now - timedelta(days=31)):
        record_payment(
            earlier,
            {"amount": str(earlier.total), "paid_on": workspace_today().isoformat(), "method": "card"},
            actor=owner,
        )
    invoice = invoice_from_order(order, actor=owner)
    recipient = default_recipient(accepted)
    if recipient:
        send_invoice(invoice, {"to": recipient, "message": "Thank you for your order."}, actor=owner)
    else:
        issue_invoice(invoice, actor=owner)
    half = (invoice.total / 2).quantize(invoice.total)
    record_payment(
        invoice,
        {
            "amount": str(half),
            "paid_on": workspace_today().isoformat(),
            "method": "bank_transfer",
            "reference": "50 % on acceptance",
        },
        actor=owner,
    )
    db.session.flush()
