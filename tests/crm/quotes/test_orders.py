"""Orders: accepting a quote makes one (its lines and totals, a gap-free number), once;
an order is invoiced from its page and the API; invoices are sent by email."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.core.errors import Conflict
from app.core.extensions import db
from app.crm.invoices.models import Invoice, InvoiceStatus
from app.crm.orders.models import Order, OrderStatus
from app.crm.quotes.models import Quote
from app.messaging.models import DevMailboxMessage, OutboxMessage
from tests.conftest import deliver_outbox, in_tenant, on_platform
from tests.crm.quotes.factories import (
    accept_quote_now,
    issue_invoice_now,
    make_invoice,
    make_order,
    make_quote,
    send_quote_now,
)

LINE_COLUMNS = ("description", "quantity", "unit_price", "discount_kind", "discount_value", "tax_rate", "total")


def _lines(parent) -> list[tuple]:
    return [tuple(getattr(line, column) for column in LINE_COLUMNS) for line in parent.lines]


def _totals(parent) -> tuple:
    return parent.subtotal, parent.discount_total, parent.tax_total, parent.total


def test_accepting_a_quote_makes_its_order_with_the_quotes_lines_and_totals(app, tenant_a, client_for):
    quote_id = make_quote(app, tenant_a)
    token = send_quote_now(app, tenant_a, quote_id)
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(Order)) is None  # sending makes no order
    accepted = client_for(tenant_a, role=None).post(f"/q/{token}/accept", data={"name": "Bo Buyer", "consent": "y"})
    assert accepted.status_code == 302
    with in_tenant(app, tenant_a.id):
        quote = db.session.get(Quote, (tenant_a.id, quote_id))
        order = db.session.scalar(select(Order))
        assert order.quote_id == quote.id
        assert (order.contact_id, order.company_id, order.owner_id) == (
            quote.contact_id,
            quote.company_id,
            quote.owner_id,
        )
        assert order.status == OrderStatus.OPEN
        assert order.number == f"SO-{order.created_at.year}-0001"
        assert order.currency == quote.currency == "USD"
        assert _lines(order) == _lines(quote)
        assert _totals(order) == _totals(quote)
        assert order.total == Decimal("4320.00")
        order_id, number = order.id, order.number
    page = client_for(tenant_a).get(f"/orders/{order_id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert number in body
    assert "Design sprint" in body
    assert 'data-testid="invoice-order"' in body
    # The quote's page lists its order.
    assert number in client_for(tenant_a).get(f"/quotes/{quote_id}?tab=orders").get_data(as_text=True)


def test_a_quote_is_accepted_once_and_has_one_order(app, tenant_a):
    quote_id = make_quote(app, tenant_a)
    accept_quote_now(app, tenant_a, quote_id)
    from app.crm.quotes.services import accept_quote

    with in_tenant(app, tenant_a.id):
        quote = db.session.get(Quote, (tenant_a.id, quote_id))
        with pytest.raises(Conflict):
            accept_quote(quote, {"name": "Someone Else", "consent": True}, ip="", user_agent="")
        assert quote.accepted_name == "Bo Buyer"
        assert db.session.scalar(select(func.count()).select_from(Order)) == 1


def test_orders_are_numbered_without_gaps_and_kept(app, tenant_a, client_for):
    first, second = make_order(app, tenant_a), make_order(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        numbers = [db.session.get(Order, (tenant_a.id, order_id)).number for order_id in (first, second)]
    assert [number.rsplit("-", 1)[1] for number in numbers] == ["0001", "0002"]
    client = client_for(tenant_a)
    # Locked: refused, and said on its page.
    assert client.post(f"/orders/{first}/delete").headers["Location"].endswith(f"/orders/{first}")
    assert (
        client.post(f"/orders/{first}/edit", data={"title": "Website redesign", "status": "fulfilled"}).status_code
        == 302
    )
    with in_tenant(app, tenant_a.id):
        order = db.session.get(Order, (tenant_a.id, first))
        assert order.status == OrderStatus.FULFILLED
        assert order.fulfilled_at is not None


def test_an_order_becomes_a_draft_invoice_from_its_page(app, tenant_a, client_for):
    order_id = make_order(app, tenant_a)
    client = client_for(tenant_a)
    response = client.post(f"/orders/{order_id}/invoice")
    assert response.status_code == 302
    with in_tenant(app, tenant_a.id):
        order = db.session.get(Order, (tenant_a.id, order_id))
        invoice = db.session.scalar(select(Invoice))
        assert response.headers["Location"].endswith(f"/invoices/{invoice.id}")
        assert (invoice.order_id, invoice.quote_id) == (order.id, order.quote_id)
        assert (invoice.status, invoice.number, invoice.contact_id) == (InvoiceStatus.DRAFT, None, order.contact_id)
        assert _lines(invoice) == _lines(order)
        assert _totals(invoice) == _totals(order)
        number, invoice_id = order.number, invoice.id
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Invoice again" in page
    # Billed in full by the draft: a second invoice of it is asked about first.
    assert "Invoiced USD 4,320.00 of USD 4,320.00" in page
    assert "This order is already invoiced in full (USD 4,320.00). Make another draft invoice of it?" in page
    assert number in client.get(f"/invoices/{invoice_id}").get_data(as_text=True)


def test_invoicing_the_accepted_quote_bills_its_order(app, tenant_a, client_for):
    """The acceptance made the order: an invoice made from the quote bills that order too, so
    the order's panel counts it and asks before a second invoice (it offered a plain "Create
    invoice", a double bill)."""
    order_id = make_order(app, tenant_a)
    client = client_for(tenant_a)
    with in_tenant(app, tenant_a.id):
        quote_id = db.session.get(Order, (tenant_a.id, order_id)).quote_id
    assert client.post(f"/quotes/{quote_id}/invoice").status_code == 302
    with in_tenant(app, tenant_a.id):
        invoice = db.session.scalar(select(Invoice))
        assert (invoice.quote_id, invoice.order_id) == (quote_id, order_id)
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Invoiced USD 4,320.00 of USD 4,320.00" in page
    assert "This order is already invoiced in full (USD 4,320.00). Make another draft invoice of it?" in page


