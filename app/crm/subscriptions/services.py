"""Subscriptions through the kit's services, plus their life: made when a quote with recurring
lines is accepted, a reminder task before each renewal, and each renewal's invoice — once."""

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.auth.permissions import can
from app.core.currencies import minor_unit
from app.core.extensions import db
from app.crm.invoices.services import create_invoice, issue_invoice
from app.crm.quotes.services import acting_owner
from app.crm.quotes.settings import get_quote_settings
from app.crm.quotes.totals import round_money
from app.crm.subscriptions.models import Interval, Subscription, SubscriptionStatus
from app.crm.subscriptions.record import SUBSCRIPTIONS
from app.crm.tasks.record import TASKS
from app.records.normalize import workspace_today
from app.records.services import create_record, emit_record_event, record_services

(
    get_subscription,
    load_subscription_for_page,
    create_subscription,
    update_subscription,
    delete_subscription,
    list_subscriptions,
) = record_services(SUBSCRIPTIONS)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day (31 January + 1 month = 28/29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


MONTHS_PER_PERIOD = {Interval.MONTHLY: 1, Interval.YEARLY: 12}
# Units that name the subscription's own period: a line of "12 month" of a monthly retainer.
PERIOD_UNITS = {Interval.MONTHLY: {"month", "months", "mo"}, Interval.YEARLY: {"year", "years", "yr"}}


def period_end(start: date, interval: str, periods: int = 1) -> date:
    return add_months(start, MONTHS_PER_PERIOD[interval] * periods)


def periods_sold(line) -> tuple[int, Decimal]:
    """How many periods a recurring quote line pays for, and the quantity each renewal bills.

    A line counted in the subscription's own period ("12 month" of a monthly retainer, "2 year"
    of yearly hosting) sells that many periods up front, which the quote's invoice bills; each
    renewal after them bills one period. Any other quantity (5 seats, 3 licences) is what every
    period bills, and the quote's invoice pays for the first."""
    whole = line.quantity == line.quantity.to_integral_value()
    if whole and line.unit.strip().lower() in PERIOD_UNITS[line.recurring_interval]:
        return int(line.quantity), Decimal(1)
    return 1, line.quantity


def price_accepted(line, currency: str) -> Decimal:
    """The price of one unit of a recurring quote line as the customer accepted it: less the
    line's discount (a percentage, or an amount spread over the line's quantity), which a
    subscription has no column of its own for, so that each renewal bills the agreed rate;
    rounded to the currency's unit (the yen for yen)."""
    if not line.discount_amount:
        return line.unit_price
    return round_money((line.subtotal - line.discount_amount) / line.quantity, minor_unit(currency))


def subscriptions_from_accepted_quote(event, quote) -> None:
    """In-transaction subscriber of `quote.accepted`: each recurring line starts a subscription
    whose first renewal comes after the periods the quote's own invoice bills (`periods_sold`)."""
    recurring = [line for line in quote.lines if line.recurring_interval in Interval.LABELS]
    if not recurring:
        return
    actor = acting_owner(quote)
    today = workspace_today()
    for line in recurring:
        periods, quantity = periods_sold(line)
        subscription = create_record(
            SUBSCRIPTIONS,
            {
                "name": line.description,
                "interval": line.recurring_interval,
                "contact_id": quote.contact_id and str(quote.contact_id),
                "company_id": quote.company_id and str(quote.company_id),
                "currency": quote.currency,
                "quantity": str(quantity),
                "unit_price": str(price_accepted(line, quote.currency)),
                "tax_rate": str(line.tax_rate),
                "start_date": today.isoformat(),
                "next_renewal": period_end(today, line.recurring_interval, periods).isoformat(),
                "owner_id": quote.owner_id and str(quote.owner_id),
            },
            actor=actor,
        )
        subscription.quote_id = quote.id
        subscription.product_id = line.product_id
    db.session.flush()


def _due(condition) -> list[Subscription]:
    return list(
        db.session.scalars(
            select(Subscription)
            .where(Subscription.status == SubscriptionStatus.ACTIVE, condition)
            .order_by(Subscription.id)
            .with_for_update(skip_locked=True)
        )
    )


def remind_upcoming_renewals(today: date | None = None) -> int:
    """N days before each renewal, a task (the tasks record type, through the kit) assigned to
    the subscription's owner, due on the renewal date, about the subscription — once per
    renewal: `reminded_for` keeps the renewal date reminded, under the row lock of `_due`."""
    today = today or workspace_today()
    days = get_quote_settings().renewal_reminder_days
    count = 0
    for subscription in _due(Subscription.next_renewal <= today + timedelta(days=days)):
        if subscription.reminded_for == subscription.next_renewal or subscription.next_renewal < today:
            continue
        # The owner (or, with none active, the workspace's owner) gets the task; who creates it
        # must be allowed to, so a read-only owner's task is made by the workspace's owner.
        assignee = acting_owner(subscription)
        actor = assignee if can(assignee, TASKS.permission("create")) else acting_owner(None)
        create_record(
            TASKS,
            {
                "title": f"Renewal of {subscription.name} on {subscription.next_renewal.isoformat()}",
                "description": "Check in with the customer before the renewal invoice goes out.",
                "due_date": subscription.next_renewal.isoformat(),
                "owner_id": assignee and str(assignee.id),
                "related_id": str(subscription.id),
                "priority": "high",
            },
            actor=actor,
        )
        subscription.reminded_for = subscription.next_renewal
        count += 1
    db.session.flush()
    return count


def renew_due_subscriptions(today: date | None = None) -> int:
    """Each active subscription whose renewal date has come gets its period's invoice, issued,
    and its next renewal date — in one transaction, under a row lock: once per period."""
    today = today or workspace_today()
    count = 0
    for subscription in _due(Subscription.next_renewal <= today):
        start = subscription.next_renewal
        end = period_end(start, subscription.interval)
        actor = acting_owner(subscription)
        invoice = create_invoice(
            {
                "title": f"{subscription.name} renewal",
                "contact_id": subscription.contact_id and str(subscription.contact_id),
                "company_id": subscription.company_id and str(subscription.company_id),
                "currency": subscription.currency,
                "lines": [
                    {
                        "description": f"{subscription.name}, {start.isoformat()} to {(end - timedelta(days=1)).isoformat()}",
                        "quantity": str(subscription.quantity),
                        "unit_price": str(subscription.unit_price),
                        "tax_rate": str(subscription.tax_rate),
                    }
                ],
            },
            actor=actor,
        )
        issue_invoice(invoice, actor=actor)
        subscription.next_renewal = end
        emit_record_event(
            SUBSCRIPTIONS,
            subscription,
            "renewed",
            actor=actor,
            summary=f"Renewed: invoice {invoice.number} for {start.isoformat()} onwards; next renewal {end.isoformat()}",
            data={"invoice_number": invoice.number, "period_start": start.isoformat()},
        )
        count += 1
    db.session.flush()
    return count
