"""A customer named on the books (orders, accepted quotes, issued invoices) is kept: deleting
it is refused with the documents that hold it, on its page and in the API (409)."""

from sqlalchemy import select

from app.core.extensions import db
from app.crm.companies.models import Company
from app.crm.contacts.models import Contact
from app.crm.orders.models import Order
from tests.conftest import in_tenant
from tests.crm.factories import make_company, make_contact
from tests.crm.quotes.factories import accept_quote_now, make_quote


def test_a_customer_with_an_order_and_an_accepted_quote_is_kept(app, tenant_a, client_for, api_client_for):
    contact_id, company_id = make_contact(app, tenant_a), make_company(app, tenant_a)
    quote_id = make_quote(app, tenant_a, contact_id=str(contact_id), company_id=str(company_id))
    accept_quote_now(app, tenant_a, quote_id)
    refused = api_client_for(tenant_a).delete(f"/api/v1/companies/{company_id}")
    assert refused.status_code == 409
    message = refused.get_json()["error"]["message"]
    assert "1 order and 1 accepted quote" in message
    page = client_for(tenant_a).post(f"/contacts/{contact_id}/delete", follow_redirects=True)
    assert page.request.path == f"/contacts/{contact_id}"
    assert "1 order and 1 accepted quote" in page.get_data(as_text=True)
    with in_tenant(app, tenant_a.id):
        assert db.session.get(Contact, (tenant_a.id, contact_id)) is not None
        assert db.session.get(Company, (tenant_a.id, company_id)) is not None
        order = db.session.scalar(select(Order).where(Order.quote_id == quote_id))
        assert (order.contact_id, order.company_id) == (contact_id, company_id)


def test_a_customer_of_a_draft_quote_only_can_go(app, tenant_a, api_client_for):
    contact_id = make_contact(app, tenant_a)
    make_quote(app, tenant_a, contact_id=str(contact_id))
    assert api_client_for(tenant_a).delete(f"/api/v1/contacts/{contact_id}").status_code == 204


def test_a_customer_with_an_active_subscription_is_kept(app, tenant_a, api_client_for):
    """An active subscription renews into invoices for its customer: deleting the customer left
    it billing no one. A cancelled one does not hold it."""
    contact_id, other_id = make_contact(app, tenant_a), make_contact(app, tenant_a)
    api = api_client_for(tenant_a)
    body = {"name": "SEO retainer", "interval": "monthly", "unit_price": "1800.00", "start_date": "2026-01-01"}
    assert api.post("/api/v1/subscriptions", json={**body, "contact_id": str(contact_id)}).status_code == 201
    cancelled = {**body, "contact_id": str(other_id), "status": "cancelled"}
    assert api.post("/api/v1/subscriptions", json=cancelled).status_code == 201
    refused = api.delete(f"/api/v1/contacts/{contact_id}")
    assert refused.status_code == 409
    assert "1 active subscription" in refused.get_json()["error"]["message"]
    assert api.delete(f"/api/v1/contacts/{other_id}").status_code == 204