def test_a_void_invoice_does_not_count_as_invoicing_the_order(app, tenant_a, client_for):
    order_id = make_order(app, tenant_a)
    client = client_for(tenant_a)
    invoice_url = client.post(f"/orders/{order_id}/invoice").headers["Location"]
    assert client.post(f"{invoice_url}/issue").status_code == 302
    assert client.post(f"{invoice_url}/void").status_code == 302
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Invoiced USD 0.00 of USD 4,320.00" in page
    assert "already invoiced in full" not in page


def test_invoicing_an_order_through_the_api(app, tenant_a, api_client_for, client_for):
    order_id = make_order(app, tenant_a)
    api = api_client_for(tenant_a)
    listed = api.get("/api/v1/orders")
    assert listed.status_code == 200
    assert [item["id"] for item in listed.get_json()["items"]] == [str(order_id)]
    created = api.post(f"/api/v1/invoices/from-order/{order_id}")
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["order_id"], body["status"], body["total"]) == (str(order_id), "draft", "4320.00")
    assert created.headers["Location"].endswith(f"/api/v1/invoices/{body['id']}")
    assert api.get(created.headers["Location"]).get_json()["id"] == body["id"]
    # A cancelled order is not invoiced.
    client_for(tenant_a).post(f"/orders/{order_id}/edit", data={"title": "Website redesign", "status": "cancelled"})
    assert api.post(f"/api/v1/invoices/from-order/{order_id}").status_code == 409


def _mail_to(app, address):
    deliver_outbox(app)  # the scheduler's outbox.deliver job: the request only queued it
    with on_platform(app):
        rows = db.session.scalars(select(DevMailboxMessage).where(DevMailboxMessage.to_address == address)).all()
        return [{"subject": row.subject, "text": row.text_body} for row in rows]


