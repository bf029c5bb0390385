"""A payment recorded by mistake is removed (by those who may delete invoices): the invoice's
paid amount and status are worked out again, the removal is audited and on the timeline, and
it is all or nothing; on the invoice's page (behind a confirmation) and in the API."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.core.extensions import db
from app.crm.invoices.models import Invoice, InvoiceStatus, Payment
from tests.conftest import in_tenant
from tests.crm.quotes.factories import issue_invoice_now, make_invoice


def _pay(client, invoice_id, amount):
    today = date.today().isoformat()
    assert client.post(f"/invoices/{invoice_id}/payments", data={"amount": amount, "paid_on": today}).status_code == 302


def _state(app, tenant, invoice_id):
    with in_tenant(app, tenant.id):
        invoice = db.session.get(Invoice, (tenant.id, invoice_id))
        payments = [payment.id for payment in db.session.scalars(select(Payment).order_by(Payment.created_at))]
        return invoice.status, invoice.amount_paid, invoice.paid_at, payments


def test_a_mistaken_payment_is_removed_on_the_page(app, tenant_a, client_for):
    invoice_id = make_invoice(app, tenant_a)
    issue_invoice_now(app, tenant_a, invoice_id)
    client = client_for(tenant_a)
    _pay(client, invoice_id, "3600.00")
    status, paid, _, (payment_id,) = _state(app, tenant_a, invoice_id)
    assert (status, paid) == (InvoiceStatus.PAID, Decimal("3600.00"))
    page = client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert f"/invoices/{invoice_id}/payments/{payment_id}/delete" in page
    assert "Remove this payment of USD 3,600.00" in page  # the confirmation
    # with its date as the page writes it, not ISO: "received 07 Dec 2026?", not "received 2026-12-07?"
    assert f"received {date.today():%d %b %Y}?" in page
    assert 'data-testid="remove-payment"' not in client_for(tenant_a, role="sales").get(
        f"/invoices/{invoice_id}"
    ).get_data(as_text=True)
    done = client.post(f"/invoices/{invoice_id}/payments/{payment_id}/delete", follow_redirects=True)
    assert "Payment of USD 3,600.00 removed." in done.get_data(as_text=True)
    assert f"Payment of USD 3,600.00 of {date.today():%d %b %Y} removed" in done.get_data(as_text=True)
    assert _state(app, tenant_a, invoice_id) == (InvoiceStatus.ISSUED, Decimal("0.00"), None, [])
    with in_tenant(app, tenant_a.id):
        audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "invoice.payment_removed"))
        assert audit is not None


def test_removing_one_of_two_payments_leaves_it_partly_paid_or_overdue(app, tenant_a, client_for, api_client_for):
    invoice_id = make_invoice(app, tenant_a)
    issue_invoice_now(app, tenant_a, invoice_id)
    client = client_for(tenant_a)
    _pay(client, invoice_id, "1000.00")
    _pay(client, invoice_id, "2600.00")
    _, _, _, (first, second) = _state(app, tenant_a, invoice_id)
    api = api_client_for(tenant_a)
    assert api.delete(f"/api/v1/invoices/{invoice_id}/payments/{second}").status_code == 204
    status, paid, _, payments = _state(app, tenant_a, invoice_id)
    assert (status, paid, payments) == (InvoiceStatus.PARTIALLY_PAID, Decimal("1000.00"), [first])
    assert api.delete(f"/api/v1/invoices/{invoice_id}/payments/{second}").status_code == 404
    with in_tenant(app, tenant_a.id):
        db.session.get(Invoice, (tenant_a.id, invoice_id)).due_date = date.today() - timedelta(days=1)
    assert api.delete(f"/api/v1/invoices/{invoice_id}/payments/{first}").status_code == 204
    assert _state(app, tenant_a, invoice_id)[:2] == (InvoiceStatus.OVERDUE, Decimal("0.00"))


def test_a_payment_of_another_invoice_or_by_a_seller_is_not_removed(app, tenant_a, client_for, api_client_for):
    invoice_id, other_id = make_invoice(app, tenant_a), make_invoice(app, tenant_a)
    for item in (invoice_id, other_id):
        issue_invoice_now(app, tenant_a, item)
    _pay(client_for(tenant_a), invoice_id, "100.00")
    payment_id = _state(app, tenant_a, invoice_id)[3][0]
    api = api_client_for(tenant_a)
    assert api.delete(f"/api/v1/invoices/{other_id}/payments/{payment_id}").status_code == 404
    seller = client_for(tenant_a, role="sales")
    assert seller.post(f"/invoices/{invoice_id}/payments/{payment_id}/delete").status_code == 403
    assert (
        api_client_for(tenant_a, role="sales")
        .delete(f"/api/v1/invoices/{invoice_id}/payments/{payment_id}")
        .status_code
        == 403
    )
    assert _state(app, tenant_a, invoice_id)[1] == Decimal("100.00")


def test_voiding_a_paid_invoice_says_how_to_undo_its_payments(app, tenant_a):
    """The refusal stopped at "cannot be voided" now that a payment recorded by mistake can be
    removed."""
    from app.core.errors import Conflict
    from app.crm.invoices.models import Invoice
    from app.crm.invoices.services import void_invoice
    from tests.crm.factories import _owner
    from tests.crm.quotes.factories import invoice_payment

    ids = invoice_payment(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        invoice = db.session.get(Invoice, (tenant_a.id, ids["invoice_id"]))
        with pytest.raises(Conflict, match="remove its payments first"):
            void_invoice(invoice, actor=_owner(tenant_a))
