"""Apply verified Stripe webhook events exactly once, whatever their order.

Three steps, so that no network call happens inside a database transaction or under the
tenant's row lock (which `enforce()` takes for every counted write):

1. Claim: the event id's unique row in `stripe_events` is inserted as "processing" and
   committed at once; a simultaneous delivery finds it and waits for the outcome, a later
   one is a duplicate. A failed (or abandoned) claim is taken over by the next delivery.
2. Fetch: Stripe's current state of the objects the event names, read with no transaction
   open; nothing is fetched for an event no tenant is linked to.
3. Apply: in the request transaction, under the tenant's row lock, the fetched state is
   mirrored and the tenant recomputed; the event's result is written with its effects.

Effects come from Stripe's current state, never from the event's own snapshot, and a state
read earlier never overwrites one read later (subscriptions remember when they were read;
invoices only move forward), so late or reordered events cannot roll the tenant back.
"""

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from stripe import SignatureVerificationError, Webhook

from app.billing.gateway import GatewayError, get_gateway
from app.billing.models import (
    CUSTOMER_DELETED_ACTION,
    BillingCustomer,
    EventResult,
    StripeEvent,
    SubscriptionStatus,
)
from app.billing.notifications import notify_owners
from app.billing.stripe_data import invoice_subscription_id, stripe_id, tenant_id_from_metadata, timestamp
from app.billing.sync import (
    STRIPE_ACTOR,
    ForeignSubscription,
    UnknownPrice,
    get_mirrored_subscription,
    lock_tenant,
    recompute_tenant,
    upsert_invoice,
    upsert_subscription,
)
from app.core.audit import record_audit
from app.core.context import tenant_context
from app.core.extensions import db
from app.core.ids import parse_uuid, uuid7
from app.core.templating import money
from app.core.types import UTCDateTime, utcnow
from app.tenants.models import Tenant

log = logging.getLogger(__name__)

SIGNATURE_TOLERANCE_SECONDS = 300
DUPLICATE = "duplicate"
CLAIMED = "claimed"
IN_PROGRESS = "in_progress"
# A claim older than this was abandoned (its process died): the next delivery takes it over.
# Longer than the Stripe client's timeout with its retries.
ABANDONED_CLAIM_AFTER = timedelta(minutes=5)
# How long a simultaneous delivery waits for the one that claimed the event.
WAIT_FOR_CLAIM_SECONDS = 10.0


class WebhookNotConfigured(Exception):
    """STRIPE_WEBHOOK_SECRET is not set: no event can be verified."""


