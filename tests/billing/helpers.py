"""Read billing state back for assertions (on the platform scope, like the console)."""

from sqlalchemy import select

from app.billing.models import BillingCustomer, BillingInvoice, BillingSubscription, StripeEvent
from app.core.audit import AuditEvent
from app.core.extensions import db
from app.messaging.models import OutboxMessage
from app.plans.models import StatusChange
from app.tenants.models import Tenant
from tests.conftest import on_platform

SUBSCRIPTION_FIELDS = (
    "stripe_subscription_id",
    "stripe_customer_id",
    "status",
    "plan_code",
    "price_id",
    "item_id",
    "interval",
    "current_period_start",
    "current_period_end",
    "cancel_at_period_end",
    "cancel_at",
    "canceled_at",
    "ended_at",
    "trial_end",
    "schedule_id",
    "payment_method",
)
INVOICE_FIELDS = ("stripe_invoice_id", "stripe_subscription_id", "number", "issued_at", "amount_due", "amount_paid")
INVOICE_FIELDS += ("currency", "status", "hosted_invoice_url")


def tenant_row(app, tenant_id) -> dict:
    with on_platform(app):
        tenant = db.session.get(Tenant, tenant_id)
        return {
            "plan_code": tenant.plan_code,
            "status": tenant.status,
            "status_reason": tenant.status_reason,
            "past_due_since": tenant.past_due_since,
            "trial_ends_at": tenant.trial_ends_at,
        }


def events(app) -> list[StripeEvent]:
    with on_platform(app):
        rows = db.session.scalars(select(StripeEvent).order_by(StripeEvent.received_at, StripeEvent.id)).all()
        db.session.expunge_all()
        return list(rows)


def outbox(app, tenant_id) -> list[dict]:
    with on_platform(app):
        rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.tenant_id == tenant_id)).all()
        return sorted(
            (
                {"key": m.dedupe_key, "to": m.payload["to"], "subject": m.payload["subject"], "text": m.payload["text"]}
                for m in rows
            ),
            key=lambda m: m["key"] or "",
        )


def snapshot(app, slug: str) -> dict:
    """Everything billing wrote for one tenant, without surrogate ids or wall-clock columns."""
    with on_platform(app):
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
        state = tenant_row(app, tenant.id)
        subscriptions = db.session.scalars(
            select(BillingSubscription).order_by(BillingSubscription.stripe_subscription_id)
        ).all()
        invoices = db.session.scalars(select(BillingInvoice).order_by(BillingInvoice.stripe_invoice_id)).all()
        stripe_events = db.session.scalars(select(StripeEvent).order_by(StripeEvent.event_id)).all()
        audit = db.session.scalars(
            select(AuditEvent).where(AuditEvent.actor_label == "Stripe").order_by(AuditEvent.created_at, AuditEvent.id)
        ).all()
        history = db.session.scalars(
            select(StatusChange)
            .where(StatusChange.tenant_id == tenant.id)
            .order_by(StatusChange.created_at, StatusChange.id)
        ).all()
        return {
            "tenant": state,
            "customers": sorted(db.session.scalars(select(BillingCustomer.stripe_customer_id)).all()),
            "subscriptions": [{f: getattr(s, f) for f in SUBSCRIPTION_FIELDS} for s in subscriptions],
            "invoices": [{f: getattr(i, f) for f in INVOICE_FIELDS} for i in invoices],
            "events": [
                (e.event_id, e.type, e.result, e.error, e.stripe_subscription_id, e.tenant_id == tenant.id)
                for e in stripe_events
            ],
            "emails": [
                (m["key"].rsplit(":", 1)[0] if m["key"] else None, m["to"], m["subject"])
                for m in outbox(app, tenant.id)
            ],
            "audit": [(a.action, a.details) for a in audit],
            "history": [
                (h.event, h.status_from, h.status_to, h.plan_from, h.plan_to, h.reason, h.actor_label) for h in history
            ],
        }