def test_sending_an_invoice_emails_it_with_its_pdf_and_marks_it_sent(app, tenant_a, client_for):
    invoice_id = make_invoice(app, tenant_a)
    issue_invoice_now(app, tenant_a, invoice_id)
    client = client_for(tenant_a)
    page = client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert 'data-testid="send-invoice"' in page
    assert client.get(f"/invoices/{invoice_id}/send").status_code == 200
    bad = client.post(f"/invoices/{invoice_id}/send", data={"to": "not an address"})
    assert bad.status_code == 422
    sent = client.post(f"/invoices/{invoice_id}/send", data={"to": "Payables@Example.com", "message": "Thanks!"})
    assert sent.status_code == 302
    with in_tenant(app, tenant_a.id):
        invoice = db.session.get(Invoice, (tenant_a.id, invoice_id))
        assert (invoice.status, invoice.recipient_email) == (InvoiceStatus.SENT, "payables@example.com")
        assert invoice.sent_at is not None
        number, issued_on = invoice.number, invoice.issue_date.isoformat()
        [outbox] = db.session.scalars(select(OutboxMessage)).all()
        [attachment] = outbox.payload["attachments"]
        assert (attachment["filename"], attachment["content_type"]) == (f"{number}.pdf", "application/pdf")
    [mail] = _mail_to(app, "payables@example.com")
    assert mail["subject"].startswith(f"Invoice {number} from ")
    assert "Thanks!" in mail["text"]
    assert "USD 3,600.00" in mail["text"]
    # A sent invoice is still payable.
    client.post(f"/invoices/{invoice_id}/payments", data={"amount": "3600.00", "paid_on": issued_on})
    with in_tenant(app, tenant_a.id):
        assert db.session.get(Invoice, (tenant_a.id, invoice_id)).status == InvoiceStatus.PAID
    # A paid invoice is not sent again, and its page offers no Send button.
    assert 'data-testid="send-invoice"' not in client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    client.post(f"/invoices/{invoice_id}/send", data={"to": "payables@example.com"})
    assert len(_mail_to(app, "payables@example.com")) == 1


def test_only_editors_see_and_use_send(app, tenant_a, client_for):
    invoice_id = make_invoice(app, tenant_a)
    reader = client_for(tenant_a, role="viewer")
    assert 'data-testid="send-invoice"' not in reader.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert reader.post(f"/invoices/{invoice_id}/send", data={"to": "a@example.com"}).status_code == 403


def test_sending_a_draft_through_the_api_issues_it(app, tenant_a, api_client_for):
    invoice_id = make_invoice(app, tenant_a)
    api = api_client_for(tenant_a)
    assert api.post(f"/api/v1/invoices/{invoice_id}/send", json={}).status_code == 422
    sent = api.post(f"/api/v1/invoices/{invoice_id}/send", json={"to": "ap@example.com"})
    assert sent.status_code == 200, sent.get_json()
    body = sent.get_json()
    assert body["status"] == "sent"
    assert body["number"].startswith("INV-")
    assert len(_mail_to(app, "ap@example.com")) == 1


def test_the_demo_shows_an_accepted_quote_with_its_order_and_invoice(app, make_tenant):
    from app.crm.deals.demo import seed_deals_demo
    from app.crm.demo import seed_crm_demo
    from app.crm.invoices.demo import seed_invoices_demo
    from app.crm.quotes.demo import seed_quotes_demo
    from app.crm.quotes.models import QuoteStatus
    from app.tenants.models import Tenant

    tenant = make_tenant("acme", roles=("owner", "sales"))
    with in_tenant(app, tenant.id):
        row = db.session.get(Tenant, tenant.id)
        for seed in (seed_crm_demo, seed_deals_demo, seed_quotes_demo, seed_invoices_demo):
            seed(row)
        accepted = db.session.scalar(select(Quote).where(Quote.status == QuoteStatus.ACCEPTED))
        order = db.session.scalar(select(Order).where(Order.quote_id == accepted.id))
        assert _lines(order) == _lines(accepted)
        invoice = db.session.scalar(select(Invoice).where(Invoice.order_id == order.id))
        assert invoice.status == InvoiceStatus.PARTIALLY_PAID
        assert invoice.sent_at is not None
        assert invoice.total == order.total
        # Quote pages and PDFs print the workspace's name above the sender's address.
        from app.crm.quotes.settings import get_quote_settings

        assert row.name not in get_quote_settings().sender_address
        for paid in db.session.scalars(select(Invoice).where(Invoice.amount_paid > 0)):
            assert all(payment.paid_on >= paid.issue_date for payment in paid.payments), paid.title
        # Each quote's life took days, in order, and the numbers follow the days they were sent.
        numbered = db.session.scalars(select(Quote).where(Quote.number.is_not(None)).order_by(Quote.number)).all()
        assert [quote.sent_at for quote in numbered if quote.sent_at] == sorted(
            quote.sent_at for quote in numbered if quote.sent_at
        )
        assert accepted.created_at < accepted.sent_at < accepted.viewed_at < accepted.accepted_at
        assert accepted.accepted_at - accepted.sent_at > timedelta(days=3)
        # Last month's audit was invoiced and paid last month; the invoice numbers follow the dates.
        invoices = db.session.scalars(select(Invoice).order_by(Invoice.number)).all()
        assert [item.issue_date for item in invoices] == sorted(item.issue_date for item in invoices)
        audit = next(item for item in invoices if item.title == "Website audit")
        assert audit.status == InvoiceStatus.PAID
        assert audit.issue_date < audit.payments[0].paid_on < invoice.issue_date - timedelta(days=20)