class InvalidWebhook(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class EventInProgress(Exception):
    """Another delivery of the event is still being processed; Stripe should retry later."""


class StateChanged(Exception):
    """The event became applicable after its state was fetched (a tenant was linked
    meanwhile); failing lets Stripe redeliver it, and the redelivery fetches."""


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


@dataclass(frozen=True)
class Target:
    """What an event is about: the objects to read from Stripe and how to find the tenant."""

    subscription_id: str | None
    customer_id: str | None
    hints: tuple = ()
    invoice_id: str | None = None


@dataclass
class StripeState:
    """Stripe's current state of the objects an event names, read before any lock.

    None for an object Stripe does not have (any more)."""

    fetched_at: datetime
    subscriptions: dict[str, dict | None] = field(default_factory=dict)
    invoices: dict[str, dict | None] = field(default_factory=dict)

    def subscription(self, subscription_id: str) -> dict:
        return _fetched(self.subscriptions, "subscription", subscription_id)

    def invoice(self, invoice_id: str) -> dict:
        return _fetched(self.invoices, "invoice", invoice_id)


def _fetched(objects: dict[str, dict | None], kind: str, object_id: str) -> dict:
    """The object as fetched for this event: one not fetched means the event changed meaning
    since (StateChanged), one Stripe does not have is nothing to apply (Ignored)."""
    if object_id not in objects:
        raise StateChanged(f"{kind.capitalize()} {object_id} was not fetched for this event.")
    current = objects[object_id]
    if current is None:
        raise Ignored(f"Stripe has no {kind} {object_id}.")
    return current


def receive_event(event: dict) -> str:
    """Apply one verified event unless it was applied before; returns the result recorded.

    Raises EventInProgress when a simultaneous delivery holds the claim for too long."""
    claim = _claim(event)
    if claim == IN_PROGRESS:
        claim = _wait_for_other_delivery(event["id"])
    if claim != CLAIMED:
        return claim
    target = _fetch_target(event)
    # The look-up above only read; end its transaction so none is open while Stripe answers.
    db.session.rollback()
    state = fetch_state(target)
    record = db.session.scalar(
        select(StripeEvent)
        .where(StripeEvent.event_id == event["id"])
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    about: dict = {}
    try:
        # A savepoint, so an ignored event provably leaves no partial change behind.
        with db.session.begin_nested():
            _dispatch(event, about, state)
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
    with _platform_engine().begin() as connection:
        insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
        stmt = insert(table).values(
            **_event_columns(event), result=EventResult.FAILED, error=message, attempts=1, received_at=utcnow()
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.event_id],
            set_={"result": EventResult.FAILED, "error": message, "processed_at": utcnow()},
            where=table.c.result.in_((EventResult.FAILED, EventResult.PROCESSING)),
        )
        connection.execute(stmt)


def _event_columns(event: dict) -> dict:
    """A new `stripe_events` row's record of the event itself, cut to its columns' sizes."""
    return {
        "id": uuid7(),
        "event_id": event["id"],
        "type": event["type"][:100],
        "livemode": bool(event.get("livemode")),
        "stripe_created_at": timestamp(event.get("created")),
        "stripe_object_id": (event["data"]["object"].get("id") or "")[:255] or None,
    }


def _platform_engine():
    """stripe_events is a platform table: on PostgreSQL only the platform role may write it."""
    return db.engines.get("platform") or db.engine


def _claim(event: dict) -> str:
    """CLAIMED, DUPLICATE or IN_PROGRESS, decided and committed in a transaction of its own,
    so a simultaneous delivery sees the claim while this one talks to Stripe.

    INSERT … ON CONFLICT DO NOTHING decides between simultaneous first deliveries (the unique
    event id); a row left "failed", or "processing" by a process that died, is taken over.
    `processed_at` of a processing row is when its attempt started.
    """
    table = StripeEvent.__table__
    now = utcnow()
    with _platform_engine().begin() as connection:
        insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
        inserted = connection.execute(
            insert(table)
            .values(
                **_event_columns(event), result=EventResult.PROCESSING, attempts=1, received_at=now, processed_at=now
            )
            .on_conflict_do_nothing(index_elements=[table.c.event_id])
            .returning(table.c.id)
        ).scalar()
        if inserted is not None:
            return CLAIMED
        row = connection.execute(
            select(table.c.result, table.c.processed_at).where(table.c.event_id == event["id"]).with_for_update()
        ).one()
        started = UTCDateTime().process_result_value(row.processed_at, connection.dialect)
        abandoned = row.result == EventResult.PROCESSING and (started is None or started < now - ABANDONED_CLAIM_AFTER)
        if row.result == EventResult.PROCESSING and not abandoned:
            return IN_PROGRESS
        if row.result != EventResult.FAILED and not abandoned:
            return DUPLICATE
        connection.execute(
            table.update()
            .where(table.c.event_id == event["id"])
            .values(result=EventResult.PROCESSING, attempts=table.c.attempts + 1, processed_at=now)
        )
        return CLAIMED


def _wait_for_other_delivery(event_id: str) -> str:
    """A simultaneous delivery holds the claim: answer "duplicate" once it has succeeded, or
    EventInProgress (Stripe retries) if it is still busy or failed."""
    table = StripeEvent.__table__
    deadline = time.monotonic() + WAIT_FOR_CLAIM_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.05)
        with _platform_engine().connect() as connection:
            result = connection.execute(select(table.c.result).where(table.c.event_id == event_id)).scalar()
        if result in (EventResult.PROCESSED, EventResult.IGNORED):
            return DUPLICATE
        if result != EventResult.PROCESSING:
            break
    raise EventInProgress(f"Another delivery of {event_id} is being processed.")


