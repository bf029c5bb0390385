"""Amounts as people read them, and the kit's money fields that show them."""

from decimal import Decimal

import pytest

from app.core.currencies import format_amount
from tests.crm.factories import make_record


@pytest.mark.parametrize(
    ("value", "currency", "short", "shown"),
    [
        (Decimal("12000"), "USD", False, "$12,000"),
        (Decimal("1234.5"), "EUR", False, "€1,234.50"),
        ("900.00", "SEK", False, "900 SEK"),
        (Decimal("48000"), "GBP", True, "£48k"),
        (Decimal("1250000"), "EUR", True, "€1.2M"),
        (Decimal("950"), "USD", True, "$950"),
        (Decimal("75"), "", False, "75"),
        (None, "USD", False, ""),
    ],
)
def test_an_amount_reads_with_its_currency(value, currency, short, shown):
    assert format_amount(value, currency, short=short) == shown


def test_money_fields_show_their_records_currency_on_lists_and_pages(app, tenant_a, client_for):
    deal = make_record(app, tenant_a, "deal", name="Brand refresh", value="48000.00", currency="EUR")
    client = client_for(tenant_a)
    listed = client.get("/deals?view=list").get_data(as_text=True)
    assert "€48,000" in listed
    assert "48,000.00" not in listed
    page = client.get(f"/deals/{deal}").get_data(as_text=True)
    assert "€48,000" in page


def test_a_price_in_minor_units_reads_in_its_currency():
    """Stripe counts yen in yen (a zero-decimal currency), not in hundredths of one."""
    from app.core.templating import money

    assert money(2900, "USD") == "$29"
    assert money(2950, "EUR") == "€29.50"
    assert money(2900, "JPY") == "¥2,900"


def test_billed_amounts_read_to_the_cent_on_lists_and_pages(app, tenant_a, client_for):
    """An invoice's total read "$3,600" in its details and list beside "USD 3,600.00" in its
    payments and document: what is billed reads to the cent everywhere (a deal's estimate stays whole)."""
    from tests.crm.quotes.factories import make_invoice, make_product

    invoice_id = make_invoice(app, tenant_a)
    make_product(app, tenant_a, unit_price="1200.00")
    client = client_for(tenant_a)
    assert "$3,600.00" in client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert "$3,600.00" in client.get("/invoices").get_data(as_text=True)
    assert "$1,200.00" in client.get("/products").get_data(as_text=True)
