"""A line's quantity reads with its unit in the plural when it is not one ("3 hours", "4 boxes",
"1 hour"): on quote, order and invoice pages and in the quote and invoice PDFs."""

import subprocess

import pytest

from tests.crm.quotes.factories import make_invoice, make_order, make_quote

LINES = [
    {"description": "Consulting", "quantity": "3", "unit": "hour", "unit_price": "150.00", "tax_rate": "20"},
    {"description": "Kick-off call", "quantity": "1", "unit": "hour", "unit_price": "150.00", "tax_rate": "20"},
    {"description": "Printed brochures", "quantity": "4", "unit": "box", "unit_price": "80.00", "tax_rate": "20"},
]
QUANTITIES = ("3 hours", "1 hour", "4 boxes")


def _quantity_cells(html: str) -> list[str]:
    """The text of each line's quantity cell, in order."""
    cells = html.split('data-testid="line-quantity">')[1:]
    return [cell.split("</td>", 1)[0] for cell in cells]


@pytest.mark.parametrize(("make", "path"), [(make_quote, "quotes"), (make_order, "orders"), (make_invoice, "invoices")])
def test_a_documents_page_puts_its_units_in_the_plural(app, tenant_a, client_for, make, path):
    record_id = make(app, tenant_a, lines=LINES)
    html = client_for(tenant_a).get(f"/{path}/{record_id}").get_data(as_text=True)
    assert _quantity_cells(html) == list(QUANTITIES)


@pytest.mark.parametrize(("make", "path"), [(make_quote, "quotes"), (make_invoice, "invoices")])
def test_a_documents_pdf_puts_its_units_in_the_plural(app, tenant_a, client_for, make, path):
    record_id = make(app, tenant_a, lines=LINES)
    response = client_for(tenant_a).get(f"/{path}/{record_id}/pdf")
    assert response.status_code == 200
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=response.data, capture_output=True, check=True)
    lines = text.stdout.decode().splitlines()
    for description, quantity in zip(("Consulting", "Kick-off call", "Printed brochures"), QUANTITIES, strict=True):
        (line,) = [line for line in lines if description in line]
        assert f" {quantity} " in f"{line} ", line


@pytest.mark.parametrize(("make", "path"), [(make_quote, "quotes"), (make_order, "orders"), (make_invoice, "invoices")])
def test_an_edit_form_shows_each_quantity_as_typed(app, tenant_a, client_for, make, path):
    # The edit forms showed the stored "3.000", "1.000" and "2.500" beside pages that read "3 hours".
    lines = [*LINES[:2], {"description": "Workshop", "quantity": "2.5", "unit": "day", "unit_price": "900.00"}]
    record_id = make(app, tenant_a, lines=lines)
    html = client_for(tenant_a).get(f"/{path}/{record_id}/edit").get_data(as_text=True)
    shown = [field.split('value="', 1)[1].split('"', 1)[0] for field in html.split('name="line_quantity"')[1:]]
    assert shown[:3] == ["3", "1", "2.5"]
    assert "3.000" not in html
