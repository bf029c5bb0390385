"""What a tenant owner does with billing: see it, start a checkout, open the portal; and the
resync that platform admins, the CLI and the scheduler run."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.billing.gateway import billing_configured, get_gateway
from app.billing.models import CUSTOMER_DELETED_ACTION, BillingCustomer, BillingInvoice, BillingSubscription
from app.billing.sync import (
    UnknownPrice,
    current_subscription,
    get_customer,
    list_invoices,
    lock_tenant,
    recompute_tenant,
    tenant_subscriptions,
    upsert_invoice,
    upsert_subscription,
)
from app.core.audit import AuditEvent, record_audit
from app.core.context import tenant_context
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.types import utcnow
from app.plans.models import Plan
from app.tenants.models import Tenant, TenantStatus

PAID_PLANS = ("normal", "premium", "enterprise")
INTERVALS = {"month": "Monthly", "year": "Yearly"}
# Stripe refuses a trial_end less than 48 hours away.
MIN_TRIAL_LEFT = timedelta(hours=49)


@dataclass
class PlanOffer:
    plan: Plan
    prices: dict[str, str | None]  # interval -> Stripe price id, None when not sold online
    amounts: dict[str, int]

    @property
    def purchasable(self) -> bool:
        return any(self.prices.values())


@dataclass
class BillingOverview:
    configured: bool
    tenant: Tenant
    subscription: BillingSubscription | None
    customer: BillingCustomer | None
    invoices: list[BillingInvoice]
    offers: list[PlanOffer] = field(default_factory=list)

    @property
    def read_only_from(self) -> datetime | None:
        """When a past-due workspace turns read-only (the end of the grace period)."""
        if self.tenant.status != TenantStatus.PAST_DUE or self.tenant.past_due_since is None:
            return None
        return self.tenant.past_due_since + timedelta(days=current_app.config["PAST_DUE_GRACE_DAYS"])

    @property
    def current_price_id(self) -> str | None:
        return self.subscription.price_id if self.subscription and self.subscription.is_live else None


def get_billing_overview(tenant: Tenant) -> BillingOverview:
    plans = db.session.scalars(select(Plan).where(Plan.code.in_(PAID_PLANS)).order_by(Plan.sort_order)).all()
    offers = [
        PlanOffer(
            plan=plan,
            prices={"month": plan.stripe_price_monthly, "year": plan.stripe_price_yearly},
            amounts={"month": plan.price_monthly_cents, "year": plan.price_yearly_cents},
        )
        for plan in plans
    ]
    return BillingOverview(
        configured=billing_configured(),
        tenant=tenant,
        subscription=current_subscription(tenant.id),
        customer=get_customer(tenant.id),
        invoices=list_invoices(tenant.id),
        offers=offers,
    )


def check_plan_choice(plan_code: str, interval: str) -> tuple[Plan, str]:
    """Map a posted plan code and interval to the catalogue's price id — the only prices we use."""
    if plan_code not in PAID_PLANS:
        raise ValidationFailed("Choose one of the paid plans.", details={"plan": ["Choose one of the paid plans."]})
    if interval not in INTERVALS:
        raise ValidationFailed("Choose monthly or yearly billing.", details={"interval": ["Choose monthly or yearly."]})
    plan = db.session.get(Plan, plan_code)
    price_id = (plan.stripe_price_monthly if interval == "month" else plan.stripe_price_yearly) if plan else None
    if not price_id:
        message = f"{plan.name if plan else plan_code.title()} is not sold {INTERVALS[interval].lower()} online yet."
        raise ValidationFailed(message, details={"plan": [message]})
    return plan, price_id


def _require_gateway():
    gateway = get_gateway()
    if gateway is None:
        raise ValidationFailed("Billing is not configured on this installation; the platform admin changes plans.")
    return gateway


def ensure_customer(tenant: Tenant, *, actor) -> BillingCustomer:
    """The tenant's Stripe customer, created (once, idempotently) on first need."""
    lock_tenant(tenant.id)
    customer = get_customer(tenant.id)
    if customer is not None:
        return customer
    created = _require_gateway().create_customer(
        tenant_id=tenant.id, email=actor.email, name=tenant.name, replacing=_deleted_customer_id(tenant)
    )
    customer = BillingCustomer(tenant_id=tenant.id, stripe_customer_id=created["id"], email=actor.email)
    db.session.add(customer)
    db.session.flush()
    record_audit("billing.customer_created", actor=actor, target_label=created["id"])
    return customer


def _deleted_customer_id(tenant: Tenant) -> str | None:
    """The tenant's last Stripe customer deleted in Stripe (the webhook audits it), if any."""
    return db.session.scalar(
        select(AuditEvent.target_label)
        .where(AuditEvent.tenant_id == tenant.id, AuditEvent.action == CUSTOMER_DELETED_ACTION)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(1)
    )