def _target_of(event: dict) -> Target:
    handler = HANDLERS.get(event["type"])
    if handler is None:
        raise Ignored(f"Atrium does not act on {event['type']} events.")
    return handler[0](event["data"]["object"])


def _fetch_target(event: dict) -> Target | None:
    """What to read from Stripe for this event; None when it will be ignored anyway (an
    unhandled type, or no tenant linked to it)."""
    try:
        target = _target_of(event)
    except Ignored:
        return None
    if _resolve_tenant(target.subscription_id, target.customer_id, target.hints) is None:
        return None
    return target


def fetch_state(target: Target | None) -> StripeState:
    """Read the target's objects from Stripe; call with no transaction open."""
    state = StripeState(fetched_at=utcnow())
    if target is None:
        return state
    gateway = _gateway()
    if target.invoice_id:
        state.invoices[target.invoice_id] = _found(gateway.retrieve_invoice, target.invoice_id)
        if state.invoices[target.invoice_id] is None:
            return state  # ignored: the subscription is not worth a call
    if target.subscription_id:
        state.subscriptions[target.subscription_id] = _found(gateway.retrieve_subscription, target.subscription_id)
    return state


def _found(retrieve, object_id: str) -> dict | None:
    try:
        return retrieve(object_id)
    except GatewayError as exc:
        if exc.not_found:
            return None
        raise


def _dispatch(event: dict, about: dict, state: StripeState) -> None:
    target = _target_of(event)
    about["subscription_id"] = target.subscription_id
    tenant_id = _require_tenant(about, target.subscription_id, target.customer_id, target.hints)
    with tenant_context(tenant_id):
        HANDLERS[event["type"]][1](lock_tenant(tenant_id), target, state, event["type"])


def _resolve_tenant(subscription_id: str | None, customer_id: str | None, hints) -> uuid.UUID | None:
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


def apply_subscription(tenant: Tenant, state: StripeState, subscription_id: str):
    """Mirror one subscription as fetched and recompute the tenant (under its row lock)."""
    try:
        row = upsert_subscription(tenant, state.subscription(subscription_id), read_at=state.fetched_at)
    except (UnknownPrice, ForeignSubscription) as exc:
        raise Ignored(str(exc)) from exc
    _link_customer(tenant, row.stripe_customer_id)
    recompute_tenant(tenant)
    return row


def _checkout_target(session: dict) -> Target:
    subscription_id = stripe_id(session.get("subscription"))
    if session.get("mode") != "subscription" or not subscription_id:
        raise Ignored("Not a subscription checkout.")
    hints = (session.get("client_reference_id"), tenant_id_from_metadata(session))
    return Target(subscription_id, stripe_id(session.get("customer")), hints)


def _subscription_target(subscription: dict) -> Target:
    return Target(subscription["id"], stripe_id(subscription.get("customer")), (tenant_id_from_metadata(subscription),))


def _invoice_target(invoice: dict) -> Target:
    details = ((invoice.get("parent") or {}).get("subscription_details")) or {}
    return Target(
        invoice_subscription_id(invoice),
        stripe_id(invoice.get("customer")),
        (tenant_id_from_metadata(details),),
        invoice_id=invoice["id"],
    )


def _customer_target(customer: dict) -> Target:
    return Target(None, customer["id"], (tenant_id_from_metadata(customer),))


def _apply_customer_deleted(tenant: Tenant, target: Target, state: StripeState, kind: str) -> None:
    """A customer deleted in Stripe can never pay again: unlink it, so that the owner's next
    plan choice makes a new customer instead of failing on the deleted one. Its subscriptions
    end with their own customer.subscription.deleted events; nothing else is removed."""
    customer = db.session.scalar(
        select(BillingCustomer).where(
            BillingCustomer.tenant_id == tenant.id, BillingCustomer.stripe_customer_id == target.customer_id
        )
    )
    if customer is None:
        raise Ignored(f"Customer {target.customer_id} is not the agency's billing account.")
    db.session.delete(customer)
    db.session.flush()
    record_audit(CUSTOMER_DELETED_ACTION, actor_label=STRIPE_ACTOR, target_label=target.customer_id)


