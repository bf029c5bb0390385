"""Quotes: line items and totals, numbering on send, versions, locks, PDF, pages and API."""

import subprocess
from decimal import Decimal

from sqlalchemy import select

from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.crm.quotes.models import Quote, QuoteStatus, QuoteVersion
from app.messaging.models import OutboxMessage
from tests.conftest import in_tenant
from tests.crm.quotes.factories import make_product, make_quote, send_quote_now


def _quote(app, tenant, quote_id) -> Quote:
    with in_tenant(app, tenant.id):
        quote = db.session.get(Quote, (tenant.id, quote_id))
        _ = list(quote.lines), list(quote.versions)
        db.session.expunge_all()
        return quote


def test_bad_lines_are_refused_with_a_message_per_line(app, tenant_a, as_user):
    from app.crm.quotes.services import create_quote

    lines = [
        {"description": "Hours", "quantity": "3", "unit_price": "33.335"},
        {"description": "", "quantity": "0", "unit_price": "10"},
        {
            "description": "Fee",
            "quantity": "1",
            "unit_price": "10",
            "discount_kind": "percent",
            "discount_value": "120",
        },
    ]
    with as_user(tenant_a) as owner:
        try:
            create_quote({"title": "Bad", "lines": lines}, actor=owner)
        except ValidationFailed as exc:
            details = exc.details
        else:
            raise AssertionError("bad lines were accepted")
    assert details["lines.0.unit_price"] == ["Use at most 2 decimals for the unit price."]
    assert "lines.1.description" in details
    assert "lines.1.quantity" in details
    assert details["lines.2.discount_value"] == ["The discount must be from 0 to 100."]


def test_an_amount_discount_larger_than_its_line_is_refused(app, tenant_a, as_user):
    """A discount of 1,500.00 typed on a line of 150.00 (a slipped digit) was saved and quietly
    cut to 150.00: the line went out free, its discount stored as 1,500.00 and shown as 150.00.
    A percentage above 100 was refused; an amount above the line is now refused too."""
    from app.crm.quotes.services import create_quote

    def line(discount: str) -> dict:
        return {
            "description": "Fee",
            "quantity": "3",
            "unit_price": "50.00",
            "discount_kind": "amount",
            "discount_value": discount,
        }

    with as_user(tenant_a) as owner:
        try:
            create_quote({"title": "Bad", "lines": [line("1500")]}, actor=owner)
        except ValidationFailed as exc:
            details = exc.details
        else:
            raise AssertionError("a discount above its line was accepted")
        assert details["lines.0.discount_value"] == ["The discount is more than the line's 150.00."]
        free = create_quote({"title": "Free", "lines": [line("150")]}, actor=owner)
        assert (free.lines[0].discount_amount, free.total) == (Decimal("150.00"), Decimal("0.00"))


def test_create_computes_line_amounts_and_totals(app, tenant_a):
    quote = _quote(app, tenant_a, make_quote(app, tenant_a))
    first, second = quote.lines
    assert (first.subtotal, first.discount_amount, first.tax_amount, first.total) == (
        Decimal("3000.00"),
        Decimal("0.00"),
        Decimal("600.00"),
        Decimal("3600.00"),
    )
    assert (second.subtotal, second.discount_amount, second.total) == (
        Decimal("800.00"),
        Decimal("80.00"),
        Decimal("720.00"),
    )
    assert (quote.subtotal, quote.discount_total, quote.tax_total, quote.total) == (
        Decimal("3800.00"),
        Decimal("80.00"),
        Decimal("600.00"),
        Decimal("4320.00"),
    )
    assert quote.status == QuoteStatus.DRAFT
    assert quote.number is None
    assert quote.valid_until is not None


