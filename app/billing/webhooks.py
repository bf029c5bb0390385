"""Apply verified Stripe webhook events exactly once, whatever their order.

An event id is claimed by a unique row in `stripe_events`, written in the same transaction
as the event's effects; a second delivery finds the row and changes nothing (on PostgreSQL
a simultaneous one waits on the unique index, then sees the committed row). Effects always
come from Stripe's current state, fetched under the tenant's row lock, never from the
event's own snapshot, so late or reordered events cannot roll the tenant back.
"""

import logging
import uuid

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from stripe import SignatureVerificationError, Webhook

from app.billing.gateway import GatewayError, get_gateway
from app.billing.models import BillingCustomer, EventResult, StripeEvent, SubscriptionStatus
from app.billing.notifications import notify_owners
from app.billing.stripe_data import invoice_subscription_id, stripe_id, tenant_id_from_metadata, timestamp
from app.billing.sync import (
    ForeignSubscription,
    UnknownPrice,
    get_mirrored_subscription,
    lock_tenant,
    recompute_tenant,
    upsert_invoice,
    upsert_subscription,
)
from app.core.context import tenant_context
from app.core.extensions import db
from app.core.ids import parse_uuid, uuid7
from app.core.templating import money
from app.core.types import utcnow
from app.tenants.models import Tenant

log = logging.getLogger(__name__)

SIGNATURE_TOLERANCE_SECONDS = 300
DUPLICATE = "duplicate"


class WebhookNotConfigured(Exception):
    """STRIPE_WEBHOOK_SECRET is not set: no event can be verified."""


class InvalidWebhook(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Ignored(Exception):
    """The event is recorded but changes nothing (unknown price, unknown customer…)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def verify_event(payload: bytes, signature: str | None) -> dict:
    """Check the Stripe-Signature header against the raw body; return the event as a dict."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise WebhookNotConfigured("STRIPE_WEBHOOK_SECRET is not set")
    try:
        event = Webhook.construct_event(payload, signature, secret, tolerance=SIGNATURE_TOLERANCE_SECONDS)
    except SignatureVerificationError as exc:
        raise InvalidWebhook("The Stripe signature is missing, wrong or too old.") from exc
    except ValueError as exc:  # signed, but not a JSON event (or not UTF-8)
        raise InvalidWebhook("The body is not a Stripe event.") from exc
    data = event.to_dict()
    if not data.get("id") or not data.get("type") or not isinstance((data.get("data") or {}).get("object"), dict):
        raise InvalidWebhook("The body is not a Stripe event.")
    return data


def receive_event(event: dict) -> str:
    """Apply one verified event unless it was applied before; returns the result recorded."""
    record = _claim(event)
    if record is None:
        return DUPLICATE
    about: dict = {}
    try:
        # A savepoint, so an ignored event provably leaves no partial change behind.
        with db.session.begin_nested():
            _dispatch(event, about)
        result, error = EventResult.PROCESSED, None
    except Ignored as exc:
        result, error = EventResult.IGNORED, exc.message
        log.info("stripe event %s (%s) ignored: %s", event["id"], event["type"], exc.message)
    record.tenant_id = about.get("tenant_id")
    record.stripe_subscription_id = about.get("subscription_id")
    record.result, record.error, record.processed_at = result, error, utcnow()
    db.session.flush()
    return result


def record_failure(event: dict, error: Exception) -> None:
    """Log an event whose processing failed, in its own transaction (the request's is rolled
    back). A later delivery of the same event processes it again; a success is never
    overwritten."""
    table = StripeEvent.__table__
    message = f"{type(error).__name__}: {getattr(error, 'message', None) or error}"[:2000]
    with db.engine.begin() as connection:
        insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
        stmt = insert(table).values(
            id=uuid7(),
            event_id=event["id"],
            type=event["type"][:100],
            livemode=bool(event.get("livemode")),
            stripe_created_at=timestamp(event.get("created")),
            stripe_object_id=(event["data"]["object"].get("id") or "")[:255] or None,
            result=EventResult.FAILED,
            error=message,
            attempts=1,
            received_at=utcnow(),
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.event_id],
            set_={"error": message, "processed_at": utcnow()},
            where=table.c.result == EventResult.FAILED,
        )
        connection.execute(stmt)


