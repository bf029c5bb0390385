"""Action endpoints that read the JSON body themselves (send a quote or an invoice) refuse NUL
characters with a 422, as the input schemas do: PostgreSQL text cannot hold them."""

from tests.crm.quotes.factories import make_quote


def test_a_nul_in_an_action_body_is_a_422_not_a_500(app, tenant_a, api_client_for):
    api = api_client_for(tenant_a)
    quote_id = make_quote(app, tenant_a)
    sent = api.post(f"/api/v1/quotes/{quote_id}/send", json={"to": "bo@example.org", "message": "Hi\x00there"})
    assert sent.status_code == 422
    assert sent.json["error"]["details"] == {"message": ["Text cannot contain NUL (\\u0000) characters."]}