def test_sending_numbers_the_quote_and_emails_a_private_link(app, tenant_a):
    first = make_quote(app, tenant_a)
    second = make_quote(app, tenant_a)
    token = send_quote_now(app, tenant_a, second)
    send_quote_now(app, tenant_a, first)
    year = _quote(app, tenant_a, first).sent_at.year
    assert _quote(app, tenant_a, second).number == f"Q-{year}-0001"
    assert _quote(app, tenant_a, first).number == f"Q-{year}-0002"
    quote = _quote(app, tenant_a, second)
    assert quote.status == QuoteStatus.SENT
    assert quote.recipient_email == "buyer@example.com"
    assert quote.public_token_hash
    assert token not in quote.public_token_hash
    with in_tenant(app, tenant_a.id):
        bodies = [message.payload["text"] for message in db.session.scalars(select(OutboxMessage))]
    assert any(f"http://alpha.atrium.test/q/{token}" in body for body in bodies)


def test_a_member_checking_the_link_is_not_the_customer_viewing_it(app, tenant_a, client_for):
    """Opening the link signed in to the workspace (to check what the customer sees) must not
    mark the quote "viewed" nor tell the timeline that the customer opened it."""
    quote_id = make_quote(app, tenant_a)
    token = send_quote_now(app, tenant_a, quote_id)
    assert client_for(tenant_a).get(f"/q/{token}").status_code == 200
    quote = _quote(app, tenant_a, quote_id)
    assert (quote.status, quote.viewed_at) == (QuoteStatus.SENT, None)
    client_for(tenant_a, role=None).get(f"/q/{token}")
    assert _quote(app, tenant_a, quote_id).status == QuoteStatus.VIEWED