def _claim(event: dict) -> StripeEvent | None:
    """The event's row, locked and ours to process; None when it was already processed.

    The unique event id decides: INSERT … ON CONFLICT DO NOTHING waits on PostgreSQL for a
    simultaneous delivery's transaction and then inserts nothing if that one committed. A
    row left "failed" by an earlier attempt is taken over and processed again.
    """
    inserted = _insert_event(event)
    record = db.session.scalar(
        select(StripeEvent)
        .where(StripeEvent.event_id == event["id"])
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if inserted:
        return record
    if record is None or record.result != EventResult.FAILED:
        return None
    record.attempts += 1
    db.session.flush()
    return record


def _insert_event(event: dict) -> bool:
    table = StripeEvent.__table__
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(table)
        .values(
            id=uuid7(),
            event_id=event["id"],
            type=event["type"][:100],
            livemode=bool(event.get("livemode")),
            stripe_created_at=timestamp(event.get("created")),
            stripe_object_id=(event["data"]["object"].get("id") or "")[:255] or None,
            result=EventResult.PROCESSED,
            attempts=1,
            received_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=[table.c.event_id])
        .returning(table.c.id)
    )
    return db.session.execute(stmt).scalar() is not None


def _dispatch(event: dict, about: dict) -> None:
    handler = HANDLERS.get(event["type"])
    if handler is None:
        raise Ignored(f"Atrium does not act on {event['type']} events.")
    handler(event["data"]["object"], about, event["type"])


def _resolve_tenant(subscription_id: str | None, customer_id: str | None, hints: list) -> uuid.UUID | None:
    """Our own records first; the tenant id we put in Stripe metadata only for first contact."""
    if subscription_id:
        mirrored = get_mirrored_subscription(subscription_id)
        if mirrored is not None:
            return mirrored.tenant_id
    if customer_id:
        tenant_id = db.session.scalar(
            select(BillingCustomer.tenant_id).where(BillingCustomer.stripe_customer_id == customer_id)
        )
        if tenant_id is not None:
            return tenant_id
    for hint in hints:
        tenant_id = parse_uuid(hint) if hint else None
        if tenant_id is not None and db.session.get(Tenant, tenant_id) is not None:
            return tenant_id
    return None


def _require_tenant(about: dict, subscription_id, customer_id, hints) -> uuid.UUID:
    tenant_id = _resolve_tenant(subscription_id, customer_id, hints)
    if tenant_id is None:
        raise Ignored(f"No tenant is linked to customer {customer_id or '?'} / subscription {subscription_id or '?'}.")
    about["tenant_id"] = tenant_id
    return tenant_id


def _link_customer(tenant: Tenant, customer_id: str) -> None:
    if not customer_id:
        return
    mine = db.session.scalar(select(BillingCustomer).where(BillingCustomer.tenant_id == tenant.id))
    taken = db.session.scalar(select(BillingCustomer).where(BillingCustomer.stripe_customer_id == customer_id))
    if mine is None and taken is None:
        db.session.add(BillingCustomer(tenant_id=tenant.id, stripe_customer_id=customer_id))
        db.session.flush()


def _gateway():
    gateway = get_gateway()
    if gateway is None:
        raise GatewayError("Stripe is not configured (STRIPE_SECRET_KEY).")
    return gateway


def sync_subscription(tenant: Tenant, subscription_id: str):
    """Fetch one subscription's current state, mirror it and recompute the tenant."""
    try:
        current = _gateway().retrieve_subscription(subscription_id)
    except GatewayError as exc:
        if exc.not_found:
            raise Ignored(f"Stripe has no subscription {subscription_id}.") from exc
        raise
    try:
        row = upsert_subscription(tenant, current)
    except (UnknownPrice, ForeignSubscription) as exc:
        raise Ignored(str(exc)) from exc
    _link_customer(tenant, row.stripe_customer_id)
    recompute_tenant(tenant)
    return row


def _on_checkout_completed(session: dict, about: dict, kind: str) -> None:
    subscription_id = stripe_id(session.get("subscription"))
    if session.get("mode") != "subscription" or not subscription_id:
        raise Ignored("Not a subscription checkout.")
    about["subscription_id"] = subscription_id
    customer_id = stripe_id(session.get("customer"))
    hints = [session.get("client_reference_id"), tenant_id_from_metadata(session)]
    tenant_id = _require_tenant(about, subscription_id, customer_id, hints)
    with tenant_context(tenant_id):
        sync_subscription(lock_tenant(tenant_id), subscription_id)