def _apply_checkout(tenant: Tenant, target: Target, state: StripeState, kind: str) -> None:
    apply_subscription(tenant, state, target.subscription_id)


def _apply_subscription_event(tenant: Tenant, target: Target, state: StripeState, kind: str) -> None:
    row = apply_subscription(tenant, state, target.subscription_id)
    if kind == "customer.subscription.trial_will_end":
        _notify_trial_ending(tenant, row)


def _apply_invoice(tenant: Tenant, target: Target, state: StripeState, kind: str) -> None:
    current = state.invoice(target.invoice_id)
    if target.subscription_id:
        apply_subscription(tenant, state, target.subscription_id)
    row = upsert_invoice(tenant, current)
    # Only an invoice that is still unpaid now is worth an email: a late failure event
    # for an invoice paid since must not tell the owner their payment failed.
    if (row.status if row is not None else current.get("status")) == "open" and kind in INVOICE_NOTICES:
        _notify_invoice_open(tenant, current, INVOICE_NOTICES[kind])


@dataclass(frozen=True)
class InvoiceNotice:
    """The owners' email about an invoice that still waits for them; `subject` has `{tenant}`,
    and one email goes out per invoice (`dedupe` prefixes its id)."""

    template: str
    subject: str
    dedupe: str


# Invoice events that need the owners while the invoice is still open.
INVOICE_NOTICES = {
    "invoice.payment_failed": InvoiceNotice(
        "billing_payment_failed", "Payment failed for {tenant}'s Atrium subscription", "dunning"
    ),
    "invoice.payment_action_required": InvoiceNotice(
        "billing_action_required", "Please confirm the payment for {tenant}'s Atrium subscription", "payment_action"
    ),
}


def _notify_invoice_open(tenant: Tenant, invoice: dict, notice: InvoiceNotice) -> None:
    notify_owners(
        tenant,
        template=notice.template,
        subject=notice.subject.format(tenant=tenant.name),
        dedupe_key=f"{notice.dedupe}:{invoice['id']}",
        context={
            "invoice_number": invoice.get("number"),
            "amount": money(invoice.get("amount_due"), (invoice.get("currency") or "usd").upper()),
            "hosted_invoice_url": invoice.get("hosted_invoice_url"),
            "grace_days": current_app.config["PAST_DUE_GRACE_DAYS"],
        },
    )


def _notify_trial_ending(tenant: Tenant, row) -> None:
    if row.status != SubscriptionStatus.TRIALING or row.trial_end is None or row.trial_end <= utcnow():
        return
    # The owners read the date on the agency's clock: the webhook has no tenant host to say it.
    trial_end = row.trial_end.astimezone(ZoneInfo(tenant.timezone or "UTC"))
    notify_owners(
        tenant,
        template="billing_trial_ending",
        subject=f"Your Atrium trial ends on {trial_end:%d %B %Y}",
        dedupe_key=f"trial_will_end:{row.stripe_subscription_id}:{int(row.trial_end.timestamp())}",
        context={"plan_name": tenant.plan.name if tenant.plan else row.plan_code, "trial_end": trial_end},
    )


# Event type -> (what it is about, how its fetched state is applied).
CHECKOUT = (_checkout_target, _apply_checkout)
SUBSCRIPTION = (_subscription_target, _apply_subscription_event)
INVOICE = (_invoice_target, _apply_invoice)
CUSTOMER_DELETED = (_customer_target, _apply_customer_deleted)
HANDLERS = {
    "checkout.session.completed": CHECKOUT,
    "customer.subscription.created": SUBSCRIPTION,
    "customer.subscription.updated": SUBSCRIPTION,
    "customer.subscription.deleted": SUBSCRIPTION,
    "customer.subscription.trial_will_end": SUBSCRIPTION,
    "customer.subscription.paused": SUBSCRIPTION,
    "customer.subscription.resumed": SUBSCRIPTION,
    "invoice.paid": INVOICE,
    "invoice.payment_failed": INVOICE,
    "invoice.payment_action_required": INVOICE,
    "invoice.finalized": INVOICE,
    "invoice.voided": INVOICE,
    "invoice.marked_uncollectible": INVOICE,
    "customer.deleted": CUSTOMER_DELETED,
}
