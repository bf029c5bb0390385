"""Subscriptions, declared once: made from the recurring lines of an accepted quote (or by
hand), billed per period; the renewal date moves on each time an invoice is made."""

from decimal import Decimal

from sqlalchemy import select

from app.core.currencies import coded_amount
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.crm.activities.capability import NOTES, TIMELINE
from app.crm.products.record import MAX_PRICE
from app.crm.quotes.priced_documents import (
    QUOTE_CURRENCIES,
    customer_fields,
    linked_records,
    sales_tab,
    status_field,
)
from app.crm.subscriptions.models import Interval, Subscription, SubscriptionStatus
from app.records import fields as f
from app.records.capabilities import Tab
from app.records.normalize import workspace_currency, workspace_today
from app.records.owner import OWNER
from app.records.record_type import RecordType


class SubscriptionType(RecordType):
    def before_save(self, subscription, cleaned, context):
        if not subscription.currency or (context.creating and not cleaned.get("currency")):
            # Empty, on a new one or emptied on an edit: the workspace's currency.
            subscription.currency = workspace_currency()
        if context.creating:
            subscription.start_date = subscription.start_date or workspace_today()
            subscription.next_renewal = subscription.next_renewal or subscription.start_date
        elif "start_date" in cleaned and cleaned["start_date"] is None:
            # Invoices count periods from the start: an existing subscription keeps one.
            message = "A subscription keeps its start date."
            raise ValidationFailed(message, details={"start_date": [message]})
        elif "next_renewal" in cleaned and cleaned["next_renewal"] is None:
            subscription.next_renewal = subscription.start_date
        if subscription.next_renewal < subscription.start_date:
            # The renewal job would bill, at once, a period the customer has not bought yet.
            message = f"A subscription cannot renew before it starts ({subscription.start_date})."
            raise ValidationFailed(message, details={"next_renewal": [message]})

    def related(self, subscription):
        return linked_records((("contact", subscription.contact_id), ("company", subscription.company_id)))


def _subscriptions_of(column):
    def load(record_type, record) -> dict:
        rows = db.session.scalars(select(Subscription).where(column == record.id).order_by(Subscription.next_renewal))
        return {"subscriptions": list(rows)}

    return load


def subscriptions_tab(column) -> Tab:
    return sales_tab("subscriptions", "Subscriptions", _subscriptions_of(column), icon="arrow-repeat", order=46)


SUBSCRIPTIONS = SubscriptionType(
    name="subscription",
    model=Subscription,
    icon="arrow-repeat",
    title="name",
    subtitle=lambda item: (
        f"{coded_amount(item.unit_price * item.quantity, item.currency)} {Interval.LABELS[item.interval].lower()}"
    ),
    default_sort="name",
    nav_order=68,
    nav_group="sales",
    description="Recurring services a customer pays for: renewed into invoices, with a reminder before each renewal.",
    example={"name": "SEO retainer", "interval": "monthly", "unit_price": "1800.00", "start_date": "2026-01-01"},
    fields=[
        f.Text("name", "Name", max_length=500, required=True, search=True, sort=True),
        status_field(SubscriptionStatus, SubscriptionStatus.ACTIVE),
        f.Choice(
            "interval", "Billing period", choices=Interval.LABELS, default=Interval.MONTHLY, filter=True, list=True
        ),
        *customer_fields(),
        f.Reference("quote_id", "From quote", to="quote", relation="quote", read_only=True),
        f.Choice("currency", "Currency", choices=QUOTE_CURRENCIES, blank=True),
        f.Quantity("quantity", "Quantity", places=3, minimum=Decimal("0.001"), maximum=Decimal(1_000_000)),
        f.Money("unit_price", "Price per period", maximum=MAX_PRICE, required=True, list=True, exact=True),
        f.Number("tax_rate", "Tax rate (%)", places=2, minimum=Decimal(0), maximum=Decimal(100)),
        f.DateField("start_date", "Started", filter=True),
        f.DateField(
            "next_renewal",
            "Next renewal",
            filter=True,
            list=True,
            list_on_phones=True,
            sort=True,
            help="Empty: the start date",
        ),
    ],
    capabilities=[OWNER, TIMELINE, NOTES],
    contributes=[
        ("contact", subscriptions_tab(Subscription.contact_id)),
        ("company", subscriptions_tab(Subscription.company_id)),
    ],
    empty_text="No subscriptions yet: they start when a quote with a recurring product is accepted.",
)