def _on_subscription(subscription: dict, about: dict, kind: str) -> None:
    subscription_id = subscription["id"]
    about["subscription_id"] = subscription_id
    customer_id = stripe_id(subscription.get("customer"))
    tenant_id = _require_tenant(about, subscription_id, customer_id, [tenant_id_from_metadata(subscription)])
    with tenant_context(tenant_id):
        tenant = lock_tenant(tenant_id)
        row = sync_subscription(tenant, subscription_id)
        if kind == "customer.subscription.trial_will_end":
            _notify_trial_ending(tenant, row)


def _on_invoice(invoice: dict, about: dict, kind: str) -> None:
    subscription_id = invoice_subscription_id(invoice)
    about["subscription_id"] = subscription_id
    customer_id = stripe_id(invoice.get("customer"))
    details = ((invoice.get("parent") or {}).get("subscription_details")) or {}
    tenant_id = _require_tenant(about, subscription_id, customer_id, [tenant_id_from_metadata(details)])
    with tenant_context(tenant_id):
        tenant = lock_tenant(tenant_id)
        try:
            current = _gateway().retrieve_invoice(invoice["id"])
        except GatewayError as exc:
            if exc.not_found:
                raise Ignored(f"Stripe has no invoice {invoice['id']}.") from exc
            raise
        if subscription_id:
            sync_subscription(tenant, subscription_id)
        upsert_invoice(tenant, current)
        # Only an invoice that is still unpaid now is worth an email: a late failure event
        # for an invoice paid since must not tell the owner their payment failed.
        if current.get("status") == "open":
            if kind == "invoice.payment_failed":
                _notify_payment_failed(tenant, current)
            elif kind == "invoice.payment_action_required":
                _notify_action_required(tenant, current)


def _invoice_context(invoice: dict) -> dict:
    return {
        "invoice_number": invoice.get("number"),
        "amount": money(invoice.get("amount_due"), (invoice.get("currency") or "usd").upper()),
        "hosted_invoice_url": invoice.get("hosted_invoice_url"),
        "grace_days": current_app.config["PAST_DUE_GRACE_DAYS"],
    }


def _notify_payment_failed(tenant: Tenant, invoice: dict) -> None:
    notify_owners(
        tenant,
        template="billing_payment_failed",
        subject=f"Payment failed for {tenant.name}'s Atrium subscription",
        dedupe_key=f"dunning:{invoice['id']}",
        context=_invoice_context(invoice),
    )


def _notify_action_required(tenant: Tenant, invoice: dict) -> None:
    notify_owners(
        tenant,
        template="billing_action_required",
        subject=f"Please confirm the payment for {tenant.name}'s Atrium subscription",
        dedupe_key=f"payment_action:{invoice['id']}",
        context=_invoice_context(invoice),
    )


def _notify_trial_ending(tenant: Tenant, row) -> None:
    if row.status != SubscriptionStatus.TRIALING or row.trial_end is None or row.trial_end <= utcnow():
        return
    notify_owners(
        tenant,
        template="billing_trial_ending",
        subject=f"Your Atrium trial ends on {row.trial_end:%d %B %Y}",
        dedupe_key=f"trial_will_end:{row.stripe_subscription_id}:{int(row.trial_end.timestamp())}",
        context={"plan_name": tenant.plan.name if tenant.plan else row.plan_code, "trial_end": row.trial_end},
    )


HANDLERS = {
    "checkout.session.completed": _on_checkout_completed,
    "customer.subscription.created": _on_subscription,
    "customer.subscription.updated": _on_subscription,
    "customer.subscription.deleted": _on_subscription,
    "customer.subscription.trial_will_end": _on_subscription,
    "customer.subscription.paused": _on_subscription,
    "customer.subscription.resumed": _on_subscription,
    "invoice.paid": _on_invoice,
    "invoice.payment_failed": _on_invoice,
    "invoice.payment_action_required": _on_invoice,
    "invoice.finalized": _on_invoice,
    "invoice.voided": _on_invoice,
    "invoice.marked_uncollectible": _on_invoice,
}
