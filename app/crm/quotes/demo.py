"""Demo products and quotes for `seed-demo`: a catalogue, and quotes in every state (a draft,
one sent, one viewed and accepted, one declined, one revised after sending)."""

from datetime import timedelta

from sqlalchemy import select

from app.auth.demo_team import get_demo_owner
from app.core.extensions import db
from app.core.types import clock_set_to, utcnow
from app.crm.companies.models import Company
from app.crm.contacts.models import Contact
from app.crm.deals.models import Deal
from app.crm.products.models import Product
from app.crm.products.services import create_product
from app.crm.quotes.services import accept_quote, create_quote, record_view, reject_quote, send_quote, update_quote
from app.crm.quotes.settings import update_quote_settings

PRODUCTS = (
    (
        "Website audit",
        "AUD-100",
        "1200.00",
        "20",
        "",
        "none",
        "A full review of content, speed, accessibility and SEO.",
    ),
    ("Design sprint", "DES-200", "1500.00", "20", "day", "none", "Five-day workshop from problem to tested prototype."),
    ("Copywriting", "COP-110", "95.00", "20", "hour", "none", "Landing pages, emails and ads."),
    ("SEO retainer", "SEO-300", "1800.00", "20", "month", "monthly", "Monthly technical and content SEO."),
    ("Managed hosting", "HOS-400", "2400.00", "20", "year", "yearly", "Hosting, backups and updates for a year."),
    ("Analytics setup", "ANA-150", "900.00", "20", "", "none", "Tracking plan, tag manager and dashboards."),
)
TERMS = (
    "Prices exclude travel. 50 % is invoiced on acceptance, the rest on delivery; invoices are due in 14 days.\n"
    "Recurring services renew automatically unless cancelled 30 days before renewal."
)


def seed_quotes_demo(tenant) -> None:
    owner = get_demo_owner(unless_seeded=Product)
    if owner is None:
        return
    contacts = list(
        db.session.scalars(select(Contact).where(Contact.company_id.is_not(None)).order_by(Contact.created_at).limit(6))
    )
    if len(contacts) < 5:
        return
    update_quote_settings(
        {
            "number_pattern": "Q-{year}-{seq:04d}",
            "invoice_number_pattern": "INV-{year}-{seq:04d}",
            "validity_days": 30,
            "payment_terms_days": 14,
            "renewal_reminder_days": 14,
            "default_terms": TERMS,
            "sender_address": "Kastanienallee 12\n10435 Berlin\nGermany",
            "mark_deal_won_on_acceptance": True,
        },
        actor=owner,
    )
    products = {}
    for name, sku, price, tax, unit, interval, description in PRODUCTS:
        products[sku] = create_product(
            {
                "name": name,
                "sku": sku,
                "unit_price": price,
                "currency": tenant.currency,
                "tax_rate": tax,
                "unit": unit,
                "recurring_interval": interval,
                "description": description,
            },
            actor=owner,
        )

    def line(sku, quantity, **extra):
        return {"product_id": str(products[sku].id), "quantity": quantity, **extra}

    now = utcnow()

    def days_ago(days: float):
        """Each step of a quote's life on the day it happened (sent, opened, answered)."""
        return clock_set_to(now - timedelta(days=days))

    def quote(title, contact, lines, **extra):
        company = db.session.get(Company, (contact.tenant_id, contact.company_id))
        # The company's open deal in the workspace's currency, if the deals demo made one.
        deal_id = db.session.scalar(
            select(Deal.id)
            .where(Deal.company_id == company.id, Deal.status == "open", Deal.currency == tenant.currency)
            .order_by(Deal.created_at)
            .limit(1)
        )
        if deal_id is not None:
            extra["deal_id"] = str(deal_id)
        return create_quote(
            {
                "title": title,
                "contact_id": str(contact.id),
                "company_id": str(company.id),
                "currency": tenant.currency,
                "lines": lines,
                "owner_id": str(owner.id),
                **extra,
            },
            actor=owner,
        )

    # In the order it happened, so that the numbers each sent quote takes follow the dates.
    with days_ago(20):
        declined = quote(
            "Video production",
            contacts[3],
            [{"description": "Brand film, 90 seconds", "quantity": "1", "unit_price": "14500.00", "tax_rate": "20"}],
        )
    with days_ago(19):
        send_quote(declined, {"to": contacts[3].primary_email}, actor=owner)
    with days_ago(15):
        record_view(declined)
    with days_ago(14):
        reject_quote(declined, {"reason": "Budget moved to the third quarter; let's talk again in June."})

    with days_ago(12):
        accepted = quote(
            "SEO retainer 2027",
            contacts[2],
            [line("SEO-300", "12", discount_kind="amount", discount_value="1800.00"), line("ANA-150", "1")],
        )
    with days_ago(11):
        send_quote(accepted, {"to": contacts[2].primary_email}, actor=owner)
    with days_ago(8):
        record_view(accepted)

    with days_ago(9):
        revised = quote(
            "Website redesign", contacts[4], [line("AUD-100", "1"), line("DES-200", "5"), line("HOS-400", "1")]
        )
    with days_ago(8):
        send_quote(revised, {"to": contacts[4].primary_email}, actor=owner)
    with days_ago(2):
        update_quote(
            revised,
            {
                "lines": [line("AUD-100", "1"), line("DES-200", "4"), line("HOS-400", "1"), line("ANA-150", "1")],
                "valid_until": (revised.valid_until + timedelta(days=14)).isoformat(),
            },
            actor=owner,
        )

    with days_ago(6):
        sent = quote(
            "Brand refresh",
            contacts[1],
            [line("AUD-100", "1"), line("DES-200", "3", discount_kind="percent", discount_value="10")],
        )
    with days_ago(5):
        send_quote(sent, {"to": contacts[1].primary_email, "message": "As discussed on Tuesday."}, actor=owner)

    with days_ago(1):
        quote(
            "Spring campaign landing pages",
            contacts[0],
            [
                line("COP-110", "24"),
                line("DES-200", "2"),
                {"description": "Stock photography licence", "quantity": "1", "unit_price": "350.00", "tax_rate": "20"},
            ],
            introduction="Three landing pages for the spring campaign, written and designed to convert.",
        )

    # Accepted a few hours ago: the order, the subscription and the won deal it makes belong to
    # today, whichever day of the month the demo is seeded.
    with days_ago(0.2):
        accept_quote(
            accepted,
            {"name": contacts[2].full_name, "consent": True},
            ip="203.0.113.24",
            user_agent="Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15",
        )
    db.session.flush()