def test_an_invoice_emailed_without_a_pdf_lists_its_lines_with_their_units(app, tenant_a, client_for, set_tenant):
    """Without the PDF (a plan without quote_pdf) the email lists the lines, as the invoice's
    page reads them: "2 days × Design sprint", not "2 × Design sprint"."""
    line = {"description": "Design sprint", "quantity": "2", "unit": "day", "unit_price": "1500.00", "tax_rate": "20"}
    invoice_id = make_invoice(app, tenant_a, lines=[line])
    set_tenant(tenant_a, plan="free")
    assert client_for(tenant_a).post(f"/invoices/{invoice_id}/send", data={"to": "ap@example.com"}).status_code == 302
    [mail] = _mail_to(app, "ap@example.com")
    assert "- 2 days × Design sprint: USD 3,600.00" in mail["text"]


def test_a_sent_invoice_past_its_due_date_becomes_overdue(app, tenant_a, api_client_for):
    from datetime import date, timedelta

    from app.crm.invoices.services import mark_overdue_invoices

    invoice_id = make_invoice(app, tenant_a)
    assert (
        api_client_for(tenant_a).post(f"/api/v1/invoices/{invoice_id}/send", json={"to": "ap@example.com"}).status_code
        == 200
    )
    with in_tenant(app, tenant_a.id):
        invoice = db.session.get(Invoice, (tenant_a.id, invoice_id))
        invoice.due_date = date.today() - timedelta(days=1)
        assert mark_overdue_invoices() == 1
        assert invoice.status == InvoiceStatus.OVERDUE


def test_order_pages_list_and_make_one_by_hand(app, tenant_a, client_for):
    order_id = make_order(app, tenant_a)
    client = client_for(tenant_a)
    listing = client.get("/orders")
    assert listing.status_code == 200
    assert str(order_id) in listing.get_data(as_text=True)
    assert client.get("/orders/new").status_code == 200
    created = client.post(
        "/orders/new",
        data={
            "title": "Hosting renewal",
            "line_description": ["Managed hosting"],
            "line_quantity": ["1"],
            "line_unit_price": ["2400.00"],
            "line_tax_rate": ["20"],
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)[:500]
    with in_tenant(app, tenant_a.id):
        order = db.session.scalar(select(Order).where(Order.title == "Hosting renewal"))
        assert order.total == Decimal("2880.00")
        assert order.number.endswith("-0002")
        assert order.quote_id is None


def test_an_order_billed_by_an_issued_invoice_is_not_cancelled(app, tenant_a, client_for, api_client_for):
    """Cancelling an order an issued invoice bills left the books saying the customer owes for
    something never delivered: the invoice is voided first, then the order can be cancelled."""
    order_id = make_order(app, tenant_a)
    client = client_for(tenant_a)
    invoice_url = client.post(f"/orders/{order_id}/invoice").headers["Location"]
    assert client.post(f"{invoice_url}/issue").status_code == 302
    with in_tenant(app, tenant_a.id):
        number = db.session.scalar(select(Invoice.number))
    page = client.post(f"/orders/{order_id}/edit", data={"title": "Website redesign", "status": "cancelled"})
    assert page.status_code == 422
    assert f"Invoice {number} bills this order: void it before cancelling the order." in page.get_data(as_text=True)
    api = api_client_for(tenant_a).patch(f"/api/v1/orders/{order_id}", json={"status": "cancelled"})
    assert api.status_code == 422
    assert "status" in api.get_json()["error"]["details"]
    with in_tenant(app, tenant_a.id):
        assert db.session.get(Order, (tenant_a.id, order_id)).status == OrderStatus.OPEN
    assert client.post(f"{invoice_url}/void").status_code == 302
    api = api_client_for(tenant_a).patch(f"/api/v1/orders/{order_id}", json={"status": "cancelled"})
    assert api.status_code == 200
    assert api.get_json()["status"] == "cancelled"


def test_a_draft_invoice_of_a_cancelled_order_is_not_issued(app, tenant_a, client_for, api_client_for):
    order_id = make_order(app, tenant_a)
    client = client_for(tenant_a)
    invoice_url = client.post(f"/orders/{order_id}/invoice").headers["Location"]
    client.post(f"/orders/{order_id}/edit", data={"title": "Website redesign", "status": "cancelled"})
    invoice_id = invoice_url.rsplit("/", 1)[1]
    refused = api_client_for(tenant_a).post(f"/api/v1/invoices/{invoice_id}/issue")
    assert refused.status_code == 409
    assert "was cancelled" in refused.get_json()["error"]["message"]
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(Invoice.number)) is None


