"""A priced document's product lines are in its currency, and a document always has one: the
one chosen, else its deal's (quotes), else the workspace's."""

from tests.crm.quotes.factories import make_invoice, make_product, make_quote
from tests.crm.quotes.test_deal_link import _deal


def test_a_product_in_another_currency_is_refused_when_the_currency_is_left_empty(app, tenant_a, api_client_for):
    """Leaving the currency empty (the form's default) let a €100 product onto a USD quote, and
    a $1,200 product onto a quote of a EUR deal, each at the same figure in the wrong money: the
    lines were checked against the currency only when one was typed in."""
    api = api_client_for(tenant_a)
    euro = make_product(app, tenant_a, name="Paris workshop", currency="EUR", unit_price="100.00", tax_rate="0")
    dollar = make_product(app, tenant_a, name="Website audit", currency="USD", unit_price="1200.00")
    deal_id, _contact_id, _company_id = _deal(app, tenant_a, api_client_for)  # in EUR

    on_its_own = api.post(
        "/api/v1/quotes", json={"title": "Workshop", "lines": [{"product_id": str(euro), "quantity": "1"}]}
    )
    assert on_its_own.status_code == 422, on_its_own.json
    assert "Paris workshop is priced in EUR, not USD." in str(on_its_own.json)

    from_the_deal = api.post(
        "/api/v1/quotes",
        json={"title": "Audit", "deal_id": deal_id, "lines": [{"product_id": str(dollar), "quantity": "1"}]},
    )
    assert from_the_deal.status_code == 422, from_the_deal.json
    assert "Website audit is priced in USD, not EUR." in str(from_the_deal.json)

    # The deal's own currency is accepted, with the currency still left empty.
    fine = api.post(
        "/api/v1/quotes",
        json={"title": "Workshop", "deal_id": deal_id, "lines": [{"product_id": str(euro), "quantity": "1"}]},
    )
    assert fine.status_code == 201, fine.json
    assert (fine.json["currency"], fine.json["total"]) == ("EUR", "100.00")

    invoice = api.post(
        "/api/v1/invoices", json={"title": "Workshop", "lines": [{"product_id": str(euro), "quantity": "1"}]}
    )
    assert invoice.status_code == 422, invoice.json

    # Editing: lines checked against the document's currency when the currency is not sent.
    quote_id = make_quote(app, tenant_a, currency="EUR")
    edited = api.patch(f"/api/v1/quotes/{quote_id}", json={"lines": [{"product_id": str(dollar), "quantity": "1"}]})
    assert edited.status_code == 422, edited.json
    assert "Website audit is priced in USD, not EUR." in str(edited.json)


def test_emptying_the_currency_of_a_draft_gives_it_the_currency_empty_means(app, tenant_a, api_client_for, client_for):
    """The currency's help says "Empty: the workspace's currency", but emptying it on an edit
    stored no currency at all: the totals then showed with no currency, and a product line was
    refused as "priced in USD, not ."."""
    api = api_client_for(tenant_a)
    invoice_id = make_invoice(app, tenant_a, currency="EUR")
    edited = api.patch(f"/api/v1/invoices/{invoice_id}", json={"currency": ""})
    assert edited.status_code == 200, edited.json
    assert edited.json["currency"] == "USD"

    deal_id, _contact_id, _company_id = _deal(app, tenant_a, api_client_for)  # in EUR
    quote_id = make_quote(app, tenant_a, deal_id=deal_id, currency="GBP")
    edited = api.patch(f"/api/v1/quotes/{quote_id}", json={"currency": None})
    assert edited.status_code == 200, edited.json
    assert edited.json["currency"] == "EUR"
    page = client_for(tenant_a).get(f"/quotes/{quote_id}").get_data(as_text=True)
    assert "€" in page


def test_emptying_a_subscriptions_currency_gives_it_the_workspaces(app, tenant_a, api_client_for):
    """As on quotes and invoices, an emptied currency was stored as none: the subscription's
    price showed with no currency, and its renewal invoices came out in another currency."""
    api = api_client_for(tenant_a)
    created = api.post(
        "/api/v1/subscriptions", json={"name": "Hosting", "interval": "monthly", "unit_price": "90", "currency": "EUR"}
    )
    assert created.status_code == 201, created.json
    edited = api.patch(f"/api/v1/subscriptions/{created.json['id']}", json={"currency": ""})
    assert edited.status_code == 200, edited.json
    assert edited.json["currency"] == "USD"


def test_a_sent_quote_is_accepted_and_invoiced_after_its_products_currency_changed(
    app, tenant_a, api_client_for, client_for
):
    """The order and invoice copy the quote's lines with their products, and the copy checked
    each product's currency again: once the agency moved a product to EUR, the customer's
    acceptance of a USD quote sent before failed (422), and so did invoicing it. A copy keeps
    the quote's lines and amounts; only the link to a product now in another currency is left
    out of it."""
    from tests.crm.quotes.factories import send_quote_now

    api = api_client_for(tenant_a)
    audit = make_product(app, tenant_a, name="Website audit", currency="USD", unit_price="1200.00")
    quote_id = make_quote(app, tenant_a, currency="USD", lines=[{"product_id": str(audit), "quantity": "1"}])
    token = send_quote_now(app, tenant_a, quote_id)
    assert api.patch(f"/api/v1/products/{audit}", json={"currency": "EUR"}).status_code == 200

    accepted = client_for(tenant_a, role=None).post(f"/q/{token}/accept", data={"name": "Bo Buyer", "consent": "y"})
    assert accepted.status_code == 302
    quote = api.get(f"/api/v1/quotes/{quote_id}").json
    assert quote["status"] == "accepted"
    (order,) = api.get("/api/v1/orders").json["items"]
    assert (order["currency"], order["total"]) == ("USD", quote["total"])
    assert order["lines"][0]["description"] == "Website audit"

    invoiced = client_for(tenant_a).post(f"/quotes/{quote_id}/invoice")
    assert invoiced.status_code == 302
    assert "/invoices/" in invoiced.headers["Location"]
