"""How priced documents word their money: a yen document is not "rounded to the cent", the line
picker shows a product's price as every page does, and a product sold by the year is not
"per year / yearly"."""

from datetime import UTC, datetime

from app.core.extensions import db
from app.core.templating import rounded_to
from app.crm.invoices.models import Invoice
from tests.conftest import in_tenant
from tests.crm.quotes.factories import issue_invoice_now, make_invoice, make_product, make_quote


def test_a_documents_footnote_rounds_to_what_its_currency_has():
    assert rounded_to("USD") == "the cent"
    assert rounded_to("JPY") == "whole JPY"


def test_a_yen_invoice_is_not_rounded_to_the_cent(app, tenant_a, client_for):
    lines = [{"description": "Audit", "quantity": "3", "unit_price": "999", "tax_rate": "10"}]
    invoice_id = make_invoice(app, tenant_a, currency="JPY", lines=lines)
    page = client_for(tenant_a).get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert "rounded half-up to whole JPY" in page
    assert "to the cent" not in page


def test_the_line_picker_shows_a_products_price_as_pages_do(app, tenant_a, client_for):
    make_product(app, tenant_a, name="Website audit", unit_price="1200.00")
    form = client_for(tenant_a).get("/quotes/new").get_data(as_text=True)
    assert "Website audit" in form
    assert "USD 1,200.00</option>" in form
    assert "USD 1200.00" not in form


def test_a_product_sold_by_the_year_says_so_once(app, tenant_a, client_for):
    make_product(app, tenant_a, name="Managed hosting", unit_price="2400", unit="year", recurring_interval="yearly")
    make_product(app, tenant_a, name="Retainer", unit_price="1800", unit="", recurring_interval="monthly")
    listing = client_for(tenant_a).get("/products").get_data(as_text=True)
    assert "$2,400.00 per year<" in listing
    assert "per year / yearly" not in listing
    assert "$1,800.00 / monthly" in listing


def test_a_drafts_send_page_names_the_document_not_the_word_draft(app, tenant_a, client_for):
    # A draft's display title is "Draft · Website": the send page read "Send Draft · Website".
    client = client_for(tenant_a)
    quote_id = make_quote(app, tenant_a, title="Website redesign")
    page = client.get(f"/quotes/{quote_id}/send").get_data(as_text=True)
    assert "Send quote · Website redesign</h1>" in page
    assert "<title>Send quote · Website redesign" in page
    assert "Send Draft" not in page
    invoice_id = make_invoice(app, tenant_a, title="Website audit")
    page = client.get(f"/invoices/{invoice_id}/send").get_data(as_text=True)
    assert "Send invoice · Website audit</h1>" in page
    assert "Send Draft" not in page
    number = issue_invoice_now(app, tenant_a, invoice_id)
    page = client.get(f"/invoices/{invoice_id}/send").get_data(as_text=True)
    assert f"Send {number} · Website audit</h1>" in page


def test_a_sent_invoices_send_page_writes_the_day_as_pages_do(app, tenant_a, client_for):
    # "Last sent 2026-12-05" read as a code beside every other page's "05 Dec 2026".
    invoice_id = make_invoice(app, tenant_a, title="Website audit")
    issue_invoice_now(app, tenant_a, invoice_id)
    with in_tenant(app, tenant_a.id):
        invoice = db.session.get(Invoice, (tenant_a.id, invoice_id))
        invoice.sent_at, invoice.recipient_email = datetime(2026, 12, 5, 9, 30, tzinfo=UTC), "ada@example.org"
        db.session.commit()
    page = client_for(tenant_a).get(f"/invoices/{invoice_id}/send").get_data(as_text=True)
    assert "Last sent 05 Dec 2026 to ada@example.org." in page