def start_plan_change(
    tenant: Tenant, *, plan_code: str, interval: str, success_url: str, cancel_url: str, return_url: str, actor
) -> str:
    """Return the Stripe page to send the owner to for this plan and interval (GatewayError
    when Stripe refuses).

    New subscribers go to a Checkout Session. A tenant that already pays changes its live
    subscription in the Customer Portal (a second Checkout would bill twice): Stripe applies
    an upgrade at once and, as configured in the portal, a downgrade at the period's end.
    """
    plan, price_id = check_plan_choice(plan_code, interval)
    gateway = _require_gateway()
    live = next((s for s in tenant_subscriptions(tenant.id) if s.is_live), None)
    if live is not None and live.price_id == price_id:
        raise ValidationFailed(f"You are already on {plan.name}, billed {INTERVALS[interval].lower()}.")
    customer = ensure_customer(tenant, actor=actor)
    if live is not None and live.item_id:
        session = gateway.create_portal_session(
            customer_id=customer.stripe_customer_id,
            return_url=return_url,
            flow_data={
                "type": "subscription_update_confirm",
                "subscription_update_confirm": {
                    "subscription": live.stripe_subscription_id,
                    "items": [{"id": live.item_id, "price": price_id, "quantity": 1}],
                },
                "after_completion": {"type": "redirect", "redirect": {"return_url": return_url}},
            },
        )
    else:
        session = gateway.create_checkout_session(
            tenant_id=tenant.id,
            customer_id=customer.stripe_customer_id,
            price_id=price_id,
            success_url=success_url,
            cancel_url=cancel_url,
            metadata={"plan_code": plan.code, "interval": interval},
            trial_end=_remaining_trial_end(tenant),
        )
    record_audit(
        "billing.plan_change_started",
        actor=actor,
        target_label=plan.name,
        details={"plan": plan.code, "interval": interval, "via": "portal" if live else "checkout"},
    )
    return session["url"]


def _remaining_trial_end(tenant: Tenant) -> int | None:
    """A tenant still in its free trial is not charged before the trial ends."""
    if tenant.status != TenantStatus.TRIALING or tenant.trial_ends_at is None:
        return None
    if tenant.trial_ends_at - utcnow() < MIN_TRIAL_LEFT:
        return None
    return int(tenant.trial_ends_at.timestamp())


def open_customer_portal(tenant: Tenant, *, return_url: str, actor) -> str:
    gateway = _require_gateway()
    customer = get_customer(tenant.id)
    if customer is None:
        raise ValidationFailed("There is no Stripe billing account yet: choose a plan first.")
    session = gateway.create_portal_session(customer_id=customer.stripe_customer_id, return_url=return_url)
    record_audit("billing.portal_opened", actor=actor, target_label=customer.stripe_customer_id)
    return session["url"]


@dataclass
class ResyncSummary:
    subscriptions: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    invoices: int = 0
    changes: dict = field(default_factory=dict)


def resync_tenant(tenant_id: uuid.UUID, *, actor_label: str) -> ResyncSummary:
    """Pull the tenant's subscriptions and recent invoices from Stripe and recompute it.

    Runs inside the tenant's context whatever the caller (console, CLI, scheduler); raises
    GatewayError when Stripe fails, ValidationFailed when there is nothing to sync.
    """
    gateway = _require_gateway()
    summary = ResyncSummary()
    with tenant_context(tenant_id):
        customer = get_customer(tenant_id)
        if customer is None:
            raise ValidationFailed("This tenant has no Stripe customer yet; nothing to resync.")
        mirrored = [row.stripe_subscription_id for row in tenant_subscriptions(tenant_id)]
        # Stripe is read first, the tenant locked after: enforce() waits on that lock.
        read_at = utcnow()
        found = {s["id"]: s for s in gateway.list_subscriptions(customer.stripe_customer_id)}
        for subscription_id in mirrored:
            if subscription_id not in found:
                found[subscription_id] = gateway.retrieve_subscription(subscription_id)
        invoices = gateway.list_invoices(customer.stripe_customer_id)
        tenant = lock_tenant(tenant_id)
        for subscription_id, stripe_subscription in sorted(found.items()):
            try:
                upsert_subscription(tenant, stripe_subscription, read_at=read_at)
            except UnknownPrice as exc:
                summary.skipped.append(f"{subscription_id}: {exc}")
                continue
            summary.subscriptions.append(subscription_id)
        summary.changes = recompute_tenant(tenant)
        for invoice in invoices:
            summary.invoices += upsert_invoice(tenant, invoice) is not None
        record_audit(
            "billing.resynced",
            actor_label=actor_label,
            target_label=customer.stripe_customer_id,
            details={"subscriptions": summary.subscriptions, "skipped": summary.skipped, "changes": summary.changes},
        )
    current_app.logger.info("billing: resynced tenant %s: %s", tenant_id, summary)
    return summary


# The audit log's words for the actions written here (app/wiring.py registers them).
AUDIT_LABELS = {
    "billing.customer_created": "Billing account created",
    "billing.plan_change_started": "Plan change started",
    "billing.portal_opened": "Billing portal opened",
    CUSTOMER_DELETED_ACTION: "Billing account deleted in Stripe",
    "billing.resynced": "Billing synced from Stripe",
    "billing.resync": "Billing sync requested",
    "billing.accounts_viewed": "Billing accounts viewed",
    "billing.tenant_viewed": "Agency billing viewed",
    "billing.webhooks_viewed": "Stripe webhook log viewed",
}
