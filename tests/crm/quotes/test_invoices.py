"""Invoices: from an accepted quote, numbered when issued, paid in payments that reach the
customer's timeline and lifetime value, voided, overdue; PDF and API."""

import subprocess
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.core.events import DomainEvent
from app.core.extensions import db
from app.crm.contacts.models import Contact
from app.crm.invoices.models import Invoice, InvoiceStatus
from tests.conftest import in_tenant
from tests.crm.conftest import timeline
from tests.crm.factories import make_contact
from tests.crm.quotes.factories import issue_invoice_now, make_invoice, make_quote, send_quote_now


def _invoice(app, tenant, invoice_id) -> Invoice:
    with in_tenant(app, tenant.id):
        invoice = db.session.get(Invoice, (tenant.id, invoice_id))
        _ = list(invoice.lines), list(invoice.payments)
        db.session.expunge_all()
        return invoice


def test_an_accepted_quote_becomes_a_draft_invoice_with_its_lines(app, tenant_a, client_for):
    quote_id = make_quote(app, tenant_a)
    token = send_quote_now(app, tenant_a, quote_id)
    client = client_for(tenant_a)
    assert client.post(f"/quotes/{quote_id}/invoice").status_code == 302
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(Invoice)) is None  # only accepted quotes are invoiced
    client_for(tenant_a, role=None).post(f"/q/{token}/accept", data={"name": "Bo Buyer", "consent": "y"})
    assert 'data-testid="invoice-quote"' in client.get(f"/quotes/{quote_id}").get_data(as_text=True)
    response = client.post(f"/quotes/{quote_id}/invoice")
    assert response.status_code == 302
    with in_tenant(app, tenant_a.id):
        invoice = db.session.scalar(select(Invoice))
        assert (invoice.quote_id, invoice.status, invoice.number) == (quote_id, InvoiceStatus.DRAFT, None)
        assert invoice.total == Decimal("4320.00")
        assert [line.description for line in invoice.lines] == ["Design sprint", "Copywriting"]


def test_issue_then_pay_in_two_payments(app, tenant_a, client_for):
    contact_id = make_contact(app, tenant_a)
    invoice_id = make_invoice(app, tenant_a, contact_id=str(contact_id))
    client = client_for(tenant_a)
    assert client.post(f"/invoices/{invoice_id}/issue").status_code == 302
    invoice = _invoice(app, tenant_a, invoice_id)
    assert invoice.number == f"INV-{invoice.issue_date.year}-0001"
    assert invoice.due_date == invoice.issue_date + timedelta(days=14)
    assert client.post(f"/invoices/{invoice_id}/edit", data={"title": "Changed"}).status_code == 302
    assert _invoice(app, tenant_a, invoice_id).title == "Design work"
    today = date.today().isoformat()
    too_much = client.post(f"/invoices/{invoice_id}/payments", data={"amount": "5000", "paid_on": today})
    assert too_much.status_code == 422
    assert "to the balance, 3,600.00" in too_much.get_data(as_text=True)
    first = {"amount": "1000.00", "paid_on": today, "method": "bank_transfer", "reference": "TX-1"}
    assert client.post(f"/invoices/{invoice_id}/payments", data=first).status_code == 302
    assert _invoice(app, tenant_a, invoice_id).status == InvoiceStatus.PARTIALLY_PAID
    rest = {"amount": "2600.00", "paid_on": today, "method": "card"}
    assert client.post(f"/invoices/{invoice_id}/payments", data=rest).status_code == 302
    invoice = _invoice(app, tenant_a, invoice_id)
    assert (invoice.status, invoice.amount_paid, invoice.balance) == (InvoiceStatus.PAID, Decimal("3600.00"), 0)
    with in_tenant(app, tenant_a.id):
        on_contact = [entry.subject or entry.body for entry in timeline(contact_id, system=True)]
    assert any("Payment of USD 1,000.00" in text for text in on_contact)
    page = client.get(f"/contacts/{contact_id}").get_data(as_text=True)
    assert 'data-testid="lifetime-value"' in page
    assert "USD 3,600.00" in page


