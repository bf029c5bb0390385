"""A quote or an invoice is found by its number, which it gets when it is sent or issued."""

from tests.crm.quotes.factories import issue_invoice_now, make_invoice, make_quote, send_quote_now


def _listed(client, path: str, search: str) -> str:
    return client.get(f"/{path}?q={search}").get_data(as_text=True)


def test_a_sent_quote_and_an_issued_invoice_are_found_by_their_numbers(app, tenant_a, client_for, api_client_for):
    """The number is searchable, but the search text was written when the draft was saved,
    before it had one: "INV-2026-0001" found nothing on the invoices list (nor a quote's
    number on the quotes list) until the document happened to be edited again."""
    client = client_for(tenant_a)
    invoice_id = make_invoice(app, tenant_a, title="Design work")
    number = issue_invoice_now(app, tenant_a, invoice_id)
    assert f"/invoices/{invoice_id}" in _listed(client, "invoices", number)
    api_search = api_client_for(tenant_a).get(f"/api/v1/invoices?q={number}")
    assert [row["id"] for row in api_search.json["items"]] == [str(invoice_id)]

    quote_id = make_quote(app, tenant_a, title="Website redesign")
    send_quote_now(app, tenant_a, quote_id)
    quote_number = api_client_for(tenant_a).get(f"/api/v1/quotes/{quote_id}").json["number"]
    assert f"/quotes/{quote_id}" in _listed(client, "quotes", quote_number)
