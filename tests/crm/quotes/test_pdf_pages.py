"""What a quote's or an invoice's PDF says over several pages, and what a void one says."""

import subprocess

import pytest

from tests.crm.quotes.factories import issue_invoice_now, make_invoice, make_quote

MANY_LINES = [
    {"description": f"Landing page {number}", "quantity": "1", "unit_price": "100.00", "tax_rate": "20"}
    for number in range(1, 61)
]


def _pdf_text(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    run = subprocess.run(["pdftotext", "-layout", "-", "-"], input=response.data, capture_output=True, check=True)
    return run.stdout.decode()


@pytest.mark.parametrize(("make", "path"), [(make_quote, "quotes"), (make_invoice, "invoices")])
def test_a_long_documents_totals_are_printed_once_after_its_last_line(app, tenant_a, client_for, make, path):
    """The totals were the table's footer, which the PDF repeats on every page: page 1 of a
    60-line invoice ended in "Total USD 7,200.00" under its first lines, and each page after
    it again, so the totals read as the page's and took a third of each page."""
    record_id = make(app, tenant_a, lines=MANY_LINES)
    text = _pdf_text(client_for(tenant_a), f"/{path}/{record_id}/pdf")
    pages = text.split("\f")
    assert len([page for page in pages if page.strip()]) > 1
    for label in ("Subtotal", "Discounts", "Tax ", "Total "):
        assert sum(line.strip().startswith(label) for line in text.splitlines()) == 1, label
    (total,) = [line.split() for line in text.splitlines() if line.strip().startswith("Total ")]
    assert total == ["Total", "USD", "7,200.00"]
    assert text.index("Landing page 60") < text.index("Subtotal")


def test_a_void_invoices_pdf_says_it_is_void(app, tenant_a, client_for, api_client_for):
    """A void invoice's PDF read like any invoice due on its date, with its total to pay:
    downloaded from its page (or from a customer's files) it asked for money no longer owed."""
    client = client_for(tenant_a)
    invoice_id = make_invoice(app, tenant_a)
    number = issue_invoice_now(app, tenant_a, invoice_id)
    assert "VOID" not in _pdf_text(client, f"/invoices/{invoice_id}/pdf")
    assert api_client_for(tenant_a).post(f"/api/v1/invoices/{invoice_id}/void").status_code == 200
    text = _pdf_text(client, f"/invoices/{invoice_id}/pdf")
    assert f"Invoice {number}" in text
    assert "VOID: this invoice was cancelled and nothing is due on it." in " ".join(text.split())


def test_a_pdf_without_a_logo_names_the_agency_once_at_its_top(app, tenant_a, client_for):
    """Without a logo the header's left held the agency's name and its right the name again,
    above the sender's address."""
    record_id = make_quote(app, tenant_a)
    first_page = _pdf_text(client_for(tenant_a), f"/quotes/{record_id}/pdf").split("\f")[0]
    header = first_page.split("Quote", 1)[0]
    assert header.count(tenant_a.name) == 1, header