def test_issuing_says_the_due_date_as_the_page_writes_dates(app, tenant_a, client_for):
    # The flash and the timeline read "due 2026-12-21" under a page that writes "21 Dec 2026".
    invoice_id = make_invoice(app, tenant_a)
    client = client_for(tenant_a)
    page = client.post(f"/invoices/{invoice_id}/issue", follow_redirects=True).get_data(as_text=True)
    invoice = _invoice(app, tenant_a, invoice_id)
    assert f"Invoice {invoice.number} issued, due {invoice.due_date:%d %b %Y}." in page
    assert f"Issued {invoice.number}, due {invoice.due_date:%d %b %Y}" in page
    assert invoice.due_date.isoformat() not in page


def test_a_payment_dated_before_the_invoice_was_issued_is_refused(app, tenant_a, client_for, api_client_for):
    """A payment received before the invoice existed is a typo (last year, a wrong month) that
    would put the money in the wrong period of every report: the form and the API refuse it."""
    invoice_id = make_invoice(app, tenant_a)
    issue_invoice_now(app, tenant_a, invoice_id)
    issued = _invoice(app, tenant_a, invoice_id).issue_date
    before = (issued - timedelta(days=3)).isoformat()
    page = client_for(tenant_a).post(f"/invoices/{invoice_id}/payments", data={"amount": "100.00", "paid_on": before})
    assert page.status_code == 422
    assert f"The invoice was issued on {issued:%d %b %Y}" in page.get_data(as_text=True)
    api = api_client_for(tenant_a).post(
        f"/api/v1/invoices/{invoice_id}/payments", json={"amount": "100.00", "paid_on": before}
    )
    assert api.status_code == 422
    assert "paid_on" in api.get_json()["error"]["details"]
    assert _invoice(app, tenant_a, invoice_id).amount_paid == 0


def test_a_paid_or_void_invoice_does_not_advise_voiding_it(app, tenant_a, client_for):
    """The reasons under the disabled buttons must name a way that exists: an invoice with
    payments cannot be voided, and a void one cannot be voided again."""
    client = client_for(tenant_a)
    paid = make_invoice(app, tenant_a)
    issue_invoice_now(app, tenant_a, paid)
    client.post(f"/invoices/{paid}/payments", data={"amount": "100.00", "paid_on": date.today().isoformat()})
    page = client.get(f"/invoices/{paid}").get_data(as_text=True)
    assert "void it" not in page
    assert "An invoice with payments cannot be changed." in page
    assert "An invoice with payments is kept for the books." in page
    void = make_invoice(app, tenant_a)
    issue_invoice_now(app, tenant_a, void)
    assert client.post(f"/invoices/{void}/void").status_code == 302
    page = client.get(f"/invoices/{void}").get_data(as_text=True)
    assert "void it" not in page
    assert "A void invoice cannot be changed." in page


def test_a_customer_with_issued_invoices_is_kept(app, tenant_a, client_for, api_client_for):
    """Deleting the contact or company an issued invoice bills wiped the customer off the
    invoice (its page and PDF): the books must keep naming who was billed. A draft's customer
    can still go."""
    from tests.crm.factories import make_company

    contact_id, company_id = make_contact(app, tenant_a), make_company(app, tenant_a)
    invoice_id = make_invoice(app, tenant_a, contact_id=str(contact_id), company_id=str(company_id))
    issue_invoice_now(app, tenant_a, invoice_id)
    api = api_client_for(tenant_a)
    refused = api.delete(f"/api/v1/companies/{company_id}")
    assert refused.status_code == 409
    assert "kept for the books" in refused.get_json()["error"]["message"]
    client = client_for(tenant_a)
    page = client.post(f"/contacts/{contact_id}/delete", follow_redirects=True)
    assert page.request.path == f"/contacts/{contact_id}"  # back on the contact, with the reason
    assert "This customer is named on 1 issued invoice kept for the books" in page.get_data(as_text=True)
    kept = make_contact(app, tenant_a)
    bulk = client.post(
        "/contacts/bulk", data={"action": "delete", "ids": [str(kept), str(contact_id)]}, follow_redirects=True
    )
    assert "kept for the books" in bulk.get_data(as_text=True)
    with in_tenant(app, tenant_a.id):
        # All or nothing: the other contact stays, and no "deleted" event reached the timeline or the audit log.
        assert db.session.get(Contact, (tenant_a.id, kept)) is not None
        assert not db.session.scalars(select(DomainEvent).where(DomainEvent.name == "contact.deleted")).all()
    invoice = _invoice(app, tenant_a, invoice_id)
    assert (invoice.contact_id, invoice.company_id) == (contact_id, company_id)
    drafted = make_contact(app, tenant_a)
    make_invoice(app, tenant_a, contact_id=str(drafted))
    assert api.delete(f"/api/v1/contacts/{drafted}").status_code == 204


