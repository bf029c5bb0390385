"""Mirror Stripe's subscriptions and invoices, and derive the tenant's plan and status from them.

The tenant's plan and status are a function of the mirrored subscriptions only, never of
the event that arrived last, so duplicated or reordered webhooks converge on one state:

- trialing / active subscription -> its plan, status active;
- past_due -> its plan, status past_due (read-only once PAST_DUE_GRACE_DAYS have passed);
- unpaid / paused (Stripe gave up retrying, or a trial ended without a card) -> its plan,
  status suspended: read-only, export allowed, restored when Stripe reports it paid;
- every provisioned subscription canceled -> plan free, status active;
- incomplete / incomplete_expired -> nothing was provisioned, the tenant is left alone.

A suspension or cancellation set by a platform admin (any status_reason not starting with
"Stripe:") is never lifted here; the plan still follows Stripe.
"""

import uuid
from datetime import datetime

from flask import current_app
from sqlalchemy import or_, select

from app.billing.models import BillingCustomer, BillingInvoice, BillingSubscription, SubscriptionStatus
from app.billing.stripe_data import (
    invoice_subscription_id,
    item_period,
    payment_method_summary,
    stripe_id,
    subscription_items,
    timestamp,
)
from app.core.extensions import db
from app.core.newest_first import newest_first_rows
from app.core.types import utcnow
from app.plans import lifecycle
from app.plans.models import Plan
from app.plans.services import BILLING_REASON_PREFIX, held_by_platform
from app.tenants.models import Tenant, TenantStatus

REASON_PREFIX = BILLING_REASON_PREFIX
STRIPE_ACTOR = "Stripe"
FREE_PLAN = "free"


class UnknownPrice(Exception):
    """The subscription's price is not in the plan catalogue; the event changes nothing."""


class ForeignSubscription(Exception):
    """The subscription is mirrored for another tenant; Stripe ids never move between tenants."""


def lock_tenant(tenant_id: uuid.UUID) -> Tenant:
    """Serialize billing changes of one tenant (row lock on PostgreSQL) and reload its row."""
    db.session.execute(select(Tenant.id).where(Tenant.id == tenant_id).with_for_update())
    return db.session.get(Tenant, tenant_id, populate_existing=True)


def plan_for_price(price_id: str | None) -> Plan | None:
    if not price_id:
        return None
    return db.session.scalar(
        select(Plan).where(or_(Plan.stripe_price_monthly == price_id, Plan.stripe_price_yearly == price_id))
    )


def get_customer(tenant_id: uuid.UUID) -> BillingCustomer | None:
    return db.session.scalar(select(BillingCustomer).where(BillingCustomer.tenant_id == tenant_id))


