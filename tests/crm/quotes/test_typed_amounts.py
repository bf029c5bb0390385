"""Amounts typed with a comma: a thousands separator ("1,500.00") is read, a decimal comma
("1.500,00", as typed in Germany or France) is refused instead of read as 1.50."""

from datetime import date

from tests.crm.quotes.factories import issue_invoice_now, make_invoice


def test_a_decimal_comma_is_refused_not_read_as_a_thousandth(app, tenant_a, api_client_for):
    """Commas were dropped before reading a number, so "1.500,00" became 1.50000, which is
    1.50 to the cent: a payment of 1,500 typed the German way was recorded as 1.50 (and the
    invoice stayed unpaid), and a line or product at 1.500,00 was priced at 1.50."""
    api = api_client_for(tenant_a)
    invoice_id = make_invoice(app, tenant_a)  # 3,600.00
    issue_invoice_now(app, tenant_a, invoice_id)
    today = date.today().isoformat()

    payment = api.post(f"/api/v1/invoices/{invoice_id}/payments", json={"amount": "1.500,00", "paid_on": today})
    assert payment.status_code == 422, payment.json
    assert api.get(f"/api/v1/invoices/{invoice_id}").json["amount_paid"] == "0.00"
    payment = api.post(f"/api/v1/invoices/{invoice_id}/payments", json={"amount": "1,500.00", "paid_on": today})
    assert payment.status_code == 201, payment.json
    assert payment.json["amount"] == "1500.00"

    line = {"description": "Design sprint", "quantity": "1", "unit_price": "1.500,00"}
    quote = api.post("/api/v1/quotes", json={"title": "Sprint", "lines": [line]})
    assert quote.status_code == 422, quote.json
    quote = api.post("/api/v1/quotes", json={"title": "Sprint", "lines": [{**line, "unit_price": "1,500.00"}]})
    assert quote.status_code == 201, quote.json
    assert quote.json["subtotal"] == "1500.00"

    product = api.post("/api/v1/products", json={"name": "Sprint", "unit_price": "1.500,00"})
    assert product.status_code == 422, product.json
    product = api.post("/api/v1/products", json={"name": "Sprint", "unit_price": "1,500.00"})
    assert product.status_code == 201, product.json
    assert product.json["unit_price"] == "1500.00"