def test_void_and_overdue(app, tenant_a, tenant_b):
    from app.crm.invoices.jobs import mark_overdue

    late = make_invoice(app, tenant_a)
    issue_invoice_now(app, tenant_a, late)
    foreign = make_invoice(app, tenant_b)
    issue_invoice_now(app, tenant_b, foreign)
    for tenant, invoice_id in ((tenant_a, late), (tenant_b, foreign)):
        with in_tenant(app, tenant.id):
            db.session.get(Invoice, (tenant.id, invoice_id)).due_date = date.today() - timedelta(days=1)
    with app.app_context():
        assert mark_overdue()["changed"] == 2
        assert mark_overdue()["changed"] == 0
    assert _invoice(app, tenant_a, late).status == InvoiceStatus.OVERDUE


def test_numbered_invoices_are_voided_not_deleted(app, tenant_a, client_for):
    invoice_id = make_invoice(app, tenant_a)
    issue_invoice_now(app, tenant_a, invoice_id)
    client = client_for(tenant_a)
    # Locked: refused, and said on its page.
    assert client.post(f"/invoices/{invoice_id}/delete").headers["Location"].endswith(f"/invoices/{invoice_id}")
    assert client.post(f"/invoices/{invoice_id}/void").status_code == 302
    assert _invoice(app, tenant_a, invoice_id).status == InvoiceStatus.VOID


def test_invoice_pdf_and_api(app, tenant_a, api_client_for):
    api = api_client_for(tenant_a)
    created = api.post(
        "/api/v1/invoices",
        json={
            "title": "Retainer",
            "currency": "USD",
            "lines": [{"description": "SEO", "quantity": "1", "unit_price": "1800"}],
        },
    )
    assert created.status_code == 201, created.get_json()
    invoice_id = created.get_json()["id"]
    issued = api.post(f"/api/v1/invoices/{invoice_id}/issue")
    assert issued.status_code == 200
    assert issued.get_json()["status"] == "issued"
    paid = api.post(
        f"/api/v1/invoices/{invoice_id}/payments", json={"amount": "1800.00", "paid_on": date.today().isoformat()}
    )
    assert paid.status_code == 201, paid.get_json()
    assert paid.get_json()["invoice"]["status"] == "paid"
    assert (
        api.post(f"/api/v1/invoices/{invoice_id}/payments", json={"amount": "1", "paid_on": "2026-01-01"}).status_code
        == 409
    )
    pdf = api.get(f"/api/v1/invoices/{invoice_id}/pdf")
    assert pdf.status_code == 200
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf.data, capture_output=True, check=True
    ).stdout.decode()
    number = issued.get_json()["number"]
    for expected in (f"Invoice {number}", "Retainer", "SEO", "Balance due", "USD 0.00"):
        assert expected in text