def get_mirrored_subscription(subscription_id: str, *, lock: bool = False) -> BillingSubscription | None:
    stmt = select(BillingSubscription).where(BillingSubscription.stripe_subscription_id == subscription_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(stmt)


def subscription_fields(stripe_subscription: dict, existing: BillingSubscription | None) -> dict:
    """The mirror's columns for a subscription as Stripe returned it; UnknownPrice if unmapped.

    A price the catalogue no longer lists keeps the plan it was mirrored with (prices get
    replaced in the catalogue, subscribers stay on the old one).
    """
    items = subscription_items(stripe_subscription)
    item, plan_code = None, None
    for candidate in items:
        price_id = stripe_id(candidate.get("price"))
        plan = plan_for_price(price_id)
        if plan is not None:
            item, plan_code = candidate, plan.code
            break
        if existing is not None and existing.price_id == price_id and existing.plan_code:
            item, plan_code = candidate, existing.plan_code
            break
    if item is None:
        prices = ", ".join(stripe_id(i.get("price")) or "?" for i in items) or "none"
        raise UnknownPrice(f"Unknown Stripe price ({prices}): no plan in the catalogue uses it; nothing changed.")
    price = item.get("price") if isinstance(item.get("price"), dict) else {}
    return {
        "stripe_customer_id": stripe_id(stripe_subscription.get("customer")) or "",
        "status": stripe_subscription.get("status") or SubscriptionStatus.INCOMPLETE,
        "plan_code": plan_code,
        "price_id": stripe_id(item.get("price")),
        "item_id": item.get("id"),
        "interval": (price.get("recurring") or {}).get("interval"),
        "current_period_start": item_period(stripe_subscription, item, "current_period_start"),
        "current_period_end": item_period(stripe_subscription, item, "current_period_end"),
        "cancel_at_period_end": bool(stripe_subscription.get("cancel_at_period_end")),
        "cancel_at": timestamp(stripe_subscription.get("cancel_at")),
        "canceled_at": timestamp(stripe_subscription.get("canceled_at")),
        "ended_at": timestamp(stripe_subscription.get("ended_at")),
        "trial_end": timestamp(stripe_subscription.get("trial_end")),
        "schedule_id": stripe_id(stripe_subscription.get("schedule")),
        "payment_method": payment_method_summary(stripe_subscription),
        "stripe_created_at": timestamp(stripe_subscription.get("created")),
    }


def upsert_subscription(
    tenant: Tenant, stripe_subscription: dict, *, read_at: datetime | None = None
) -> BillingSubscription:
    """Write Stripe's state of one subscription, read from Stripe at `read_at`, into the
    mirror under a row lock. A state read before the one already mirrored is stale (Stripe
    was read outside the lock, so two readers can finish in any order) and changes nothing."""
    read_at = read_at or utcnow()
    existing = get_mirrored_subscription(stripe_subscription["id"], lock=True)
    if existing is not None and existing.tenant_id != tenant.id:
        raise ForeignSubscription(f"Subscription {stripe_subscription['id']} belongs to another tenant.")
    if existing is not None and existing.synced_at is not None and existing.synced_at > read_at:
        return existing
    fields = subscription_fields(stripe_subscription, existing)
    row = existing or BillingSubscription(stripe_subscription_id=stripe_subscription["id"], tenant_id=tenant.id)
    for name, value in fields.items():
        setattr(row, name, value)
    row.synced_at = read_at
    if existing is None:
        db.session.add(row)
    db.session.flush()
    return row


def tenant_subscriptions(tenant_id: uuid.UUID) -> list[BillingSubscription]:
    return list(
        db.session.scalars(
            select(BillingSubscription)
            .where(BillingSubscription.tenant_id == tenant_id)
            .order_by(BillingSubscription.stripe_created_at.desc(), BillingSubscription.stripe_subscription_id)
        )
    )


def _plan_rank(plan_code: str) -> int:
    plan = db.session.get(Plan, plan_code)
    return plan.sort_order if plan else -1


def _created(row: BillingSubscription):
    return (row.stripe_created_at.timestamp() if row.stripe_created_at else 0, row.stripe_subscription_id)


def deciding_subscription(rows: list[BillingSubscription]) -> BillingSubscription | None:
    """The subscription that decides the tenant's plan: a live one (paid up, then the best
    plan), else the newest unsettled one, else the newest ended one. None when nothing was
    ever provisioned."""
    provisioned = [r for r in rows if r.plan_code and r.status not in SubscriptionStatus.NOT_PROVISIONED]
    live = [r for r in provisioned if r.status in SubscriptionStatus.LIVE]
    if live:
        return max(live, key=lambda r: (r.status in SubscriptionStatus.PAID_UP, _plan_rank(r.plan_code), _created(r)))
    unsettled = [r for r in provisioned if r.status in SubscriptionStatus.UNSETTLED]
    if unsettled:
        return max(unsettled, key=_created)
    return max(provisioned, key=_created) if provisioned else None


def current_subscription(tenant_id: uuid.UUID) -> BillingSubscription | None:
    """The subscription to show the tenant: the deciding one, else the newest attempt."""
    return shown_subscription(tenant_subscriptions(tenant_id))


def shown_subscription(rows: list[BillingSubscription]) -> BillingSubscription | None:
    """current_subscription() of a tenant whose subscriptions (newest first) are loaded already."""
    return deciding_subscription(rows) or (rows[0] if rows else None)


def _target_state(row: BillingSubscription) -> tuple[str, str, str | None]:
    if row.status in SubscriptionStatus.PAID_UP:
        return row.plan_code, TenantStatus.ACTIVE, None
    if row.status == SubscriptionStatus.PAST_DUE:
        return (
            row.plan_code,
            TenantStatus.PAST_DUE,
            f"{REASON_PREFIX} payment of subscription {row.stripe_subscription_id} failed",
        )
    if row.status in SubscriptionStatus.UNSETTLED:
        return (
            row.plan_code,
            TenantStatus.SUSPENDED,
            f"{REASON_PREFIX} subscription {row.stripe_subscription_id} is {row.status}",
        )
    return FREE_PLAN, TenantStatus.ACTIVE, None


def status_held_by_admin(tenant: Tenant) -> bool:
    return held_by_platform(tenant)


def recompute_tenant(tenant: Tenant) -> dict:
    """Set the tenant's plan and status from its mirrored subscriptions; returns the changes.

    Changes go through app.plans.lifecycle, so they land in the tenant's status history and
    audit log like the console's do (actor "Stripe").
    """
    deciding = deciding_subscription(tenant_subscriptions(tenant.id))
    if deciding is None:
        return {}
    plan_code, status, reason = _target_state(deciding)
    why = f"Stripe subscription {deciding.stripe_subscription_id} is {deciding.status}"
    before = {"plan_code": tenant.plan_code, "status": tenant.status}
    lifecycle.change_plan(tenant, plan_code, actor_label=STRIPE_ACTOR, reason=why)
    if not status_held_by_admin(tenant):
        # set_status starts the grace clock only when the tenant becomes past_due, so the
        # grace period runs from the first failure however many events follow.
        lifecycle.set_status(tenant, status, actor_label=STRIPE_ACTOR, reason=reason or "")
        if tenant.trial_ends_at is not None:
            tenant.trial_ends_at = None  # paid through Stripe now: the free trial is over
    changes = {name: [old, getattr(tenant, name)] for name, old in before.items() if old != getattr(tenant, name)}
    if changes:
        db.session.flush()
        current_app.logger.info("billing: tenant %s changed %s", tenant.slug, changes)
    return changes


# An invoice only moves forward (open -> uncollectible -> paid or void), so a state read
# before the one mirrored is recognised without a clock.
INVOICE_PROGRESS = {"draft": 0, "open": 1, "uncollectible": 2, "paid": 3, "void": 3}


def upsert_invoice(tenant: Tenant, invoice: dict) -> BillingInvoice | None:
    """Mirror one finalized invoice (drafts have no number or hosted page yet); a state older
    than the mirrored one changes nothing."""
    if invoice.get("status") in (None, "draft"):
        return None
    row = db.session.scalar(
        select(BillingInvoice).where(
            BillingInvoice.tenant_id == tenant.id, BillingInvoice.stripe_invoice_id == invoice["id"]
        )
    )
    if row is not None and INVOICE_PROGRESS.get(invoice["status"], 0) < INVOICE_PROGRESS.get(row.status, 0):
        return row
    if row is None:
        row = BillingInvoice(tenant_id=tenant.id, stripe_invoice_id=invoice["id"])
        db.session.add(row)
    row.stripe_subscription_id = invoice_subscription_id(invoice)
    row.number = invoice.get("number")
    row.issued_at = timestamp(invoice.get("effective_at") or invoice.get("created")) or utcnow()
    row.amount_due = int(invoice.get("amount_due") or 0)
    row.amount_paid = int(invoice.get("amount_paid") or 0)
    row.currency = (invoice.get("currency") or "usd")[:3]
    row.status = invoice.get("status")
    row.hosted_invoice_url = invoice.get("hosted_invoice_url")
    db.session.flush()
    return row


def list_invoices(tenant_id: uuid.UUID, limit: int = 24) -> list[BillingInvoice]:
    stmt = select(BillingInvoice).where(BillingInvoice.tenant_id == tenant_id)
    return newest_first_rows(stmt, by=BillingInvoice.issued_at, limit=limit)
