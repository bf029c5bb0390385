"""Quotes hang off deals: a quote from a deal takes its currency, company and main contact; the
deal's page lists its quotes; acceptance marks the deal won (when the settings say so)."""

import uuid
from decimal import Decimal

from sqlalchemy import select

from app.core.extensions import db
from app.crm.deals.models import Deal
from app.crm.quotes.models import Quote
from tests.conftest import in_tenant
from tests.crm.factories import make_company, make_contact
from tests.crm.quotes.factories import make_quote, send_quote_now


def _deal(app, tenant, api_client_for, **extra):
    contact_id = make_contact(app, tenant)
    company_id = make_company(app, tenant)
    body = {
        "name": "Analytical engine",
        "value": "25000",
        "currency": "EUR",
        "company_id": str(company_id),
        "contacts": [{"contact_id": str(contact_id), "primary": True}],
        **extra,
    }
    response = api_client_for(tenant).post("/api/v1/deals", json=body)
    assert response.status_code == 201, response.json
    return response.json["id"], contact_id, company_id


def test_a_quote_from_a_deal_takes_its_currency_company_and_contact(app, tenant_a, api_client_for, client_for):
    deal_id, contact_id, company_id = _deal(app, tenant_a, api_client_for)
    created = api_client_for(tenant_a).post(
        "/api/v1/quotes",
        json={
            "title": "Engine build",
            "deal_id": deal_id,
            "lines": [{"description": "Gears", "quantity": "2", "unit_price": "100"}],
        },
    )
    assert created.status_code == 201, created.json
    quote = created.json
    assert (quote["currency"], quote["company_id"], quote["contact_id"]) == ("EUR", str(company_id), str(contact_id))
    client = client_for(tenant_a)
    tab = client.get(f"/deals/{deal_id}?tab=quotes").get_data(as_text=True)
    assert "Engine build" in tab
    assert f"/quotes/new?deal_id={deal_id}" in tab


def test_acceptance_marks_the_deal_won(app, tenant_a, api_client_for, client_for):
    deal_id, _contact_id, _company_id = _deal(app, tenant_a, api_client_for)
    quote_id = make_quote(app, tenant_a, deal_id=deal_id, currency="EUR")
    token = send_quote_now(app, tenant_a, quote_id)
    client_for(tenant_a, role=None).post(f"/q/{token}/accept", data={"name": "Ada Lovelace", "consent": "y"})
    with in_tenant(app, tenant_a.id):
        deal = db.session.get(Deal, (tenant_a.id, uuid.UUID(deal_id)))
        assert deal.status == "won"
        assert deal.stage.kind == "won"


def test_a_deal_won_by_its_quote_is_worth_what_the_customer_signed(app, tenant_a, api_client_for, client_for):
    """Won revenue, win rate and the forecast read the deal's value: a deal estimated at 25,000
    and won by a quote signed for 3,720 (before tax) must count 3,720, as the quote says."""
    deal_id, _contact_id, _company_id = _deal(app, tenant_a, api_client_for)
    quote_id = make_quote(app, tenant_a, deal_id=deal_id, currency="EUR")
    token = send_quote_now(app, tenant_a, quote_id)
    client_for(tenant_a, role=None).post(f"/q/{token}/accept", data={"name": "Ada Lovelace", "consent": "y"})
    with in_tenant(app, tenant_a.id):
        quote = db.session.get(Quote, (tenant_a.id, quote_id))
        deal = db.session.get(Deal, (tenant_a.id, uuid.UUID(deal_id)))
        assert quote.subtotal - quote.discount_total == Decimal("3720.00")
        assert (deal.status, deal.value) == ("won", Decimal("3720.00"))


def test_a_quote_in_another_currency_leaves_the_deals_value(app, tenant_a, api_client_for, client_for):
    deal_id, _contact_id, _company_id = _deal(app, tenant_a, api_client_for)
    quote_id = make_quote(app, tenant_a, deal_id=deal_id, currency="USD")
    token = send_quote_now(app, tenant_a, quote_id)
    client_for(tenant_a, role=None).post(f"/q/{token}/accept", data={"name": "Ada Lovelace", "consent": "y"})
    with in_tenant(app, tenant_a.id):
        deal = db.session.get(Deal, (tenant_a.id, uuid.UUID(deal_id)))
        assert (deal.status, deal.value, deal.currency) == ("won", Decimal("25000.00"), "EUR")


def test_acceptance_leaves_the_deal_when_the_settings_say_so(app, tenant_a, api_client_for, client_for):
    client = client_for(tenant_a)
    settings = {"number_pattern": "Q{seq}", "invoice_number_pattern": "I{seq}", "validity_days": "30"}
    settings.update(payment_terms_days="14", renewal_reminder_days="14")
    assert client.post("/quotes/settings", data=settings).status_code == 302  # the won tick left off
    deal_id, _contact_id, _company_id = _deal(app, tenant_a, api_client_for)
    quote_id = make_quote(app, tenant_a, deal_id=deal_id, currency="EUR")
    token = send_quote_now(app, tenant_a, quote_id)
    client_for(tenant_a, role=None).post(f"/q/{token}/accept", data={"name": "Ada Lovelace", "consent": "y"})
    with in_tenant(app, tenant_a.id):
        assert db.session.get(Deal, (tenant_a.id, uuid.UUID(deal_id))).status == "open"
        assert db.session.scalar(select(Quote.status)) == "accepted"


def test_sending_a_deals_quote_is_activity_on_the_deal(app, tenant_a, api_client_for):
    """A quote emailed to the customer is the deal moving on: a deal idle for weeks is no longer
    flagged rotting ("Nothing happened for more than 7 days") the moment its quote goes out."""
    from datetime import timedelta

    from app.core.types import utcnow
    from app.crm.deals.record import is_rotting

    deal_id, _contact_id, _company_id = _deal(app, tenant_a, api_client_for)
    with in_tenant(app, tenant_a.id):
        deal = db.session.get(Deal, (tenant_a.id, uuid.UUID(deal_id)))
        deal.idle_since = utcnow() - timedelta(days=30)
        deal.stage.rotting_days = 7
        db.session.commit()
    quote_id = make_quote(app, tenant_a, deal_id=deal_id, currency="EUR")
    send_quote_now(app, tenant_a, quote_id)
    with in_tenant(app, tenant_a.id):
        deal = db.session.get(Deal, (tenant_a.id, uuid.UUID(deal_id)))
        assert deal.idle_since > utcnow() - timedelta(minutes=1)
        assert not is_rotting(deal)
        latest = deal.idle_since
    # A send written into the past (seed-demo's history) leaves a later activity the latest.
    from app.core.types import clock_set_to

    second_id = make_quote(app, tenant_a, deal_id=deal_id, currency="EUR")
    with clock_set_to(utcnow() - timedelta(days=19)):
        send_quote_now(app, tenant_a, second_id)
    with in_tenant(app, tenant_a.id):
        assert db.session.get(Deal, (tenant_a.id, uuid.UUID(deal_id))).idle_since == latest