def test_payments_are_listed_and_an_unpaid_invoice_voided_through_the_api(app, tenant_a, api_client_for):
    api = api_client_for(tenant_a)
    paid = make_invoice(app, tenant_a)
    issue_invoice_now(app, tenant_a, paid)
    today = date.today().isoformat()
    assert api.get(f"/api/v1/invoices/{paid}/payments").get_json() == {"items": []}
    for amount, reference in (("100.00", "TX-1"), ("50.50", "TX-2")):
        body = {"amount": amount, "paid_on": today, "method": "card", "reference": reference}
        recorded = api.post(f"/api/v1/invoices/{paid}/payments", json=body)
        assert recorded.status_code == 201
        assert recorded.headers["Location"].endswith(f"/api/v1/invoices/{paid}/payments/{recorded.get_json()['id']}")
        shown = api.get(recorded.headers["Location"]).get_json()
        assert (shown["id"], shown["amount"], shown["reference"]) == (recorded.get_json()["id"], amount, reference)
    listed = api.get(f"/api/v1/invoices/{paid}/payments").get_json()["items"]
    assert [(row["amount"], row["reference"], row["method"]) for row in listed] == [
        ("100.00", "TX-1", "card"),
        ("50.50", "TX-2", "card"),
    ]
    # Money received stays in the books: an invoice with payments is not voided.
    assert api.post(f"/api/v1/invoices/{paid}/void").status_code == 409
    draft = make_invoice(app, tenant_a)
    assert api.post(f"/api/v1/invoices/{draft}/void").status_code == 409
    unpaid = make_invoice(app, tenant_a)
    issue_invoice_now(app, tenant_a, unpaid)
    voided = api.post(f"/api/v1/invoices/{unpaid}/void")
    assert voided.status_code == 200
    assert voided.get_json()["status"] == InvoiceStatus.VOID
    assert api.post(f"/api/v1/invoices/{unpaid}/void").status_code == 409
    # A payment is found under its own invoice only.
    assert api.get(f"/api/v1/invoices/{unpaid}/payments/{listed[0]['id']}").status_code == 404


def test_the_invoice_list_shows_the_status_on_a_phone_and_the_number_once(app, tenant_a, client_for):
    """At 375 px an invoice row showed its title and total but not whether it was paid; on a
    desktop its number stood twice, in the title and in a column of its own."""
    import re

    invoice_id = make_invoice(app, tenant_a, title="Website audit")
    issue_invoice_now(app, tenant_a, invoice_id)
    page = client_for(tenant_a).get("/invoices").get_data(as_text=True)
    headers = re.findall(r"<th([^>]*)>(.*?)</th>", page[page.index("<thead") : page.index("</thead>")], re.S)
    classes = {re.sub(r"<[^>]+>", "", label).strip(): attributes for attributes, label in headers}
    assert "Status" in classes
    assert "d-none" not in classes["Status"]
    assert "Number" not in classes
    assert re.search(r"<td[^>]*>\s*INV-\d{4}-\d{4}\s*</td>", page) is None
    assert re.search(r"INV-\d{4}-\d{4} · Website audit", page)


def test_a_patch_of_the_wrong_types_is_a_422_not_a_500(app, tenant_a, api_client_for):
    # Schemathesis found it: a boolean company and a numeric currency on a draft.
    api = api_client_for(tenant_a)
    draft = make_invoice(app, tenant_a)
    refused = api.patch(f"/api/v1/invoices/{draft}", json={"company_id": True, "currency": 2})
    assert refused.status_code == 422, refused.get_json()
    assert {"company_id", "currency"} <= set(refused.get_json()["error"]["details"])
    created = api.post(
        "/api/v1/invoices",
        json={"title": "Retainer", "currency": ["USD"], "lines": [{"description": "SEO", "unit_price": "10"}]},
    )
    assert created.status_code == 422, created.get_json()
    assert "currency" in created.get_json()["error"]["details"]


def test_a_void_invoice_owes_nothing_on_its_page(app, tenant_a, client_for):
    # Its payments panel read "Balance USD 3,600.00" under a Void badge, while its PDF says
    # "nothing is due on it".
    invoice_id = make_invoice(app, tenant_a)
    issue_invoice_now(app, tenant_a, invoice_id)
    client = client_for(tenant_a)
    assert client.post(f"/invoices/{invoice_id}/void").status_code == 302
    page = client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    balance = page.split('data-testid="invoice-balance">', 1)[1].split("</dd>", 1)[0]
    assert "Nothing due: void" in balance
    assert "3,600.00" not in balance
