"""Factories for products and quotes (the generated cross-tenant test and the quote tests)."""

import uuid

from app.core.extensions import db
from tests.conftest import in_tenant
from tests.crm.factories import _owner, create, make_contact
from tests.factories import arg_factory, endpoint_factory


@arg_factory("product_id")
def make_product(app, tenant, **data):
    from app.crm.products.services import create_product

    spec = {"name": "Website audit", "sku": f"AUD-{uuid.uuid4().hex[:6]}", "unit_price": "1200.00", "tax_rate": "20"}
    return create(app, tenant, create_product, {"currency": "USD", **spec, **data})


@arg_factory("quote_id")
def make_quote(app, tenant, **data):
    from app.crm.quotes.services import create_quote

    lines = data.pop("lines", None) or [
        {"description": "Design sprint", "quantity": "2", "unit_price": "1500.00", "tax_rate": "20"},
        {
            "description": "Copywriting",
            "quantity": "1",
            "unit_price": "800.00",
            "discount_kind": "percent",
            "discount_value": "10",
        },
    ]
    if "contact_id" not in data:
        data["contact_id"] = str(
            make_contact(app, tenant, emails=[{"email": f"buyer.{uuid.uuid4().hex[:6]}@example.com"}])
        )
    return create(app, tenant, create_quote, {"title": "Website redesign", "currency": "USD", "lines": lines, **data})


def send_quote_now(app, tenant, quote_id, to="buyer@example.com") -> str:
    """Send the quote as the owner; returns the public link's token."""
    from app.crm.quotes.models import Quote
    from app.crm.quotes.services import send_quote

    with app.test_request_context(base_url=tenant.base_url), in_tenant(app, tenant.id):
        quote = db.session.get(Quote, (tenant.id, quote_id))
        link = send_quote(quote, {"to": to}, actor=_owner(tenant))
    return link.rsplit("/q/", 1)[1]


@endpoint_factory("quotes.version")
def quote_version(app, tenant):
    from app.crm.quotes.models import Quote
    from app.crm.quotes.services import update_quote

    quote_id = make_quote(app, tenant)
    send_quote_now(app, tenant, quote_id)
    with in_tenant(app, tenant.id):
        quote = db.session.get(Quote, (tenant.id, quote_id))
        update_quote(quote, {"title": "Website redesign, phase 2"}, actor=_owner(tenant))
    return {"quote_id": quote_id, "version": 1}


@arg_factory("invoice_id")
def make_invoice(app, tenant, **data):
    from app.crm.invoices.services import create_invoice

    lines = data.pop("lines", None) or [
        {"description": "Design sprint", "quantity": "2", "unit_price": "1500.00", "tax_rate": "20"},
    ]
    if "contact_id" not in data:
        data["contact_id"] = str(make_contact(app, tenant))
    return create(app, tenant, create_invoice, {"title": "Design work", "currency": "USD", "lines": lines, **data})


def issue_invoice_now(app, tenant, invoice_id):
    from app.crm.invoices.models import Invoice
    from app.crm.invoices.services import issue_invoice

    with in_tenant(app, tenant.id):
        invoice = db.session.get(Invoice, (tenant.id, invoice_id))
        issue_invoice(invoice, actor=_owner(tenant))
        return invoice.number


@endpoint_factory("api_invoices.get_payment")
@endpoint_factory("api_invoices.delete_payment")
@endpoint_factory("invoices.remove_payment")
def invoice_payment(app, tenant):
    from datetime import date

    from app.crm.invoices.models import Invoice
    from app.crm.invoices.services import record_payment

    invoice_id = make_invoice(app, tenant)
    issue_invoice_now(app, tenant, invoice_id)
    with in_tenant(app, tenant.id):
        invoice = db.session.get(Invoice, (tenant.id, invoice_id))
        payment = record_payment(invoice, {"amount": "100.00", "paid_on": date.today()}, actor=_owner(tenant))
        return {"invoice_id": invoice_id, "payment_id": payment.id}


def accept_quote_now(app, tenant, quote_id, name="Bo Buyer"):
    """Send the quote and accept it as the customer would (the public link's service)."""
    from app.crm.quotes.models import Quote
    from app.crm.quotes.services import accept_quote

    send_quote_now(app, tenant, quote_id)
    with in_tenant(app, tenant.id):
        quote = db.session.get(Quote, (tenant.id, quote_id))
        accept_quote(quote, {"name": name, "consent": True}, ip="203.0.113.9", user_agent="pytest")


@arg_factory("order_id")
def make_order(app, tenant, **data):
    """An order as accepting a quote makes it (the quote's lines, copied)."""
    from sqlalchemy import select

    from app.crm.orders.models import Order

    quote_id = make_quote(app, tenant, **data)
    accept_quote_now(app, tenant, quote_id)
    with in_tenant(app, tenant.id):
        return db.session.scalar(select(Order.id).where(Order.quote_id == quote_id))