def test_customer_views_then_accepts_with_name_consent_ip_and_browser(app, tenant_a, client_for):
    quote_id = make_quote(app, tenant_a)
    token = send_quote_now(app, tenant_a, quote_id)
    visitor = client_for(tenant_a, role=None)
    page = visitor.get(f"/q/{token}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Design sprint" in body
    assert "4,320.00" in body
    assert _quote(app, tenant_a, quote_id).status == QuoteStatus.VIEWED
    viewed_at = _quote(app, tenant_a, quote_id).viewed_at
    visitor.get(f"/q/{token}")
    assert _quote(app, tenant_a, quote_id).viewed_at == viewed_at
    unsigned = visitor.post(f"/q/{token}/accept", data={"name": "Bo Buyer"})
    assert unsigned.status_code == 422
    assert "Tick the box" in unsigned.get_data(as_text=True)
    accepted = visitor.post(
        f"/q/{token}/accept", data={"name": "Bo Buyer", "consent": "y"}, headers={"User-Agent": "QuoteTest/1.0"}
    )
    assert accepted.status_code == 302
    quote = _quote(app, tenant_a, quote_id)
    assert (quote.status, quote.accepted_name, quote.accepted_user_agent) == (
        QuoteStatus.ACCEPTED,
        "Bo Buyer",
        "QuoteTest/1.0",
    )
    assert quote.accepted_ip == "127.0.0.1"
    assert quote.accepted_at is not None
    again = visitor.post(f"/q/{token}/reject", data={"reason": "Changed my mind"})
    assert again.status_code == 302
    assert _quote(app, tenant_a, quote_id).status == QuoteStatus.ACCEPTED


def test_customer_rejects_with_a_reason(app, tenant_a, client_for):
    quote_id = make_quote(app, tenant_a)
    token = send_quote_now(app, tenant_a, quote_id)
    visitor = client_for(tenant_a, role=None)
    assert visitor.post(f"/q/{token}/reject", data={"reason": ""}).status_code == 422
    assert visitor.post(f"/q/{token}/reject", data={"reason": "Too expensive"}).status_code == 302
    quote = _quote(app, tenant_a, quote_id)
    assert (quote.status, quote.rejection_reason) == (QuoteStatus.REJECTED, "Too expensive")


def test_public_link_shows_only_its_own_quote(app, tenant_a, tenant_b, client_for, set_tenant):
    from datetime import timedelta

    from app.core.types import utcnow

    own = make_quote(app, tenant_a)
    token = send_quote_now(app, tenant_a, own)
    foreign_token = send_quote_now(app, tenant_b, make_quote(app, tenant_b))
    visitor = client_for(tenant_a, role=None)
    assert visitor.get(f"/q/{foreign_token}").status_code == 404
    assert visitor.post(f"/q/{foreign_token}/accept", data={"name": "X Y", "consent": "y"}).status_code == 404
    assert visitor.get(f"/q/{token[:-2]}xx").status_code == 404
    assert visitor.get(f"/q/{own}").status_code == 404
    assert client_for(tenant_b, role=None).get(f"/q/{token}").status_code == 404
    resent = send_quote_now(app, tenant_a, own)
    assert visitor.get(f"/q/{token}").status_code == 404
    with in_tenant(app, tenant_a.id):
        db.session.get(Quote, (tenant_a.id, own)).public_link_expires_at = utcnow() - timedelta(seconds=1)
    assert visitor.get(f"/q/{resent}").status_code == 410
    assert visitor.post(f"/q/{resent}/accept", data={"name": "X Y", "consent": "y"}).status_code == 410


def test_a_replaced_or_expired_link_says_to_ask_the_sender_and_shows_no_quote(app, tenant_a, client_for):
    from datetime import timedelta

    from app.core.types import utcnow

    quote_id = make_quote(app, tenant_a, title="Secret rebrand")
    replaced = send_quote_now(app, tenant_a, quote_id)
    current = send_quote_now(app, tenant_a, quote_id)
    visitor = client_for(tenant_a, role=None)
    gone = visitor.get(f"/q/{replaced}")
    assert gone.status_code == 404
    assert gone.headers["Referrer-Policy"] == "no-referrer"
    page = gone.get_data(as_text=True)
    assert "This link is no longer valid" in page
    assert "ask the person who sent it to you for a new link" in page
    with in_tenant(app, tenant_a.id):
        db.session.get(Quote, (tenant_a.id, quote_id)).public_link_expires_at = utcnow() - timedelta(seconds=1)
    expired = visitor.get(f"/q/{current}")
    assert expired.status_code == 410
    assert "This link has expired" in expired.get_data(as_text=True)
    for response in (gone, expired, visitor.get(f"/q/{current}/pdf")):
        assert 'data-testid="quote-link-not-valid"' in response.get_data(as_text=True)
        for secret in ("Secret rebrand", "Design sprint", "buyer@example.com"):
            assert secret not in response.get_data(as_text=True)


def test_editing_a_sent_quote_keeps_the_sent_version(app, tenant_a, client_for, as_user):
    from app.crm.quotes.services import update_quote

    quote_id = make_quote(app, tenant_a)
    token = send_quote_now(app, tenant_a, quote_id)
    number = _quote(app, tenant_a, quote_id).number
    with as_user(tenant_a) as owner:
        quote = db.session.get(Quote, (tenant_a.id, quote_id))
        update_quote(
            quote, {"lines": [{"description": "Design sprint", "quantity": "3", "unit_price": "1500.00"}]}, actor=owner
        )
    quote = _quote(app, tenant_a, quote_id)
    assert (quote.version, quote.status, quote.number, quote.total) == (
        2,
        QuoteStatus.DRAFT,
        number,
        Decimal("4500.00"),
    )
    with in_tenant(app, tenant_a.id):
        kept = db.session.scalar(select(QuoteVersion).where(QuoteVersion.quote_id == quote_id))
        assert (kept.version, kept.status, kept.snapshot["total"]) == (1, "sent", "4320.00")
    client = client_for(tenant_a)
    page = client.get(f"/quotes/{quote_id}/versions/1").get_data(as_text=True)
    assert "Copywriting" in page
    assert "4,320.00" in page
    assert client.get(f"/quotes/{quote_id}/versions/2").status_code == 404
    assert client_for(tenant_a, role=None).get(f"/q/{token}").status_code == 404


def test_an_unchanged_save_of_a_sent_quote_makes_no_version(app, tenant_a, as_user):
    from app.crm.quotes.services import update_quote

    quote_id = make_quote(app, tenant_a)
    send_quote_now(app, tenant_a, quote_id)
    with as_user(tenant_a) as owner:
        quote = db.session.get(Quote, (tenant_a.id, quote_id))
        update_quote(quote, {"title": "Website redesign"}, actor=owner)
    assert _quote(app, tenant_a, quote_id).version == 1


def test_accepted_quotes_are_final_and_numbered_quotes_are_kept(app, tenant_a, client_for):
    quote_id = make_quote(app, tenant_a)
    token = send_quote_now(app, tenant_a, quote_id)
    client = client_for(tenant_a)
    # Locked: refused, and said on its page.
    assert client.post(f"/quotes/{quote_id}/delete").headers["Location"].endswith(f"/quotes/{quote_id}")
    client_for(tenant_a, role=None).post(f"/q/{token}/accept", data={"name": "Bo Buyer", "consent": "y"})
    page = client.get(f"/quotes/{quote_id}").get_data(as_text=True)
    assert "An accepted quote is final" in page
    assert client.get(f"/quotes/{quote_id}/edit").status_code == 302
    assert client.post(f"/quotes/{quote_id}/edit", data={"title": "Changed"}).status_code == 302
    assert _quote(app, tenant_a, quote_id).title == "Website redesign"
    draft = make_quote(app, tenant_a)
    assert client.post(f"/quotes/{draft}/delete").status_code == 302


def test_a_locked_quote_writes_why_its_buttons_are_disabled_as_text(app, tenant_a, client_for):
    quote_id = make_quote(app, tenant_a)
    token = send_quote_now(app, tenant_a, quote_id)
    client_for(tenant_a, role=None).post(f"/q/{token}/accept", data={"name": "Bo Buyer", "consent": "y"})
    page = client_for(tenant_a).get(f"/quotes/{quote_id}").get_data(as_text=True)
    reasons = page.split('data-testid="action-reasons"', 1)[1].split("</ul>", 1)[0]
    assert "An accepted quote is final: it cannot be changed." in reasons
    assert "A numbered quote is kept for the record." in reasons
    assert "reject it" not in reasons  # only the customer can, on the quote's link
    delete = page.split('data-testid="delete-record-disabled"', 1)[0].rsplit("<button", 1)[1]
    assert 'aria-describedby="record-action-reasons"' in delete
    assert "title=" not in delete


def test_a_sent_quote_says_how_it_ends_instead_of_being_deleted(app, tenant_a, client_for):
    quote_id = make_quote(app, tenant_a)
    send_quote_now(app, tenant_a, quote_id)
    page = client_for(tenant_a).get(f"/quotes/{quote_id}").get_data(as_text=True)
    reasons = page.split('data-testid="action-reasons"', 1)[1].split("</ul>", 1)[0]
    valid_until = _quote(app, tenant_a, quote_id).valid_until
    assert (
        "A sent quote is kept for the record: mark it rejected if the customer said no; "
        f"unanswered, it expires after {valid_until:%d %b %Y}."  # as the page writes dates, not ISO
    ) in reasons


def test_a_member_marks_a_quote_rejected_when_the_customer_says_no_by_phone(app, tenant_a, client_for, api_client_for):
    """The customer said no on a call: a member records it (with what was said), in the page
    and through the API; a viewer is offered no such form, and an answered quote stays answered."""
    quote_id = make_quote(app, tenant_a)
    send_quote_now(app, tenant_a, quote_id)
    assert 'data-testid="quote-declined"' not in client_for(tenant_a, role="viewer").get(
        f"/quotes/{quote_id}"
    ).get_data(as_text=True)
    client = client_for(tenant_a)
    assert 'data-testid="quote-declined"' in client.get(f"/quotes/{quote_id}").get_data(as_text=True)
    done = client.post(f"/quotes/{quote_id}/reject", data={"reason": "Went with an in-house team."})
    assert done.status_code == 302
    quote = _quote(app, tenant_a, quote_id)
    assert (quote.status, quote.rejection_reason) == (QuoteStatus.REJECTED, "Went with an in-house team.")
    page = client.get(f"/quotes/{quote_id}").get_data(as_text=True)
    assert "The quote is marked rejected." in page
    assert 'data-testid="quote-declined"' not in page
    assert client.post(f"/quotes/{quote_id}/reject", data={"reason": "Again"}).status_code == 302
    assert _quote(app, tenant_a, quote_id).rejection_reason == "Went with an in-house team."
    other = make_quote(app, tenant_a)
    send_quote_now(app, tenant_a, other)
    api = api_client_for(tenant_a)
    assert api.post(f"/api/v1/quotes/{other}/reject", json={}).status_code == 422
    rejected = api.post(f"/api/v1/quotes/{other}/reject", json={"reason": "No budget."})
    assert rejected.status_code == 200
    assert (rejected.get_json()["status"], rejected.get_json()["rejection_reason"]) == ("rejected", "No budget.")
    assert api.post(f"/api/v1/quotes/{other}/reject", json={"reason": "No budget."}).status_code == 409


def test_quote_pdf_has_the_quote_text(app, tenant_a, client_for):
    quote_id = make_quote(app, tenant_a, introduction="Thanks for the brief.")
    send_quote_now(app, tenant_a, quote_id)
    response = client_for(tenant_a).get(f"/quotes/{quote_id}/pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=response.data, capture_output=True, check=True
    ).stdout.decode()
    number = _quote(app, tenant_a, quote_id).number
    for expected in (
        f"Quote {number}",
        "Alpha Agency",
        "Website redesign",
        "Design sprint",
        "Copywriting",
        "Thanks for the brief.",
        "USD 4,320.00",
    ):
        assert expected in text


def test_quote_pdf_needs_the_plan_feature(app, tenant_a, client_for, set_tenant, api_client_for):
    quote_id = make_quote(app, tenant_a)
    set_tenant(tenant_a, plan="free")
    client = client_for(tenant_a)
    assert client.get(f"/quotes/{quote_id}/pdf").status_code == 402
    assert 'data-testid="quote-pdf"' not in client.get(f"/quotes/{quote_id}").get_data(as_text=True)


def test_api_sends_a_quote_and_downloads_its_pdf(app, tenant_a, api_client_for):
    api = api_client_for(tenant_a)
    product_id = make_product(app, tenant_a)
    created = api.post(
        "/api/v1/quotes",
        json={"title": "Audit", "currency": "USD", "lines": [{"product_id": str(product_id), "quantity": "2"}]},
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["lines"][0]["description"] == "Website audit"
    assert (body["subtotal"], body["tax_total"], body["total"]) == ("2400.00", "480.00", "2880.00")
    quote_id = body["id"]
    bad = api.post(f"/api/v1/quotes/{quote_id}/send", json={"to": "not-an-address"})
    assert bad.status_code == 422
    sent = api.post(f"/api/v1/quotes/{quote_id}/send", json={"to": "buyer@example.com"})
    assert sent.status_code == 200, sent.get_json()
    assert sent.get_json()["quote"]["status"] == "sent"
    assert "/q/" in sent.get_json()["link"]
    pdf = api.get(f"/api/v1/quotes/{quote_id}/pdf")
    assert pdf.status_code == 200
    assert pdf.data.startswith(b"%PDF")
    assert api.post("/api/v1/quotes", json={"title": "X", "number": "Q-1"}).status_code == 422


def test_amounts_beyond_what_is_stored_are_refused_not_a_500(app, tenant_a, api_client_for):
    api = api_client_for(tenant_a)
    huge = api.post("/api/v1/quotes", json={"title": "Big", "lines": [{"description": "X", "quantity": 1e280}]})
    assert huge.status_code == 422
    assert "lines.0.quantity" in huge.get_json()["error"]["details"]
    line = {"description": "X", "quantity": "1000000", "unit_price": "999999999.99"}
    too_much = api.post("/api/v1/quotes", json={"title": "Big", "lines": [line]})
    assert too_much.status_code == 422
    half = {"description": "X", "quantity": "1", "unit_price": "600000000000.00"}
    total = api.post("/api/v1/quotes", json={"title": "Big", "lines": [half, half]})
    assert total.status_code == 422
    assert "split the document" in total.get_json()["error"]["details"]["lines"][0]


def test_terms_sent_back_by_a_browser_unchanged_are_not_a_change(app, tenant_a, as_user):
    """A textarea posts its lines with CRLF: saving the edit form without touching the terms must
    keep them as they were, not store a copy with carriage returns and log "Updated … terms"."""
    from app.crm.quotes.services import update_quote
    from tests.crm.conftest import timeline

    quote_id = make_quote(app, tenant_a, terms="Net 14 days.\nTravel is extra.")
    with as_user(tenant_a) as owner:
        quote = db.session.get(Quote, (tenant_a.id, quote_id))
        update_quote(quote, {"title": "Renamed", "terms": "Net 14 days.\r\nTravel is extra."}, actor=owner)
        assert quote.terms == "Net 14 days.\nTravel is extra."
        event = timeline(quote.id, system=True)[0]
        assert set(event.changes) == {"title"}


def test_saving_a_sent_quotes_form_unchanged_keeps_the_customers_link(app, tenant_a, as_user, client_for):
    """The terms as a browser posts them back (CRLF) are the same terms: no version 2, which
    would retire the link the customer was emailed."""
    from app.crm.quotes.services import update_quote

    quote_id = make_quote(app, tenant_a, terms="Net 14 days.\nTravel is extra.")
    token = send_quote_now(app, tenant_a, quote_id)
    with as_user(tenant_a) as owner:
        quote = db.session.get(Quote, (tenant_a.id, quote_id))
        update_quote(quote, {"terms": "Net 14 days.\r\nTravel is extra."}, actor=owner)
    assert _quote(app, tenant_a, quote_id).version == 1
    assert client_for(tenant_a, role=None).get(f"/q/{token}").status_code == 200


def test_a_quote_without_discounts_shows_them_as_zero_not_minus_zero(app, tenant_a, client_for):
    """The customer's page and the PDF read "Discounts 0.00"; "−0.00" looks like a mistake."""
    lines = [{"description": "Design sprint", "quantity": "2", "unit_price": "1500.00", "tax_rate": "20"}]
    quote_id = make_quote(app, tenant_a, lines=lines)
    token = send_quote_now(app, tenant_a, quote_id)
    visitor = client_for(tenant_a, role=None)
    page = visitor.get(f"/q/{token}").get_data(as_text=True)
    assert 'data-testid="quote-discount">0.00<' in page
    pdf = visitor.get(f"/q/{token}/pdf")
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.data, capture_output=True, check=True)
    discounts = next(line for line in text.stdout.decode().splitlines() if "Discounts" in line)
    assert discounts.split() == ["Discounts", "0.00"]


def test_a_change_of_lines_reads_with_units_and_grouped_amounts_on_the_timeline(app, tenant_a, as_user):
    from app.crm.quotes.services import update_quote
    from tests.crm.conftest import timeline

    line = {"description": "Design sprint", "unit": "day", "unit_price": "1500.00", "tax_rate": "20"}
    quote_id = make_quote(app, tenant_a, lines=[{**line, "quantity": "1"}])
    with as_user(tenant_a) as owner:
        quote = db.session.get(Quote, (tenant_a.id, quote_id))
        update_quote(quote, {"lines": [{**line, "quantity": "4"}]}, actor=owner)
        change = timeline(quote.id, system=True)[0].changes["lines"]
    assert change["old"] == "1 day × Design sprint = 1,800.00"
    assert change["new"] == "4 days × Design sprint = 7,200.00"