def test_the_lines_of_an_invoiced_order_stay_as_billed(app, tenant_a, client_for, api_client_for):
    """An order billed by an issued invoice had its lines changed through the API, so the order
    and its invoice no longer agreed; saving the same lines (the edit form, to mark it fulfilled) is fine."""
    order_id = make_order(app, tenant_a)
    client = client_for(tenant_a)
    invoice_url = client.post(f"/orders/{order_id}/invoice").headers["Location"]
    assert client.post(f"{invoice_url}/issue").status_code == 302
    api = api_client_for(tenant_a)
    lines = [{"description": "Something else", "quantity": "1", "unit_price": "10.00"}]
    refused = api.patch(f"/api/v1/orders/{order_id}", json={"lines": lines})
    assert refused.status_code == 422
    assert "void it before changing the order's lines" in refused.get_json()["error"]["details"]["lines"][0]
    same = api.get(f"/api/v1/orders/{order_id}").get_json()["lines"]
    keys = (
        "product_id",
        "description",
        "quantity",
        "unit",
        "unit_price",
        "discount_kind",
        "discount_value",
        "tax_rate",
    )
    kept = [{key: line[key] for key in keys if line[key] not in (None, "")} for line in same]
    for line in kept:
        if not line.get("discount_kind"):
            line.pop("discount_value", None)
    fulfilled = api.patch(f"/api/v1/orders/{order_id}", json={"lines": kept, "status": "fulfilled"})
    assert fulfilled.status_code == 200, fulfilled.get_json()
    assert fulfilled.get_json()["total"] == "4320.00"


def test_the_quote_of_a_cancelled_order_is_not_invoiced(app, tenant_a, client_for):
    """Cancelling the order of an accepted quote said the sale fell through, yet "Create
    invoice" on the quote still billed it (with no order): it is refused, with the reason."""
    order_id = make_order(app, tenant_a)
    client = client_for(tenant_a)
    client.post(f"/orders/{order_id}/edit", data={"title": "Website redesign", "status": "cancelled"})
    with in_tenant(app, tenant_a.id):
        order = db.session.get(Order, (tenant_a.id, order_id))
        quote_id, number = order.quote_id, order.number
    shown = client.get(f"/quotes/{quote_id}").get_data(as_text=True)
    assert 'data-testid="invoice-quote"' not in shown  # the button is not offered…
    assert f"Order {number} was cancelled: the quote is not invoiced." in shown  # …and the panel says why
    page = client.post(f"/quotes/{quote_id}/invoice", follow_redirects=True).get_data(as_text=True)
    assert f"Order {number} of this quote was cancelled" in page
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(func.count()).select_from(Invoice)) == 0
