"""Yen and won have no minor unit: amounts in them are whole, typed and shown without
decimals (totals, pages, PDFs' documents), and tax is rounded to the yen, not the sen."""

from datetime import date
from decimal import Decimal

import pytest

from app.core.currencies import decimal_places, format_amount
from app.core.extensions import db
from app.crm.invoices.documents import invoice_document
from app.crm.invoices.models import Invoice
from tests.conftest import in_tenant
from tests.crm.quotes.factories import issue_invoice_now, make_invoice

YEN_LINES = [{"description": "Audit", "quantity": "3", "unit_price": "999", "tax_rate": "10"}]


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        (Decimal("1500"), "JPY", "¥1,500"),
        (Decimal("1500.00"), "KRW", "₩1,500"),
        (Decimal("1500.50"), "JPY", "¥1,501"),
        (Decimal("-12.30"), "USD", "-$12.30"),
        (Decimal("2.675"), "USD", "$2.68"),
    ],
)
def test_amounts_read_in_their_currencys_units(value, currency, shown):
    assert format_amount(value, currency) == shown


def test_zero_decimal_currencies():
    assert (decimal_places("JPY"), decimal_places("KRW"), decimal_places("EUR")) == (0, 0, 2)


def test_a_yen_invoice_is_whole_yen_on_its_page_and_document(app, tenant_a, client_for):
    invoice_id = make_invoice(app, tenant_a, currency="JPY", lines=YEN_LINES)
    issue_invoice_now(app, tenant_a, invoice_id)
    with in_tenant(app, tenant_a.id):
        invoice = db.session.get(Invoice, (tenant_a.id, invoice_id))
        # 3 × ¥999 = ¥2,997; 10 % tax is ¥299.70, which is ¥300: there is no sen.
        assert (invoice.subtotal, invoice.tax_total, invoice.total) == (Decimal(2997), Decimal(300), Decimal(3297))
        document = invoice_document(invoice)
    assert (document["total"], document["tax_total"], document["lines"][0]["unit_price"]) == ("3297", "300", "999")
    page = client_for(tenant_a).get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert "JPY 3,297" in page
    assert "3,297.00" not in page
    assert "¥3,297" in page


def test_decimals_in_a_yen_amount_are_refused(app, tenant_a, api_client_for, client_for):
    api = api_client_for(tenant_a)
    lines = [{"description": "Audit", "quantity": "1", "unit_price": "999.50"}]
    refused = api.post("/api/v1/quotes", json={"title": "Audit", "currency": "JPY", "lines": lines})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"]["lines.0.unit_price"] == ["Amounts in JPY have no decimals."]
    product = api.post("/api/v1/products", json={"name": "Audit", "currency": "KRW", "unit_price": "1200.50"})
    assert product.status_code == 422
    assert product.get_json()["error"]["details"]["unit_price"] == ["Amounts in KRW have no decimals."]
    invoice_id = make_invoice(app, tenant_a, currency="JPY", lines=YEN_LINES)
    issue_invoice_now(app, tenant_a, invoice_id)
    paid = client_for(tenant_a).post(
        f"/invoices/{invoice_id}/payments", data={"amount": "100.50", "paid_on": date.today().isoformat()}
    )
    assert paid.status_code == 422
    assert "Amounts in JPY have no decimals." in paid.get_data(as_text=True)


def test_a_yen_payment_is_said_in_whole_yen(app, tenant_a, client_for):
    invoice_id = make_invoice(app, tenant_a, currency="JPY", lines=YEN_LINES)
    issue_invoice_now(app, tenant_a, invoice_id)
    client = client_for(tenant_a)
    paid = client.post(
        f"/invoices/{invoice_id}/payments",
        data={"amount": "1000", "paid_on": date.today().isoformat()},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Payment of JPY 1,000 recorded." in paid
    assert "Payment of JPY 1,000 received" in paid  # on the timeline
    assert "1,000.00" not in paid


def test_a_document_moved_to_another_currency_has_its_lines_checked_in_it(app, tenant_a, api_client_for):
    """Changing only the currency (PATCH {"currency"}) kept lines of a product priced in dollars
    on a euro quote, and amounts in sen on a yen one, which the lines' own check refuses."""
    from tests.crm.quotes.factories import make_product, make_quote

    api = api_client_for(tenant_a)
    product = make_product(app, tenant_a, name="Audit", unit_price="1200.00")
    quote_id = make_quote(app, tenant_a, lines=[{"product_id": str(product), "quantity": "1"}])
    refused = api.patch(f"/api/v1/quotes/{quote_id}", json={"currency": "EUR"})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"]["lines.0.product_id"] == ["Audit is priced in USD, not EUR."]
    lines = [{"description": "Audit", "quantity": "1", "unit_price": "999.50", "tax_rate": "10"}]
    invoice_id = make_invoice(app, tenant_a, lines=lines)
    refused = api.patch(f"/api/v1/invoices/{invoice_id}", json={"currency": "JPY"})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"]["lines.0.unit_price"] == ["Amounts in JPY have no decimals."]
    whole = make_invoice(
        app, tenant_a, lines=[{"description": "Audit", "quantity": "3", "unit_price": "999", "tax_rate": "10"}]
    )
    moved = api.patch(f"/api/v1/invoices/{whole}", json={"currency": "JPY"})
    assert moved.status_code == 200
    assert (moved.get_json()["tax_total"], moved.get_json()["total"]) == ("300.00", "3297.00")
