"""Cross-tenant reads for the console's billing pages (run inside platform_scope())."""

import uuid
from dataclasses import dataclass

from sqlalchemy import or_, select

from app.billing.models import (
    BillingCustomer,
    BillingInvoice,
    BillingSubscription,
    EventResult,
    StripeEvent,
    SubscriptionStatus,
)
from app.billing.sync import deciding_subscription, list_invoices, shown_subscription, tenant_subscriptions
from app.core.extensions import db
from app.core.newest_first import newest_first_page, newest_first_rows
from app.core.pagination import Page
from app.plans.models import Plan
from app.tenants.models import Tenant

EVENT_RESULTS = EventResult.ALL
SUBSCRIPTION_STATUSES = (
    "trialing",
    "active",
    "past_due",
    "unpaid",
    "paused",
    "canceled",
    "incomplete",
    "incomplete_expired",
)
PAGE_SIZE = 50


def stripe_monthly_revenue() -> dict[uuid.UUID, float]:
    """What each agency paying a yearly Stripe subscription brings a month: a twelfth of its
    plan's yearly price (a monthly one brings its plan's monthly price, which MRR takes anyway)."""
    rows = db.session.execute(
        select(BillingSubscription.tenant_id, Plan.price_yearly_cents)
        .join(Plan, Plan.code == BillingSubscription.plan_code)
        .where(BillingSubscription.status.in_(SubscriptionStatus.PAID_UP), BillingSubscription.interval == "year")
    )
    return {tenant_id: yearly / 12 for tenant_id, yearly in rows}


def stripe_plan_refusal(tenant: Tenant) -> str | None:
    """A subscription Stripe still bills (or still retries) decides the agency's plan at every
    webhook and resync: a plan set in the console would be billed at the old price, then undone.
    Once every subscription has ended the console may set the plan (a free upgrade, say)."""
    deciding = deciding_subscription(tenant_subscriptions(tenant.id))
    if deciding is None or deciding.status not in (*SubscriptionStatus.LIVE, *SubscriptionStatus.UNSETTLED):
        return None
    return (
        f"{tenant.name} pays through Stripe (subscription {deciding.stripe_subscription_id}, {deciding.status}): "
        "its plan follows that subscription. Change the subscription in Stripe, and the plan follows."
    )


def event_types() -> list[str]:
    return list(db.session.scalars(select(StripeEvent.type).distinct().order_by(StripeEvent.type)))


def _tenants_by_id(ids) -> dict[uuid.UUID, Tenant]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {t.id: t for t in db.session.scalars(select(Tenant).where(Tenant.id.in_(ids)))}


def event_page(*, search: str | None, event_type: str | None, result: str | None, cursor: str | None) -> Page:
    stmt = select(StripeEvent)
    if search:
        term = search.strip()
        stmt = stmt.where(
            or_(
                StripeEvent.event_id == term,
                StripeEvent.stripe_object_id == term,
                StripeEvent.stripe_subscription_id == term,
            )
        )
    if event_type:
        stmt = stmt.where(StripeEvent.type == event_type)
    if result:
        stmt = stmt.where(StripeEvent.result == result)
    page = newest_first_page(stmt, by=StripeEvent.received_at, cursor=cursor, limit=PAGE_SIZE)
    page.extra["tenants"] = _tenants_by_id(e.tenant_id for e in page.items)
    return page


def subscription_page(*, status: str | None, cursor: str | None, search: str | None = None) -> Page:
    stmt = select(BillingSubscription)
    term = (search or "").strip()
    if term:
        # An agency's name or address, or the Stripe ids a receipt or a support email names.
        agencies = select(Tenant.id).where(
            or_(Tenant.name.icontains(term, autoescape=True), Tenant.slug.icontains(term, autoescape=True))
        )
        stmt = stmt.where(
            or_(
                BillingSubscription.tenant_id.in_(agencies),
                BillingSubscription.stripe_subscription_id == term,
                BillingSubscription.stripe_customer_id == term,
            )
        )
    if status:
        stmt = stmt.where(BillingSubscription.status == status)
    page = newest_first_page(stmt, by=BillingSubscription.synced_at, cursor=cursor, limit=PAGE_SIZE)
    page.extra["tenants"] = _tenants_by_id(s.tenant_id for s in page.items)
    return page


@dataclass
class TenantAccount:
    tenant: Tenant
    customer: BillingCustomer | None
    subscription: BillingSubscription | None
    subscriptions: list[BillingSubscription]
    events: list[StripeEvent]
    invoices: list[BillingInvoice]


def tenant_account(tenant_id: uuid.UUID, *, event_limit: int = 25) -> TenantAccount | None:
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        return None
    subscriptions = tenant_subscriptions(tenant_id)
    subscription_ids = [s.stripe_subscription_id for s in subscriptions]
    about_tenant = (
        or_(StripeEvent.tenant_id == tenant_id, StripeEvent.stripe_subscription_id.in_(subscription_ids))
        if subscription_ids
        else StripeEvent.tenant_id == tenant_id
    )
    events = newest_first_rows(select(StripeEvent).where(about_tenant), by=StripeEvent.received_at, limit=event_limit)
    return TenantAccount(
        tenant=tenant,
        customer=db.session.scalar(select(BillingCustomer).where(BillingCustomer.tenant_id == tenant_id)),
        subscription=shown_subscription(subscriptions),
        subscriptions=subscriptions,
        events=events,
        invoices=list_invoices(tenant_id, limit=12),
    )
