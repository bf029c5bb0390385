"""Quote and product pages: bounded queries, the quote form's line rows, the contact's tab,
settings, and the expiry job."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.crm.quotes.models import Quote, QuoteStatus
from tests.conftest import in_tenant
from tests.crm.factories import make_contact
from tests.crm.quotes.factories import (
    accept_quote_now,
    issue_invoice_now,
    make_invoice,
    make_product,
    make_quote,
    send_quote_now,
)


def _populate(app, tenant, rows: int):
    contact_id = make_contact(app, tenant)
    products = [make_product(app, tenant, name=f"Product {i}") for i in range(rows)]
    lines = [{"product_id": str(product), "quantity": "1"} for product in products]
    quotes = [make_quote(app, tenant, contact_id=str(contact_id), lines=lines[: i % 4 + 1]) for i in range(rows)]
    return contact_id, quotes[0]


def _count(client, query_counter, path) -> int:
    client.get(path)  # warm caches (plans, templates) before counting
    with query_counter() as counted:
        response = client.get(path)
    assert response.status_code == 200
    return counted.count


@pytest.mark.parametrize(
    "page", ["/quotes", "/quotes?status=draft&sort=-total", "/products", "quote", "new", "contact"]
)
def test_page_query_count_does_not_grow_with_rows(app, make_tenant, client_for, query_counter, page):
    counts = []
    for slug, rows in (("small", 3), ("large", 25)):
        tenant = make_tenant(slug, plan="enterprise", roles=("owner",))
        contact_id, quote_id = _populate(app, tenant, rows)
        path = {
            "quote": f"/quotes/{quote_id}",
            "new": "/quotes/new",
            "contact": f"/contacts/{contact_id}?tab=quotes",
        }.get(page, page)
        counts.append(_count(client_for(tenant), query_counter, path))
    assert counts[0] == counts[1], f"{page}: {counts[0]} queries for 3 rows, {counts[1]} for 25"
    assert counts[1] <= 25


def test_the_form_offers_active_products_and_keeps_bad_rows(app, tenant_a, client_for):
    make_product(app, tenant_a, name="Retired thing", active=False)
    make_product(app, tenant_a, name="Design day")
    client = client_for(tenant_a)
    form = client.get("/quotes/new").get_data(as_text=True)
    assert "Design day" in form
    assert "Retired thing" not in form
    response = client.post(
        "/quotes/new",
        data={
            "title": "Workshop",
            "_keys": "lines",
            "line_product_id": ["", ""],
            "line_description": ["Facilitation", "Room"],
            "line_quantity": ["1", "abc"],
            "line_unit_price": ["900", "100"],
            "line_discount_kind": ["", ""],
            "line_tax_rate": ["", ""],
        },
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Enter the quantity as a number." in body
    assert 'value="Facilitation"' in body
    assert 'value="Room"' in body


def test_every_line_control_is_named_for_a_screen_reader(tenant_a, client_for):
    """A line's labels are not tied to its inputs (one row of many), so each control carries its
    own name: the product select had none and was read out only as "Free text"."""
    form = client_for(tenant_a).get("/quotes/new").get_data(as_text=True)
    controls = re.findall(r"<(?:input|select)\b[^>]*\bname=\"line_[a-z_]+\"[^>]*>", form)
    assert len(controls) > 3
    assert [control for control in controls if "aria-label=" not in control] == []
    assert 'aria-label="Product of line 1"' in form


def test_new_quote_from_a_contact_page_names_the_contact(app, tenant_a, client_for):
    contact_id = make_contact(app, tenant_a)
    client = client_for(tenant_a)
    tab = client.get(f"/contacts/{contact_id}?tab=quotes").get_data(as_text=True)
    assert f"/quotes/new?contact_id={contact_id}" in tab
    form = client.get(f"/quotes/new?contact_id={contact_id}").get_data(as_text=True)
    assert f'value="{contact_id}" selected' in form


def test_settings_change_the_number_pattern(app, tenant_a, client_for):
    client = client_for(tenant_a)
    bad = client.post(
        "/quotes/settings",
        data={
            "number_pattern": "{seq.__class__}",
            "invoice_number_pattern": "I{seq}",
            "validity_days": "30",
            "payment_terms_days": "14",
        },
    )
    assert bad.status_code == 422
    saved = client.post(
        "/quotes/settings",
        data={
            "number_pattern": "ALPHA-{seq:05d}",
            "invoice_number_pattern": "I{seq}",
            "validity_days": "14",
            "payment_terms_days": "14",
        },
    )
    assert saved.status_code == 302
    quote_id = make_quote(app, tenant_a)
    send_quote_now(app, tenant_a, quote_id)
    with in_tenant(app, tenant_a.id):
        quote = db.session.get(Quote, (tenant_a.id, quote_id))
        assert quote.number == "ALPHA-00001"
        assert quote.valid_until - quote.created_at.date() <= timedelta(days=14)
    assert client_for(tenant_a, role="sales").get("/quotes/settings").status_code == 403


def test_viewers_see_quotes_but_no_send_button(app, tenant_a, client_for):
    quote_id = make_quote(app, tenant_a)
    page = client_for(tenant_a, role="viewer").get(f"/quotes/{quote_id}").get_data(as_text=True)
    assert "Website redesign" in page
    assert 'data-testid="send-quote"' not in page
    assert (
        client_for(tenant_a, role="viewer").post(f"/quotes/{quote_id}/send", data={"to": "x@example.com"}).status_code
        == 403
    )
    assert 'data-testid="send-quote"' in client_for(tenant_a, role="sales").get(f"/quotes/{quote_id}").get_data(
        as_text=True
    )


def test_expiry_job_expires_each_overdue_quote_once(app, tenant_a, tenant_b):
    from app.core.events import DomainEvent
    from app.crm.quotes.jobs import expire_quotes

    overdue = make_quote(app, tenant_a)
    current = make_quote(app, tenant_a)
    foreign = make_quote(app, tenant_b)
    draft = make_quote(app, tenant_a)
    for tenant, quote_id in ((tenant_a, overdue), (tenant_a, current), (tenant_b, foreign)):
        send_quote_now(app, tenant, quote_id)
    for tenant, quote_id in ((tenant_a, overdue), (tenant_b, foreign), (tenant_a, draft)):
        with in_tenant(app, tenant.id):
            db.session.get(Quote, (tenant.id, quote_id)).valid_until = date.today() - timedelta(days=2)
    with app.app_context():
        first = expire_quotes()
        second = expire_quotes()
    assert first["changed"] == 2
    assert second["changed"] == 0
    with in_tenant(app, tenant_a.id):
        statuses = {quote.id: quote.status for quote in db.session.scalars(select(Quote))}
        expired_events = db.session.scalars(select(DomainEvent).where(DomainEvent.name == "quote.expired")).all()
    assert statuses[overdue] == QuoteStatus.EXPIRED
    assert statuses[current] == QuoteStatus.SENT
    assert statuses[draft] == QuoteStatus.DRAFT
    assert len(expired_events) == 1


def test_a_documents_status_has_its_colour_on_lists_and_details(app, tenant_a, client_for):
    # Every status badge of the lists and the details panel was the same grey: an accepted and
    # a rejected quote, a paid and an overdue invoice looked alike; the BADGES of each status
    # class coloured only the badge under the document's title.
    client = client_for(tenant_a)
    make_quote(app, tenant_a, title="Draft one")
    accepted = make_quote(app, tenant_a, title="Taken")
    accept_quote_now(app, tenant_a, accepted)
    listing = client.get("/quotes").get_data(as_text=True)
    assert "stage-accepted tone-success" in listing
    assert "stage-draft tone-secondary" in listing
    assert "stage-accepted tone-success" in client.get(f"/quotes/{accepted}").get_data(as_text=True)
    invoice_id = make_invoice(app, tenant_a)
    issue_invoice_now(app, tenant_a, invoice_id)
    assert "stage-issued tone-primary" in client.get("/invoices").get_data(as_text=True)
