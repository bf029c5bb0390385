"""Webhook subscriptions (checked by the SSRF guard when saved), the after-commit consumer that
owes each matching event to each subscription, and delivery with retries as per-tenant jobs.

Retries back off exponentially with jitter for up to RETRY_WINDOW after the first attempt;
then the delivery is dead, the subscription is disabled and the workspace's admins are told.
"""

import random
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app.auth.models import Role, User
from app.auth.permissions import check_permission, check_permission_if_acting
from app.core.audit import record_audit
from app.core.context import require_tenant_id
from app.core.errors import ValidationFailed
from app.core.events import batch_memo, listeners_changed
from app.core.extensions import db
from app.core.ids import uuid7
from app.core.lookups import get_child_or_404, get_or_404
from app.core.pagination import Sort, resolve_sort, sorted_page
from app.core.ssrf import UnsafeUrl, check_url
from app.core.types import json_safe, utcnow
from app.core.validation import Errors, check_known_keys, clean_text
from app.crm.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from app.crm.webhooks.sender import post_signed
from app.crm.webhooks.signing import new_signing_secret
from app.jobs.tenant_jobs import schedule_tenant_job
from app.messaging.services import queue_email
from app.plans.services import check_writable
from app.records.event_types import check_event_patterns, matches
from app.records.registry import find_record_type
from app.records.schemas import serialize
from app.records.setting_services import add_audited, apply_changes, clean_flags, creator_id

FIELDS = ("name", "url", "event_types", "is_active")
RETRY_WINDOW = timedelta(hours=72)
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 6 * 3600
ATTEMPTS_KEPT = 30
DELIVERY_JOB = "webhook.delivery"
DELIVERY_SORTS = {"-created_at": Sort("-created_at", WebhookDelivery.created_at, True, "Newest first")}


def get_subscription(subscription_id, *, actor=None) -> WebhookSubscription:
    check_permission_if_acting(actor, "webhooks.view")
    return get_or_404(WebhookSubscription, subscription_id)


def list_subscriptions(*, actor=None) -> list[WebhookSubscription]:
    check_permission_if_acting(actor, "webhooks.view")
    return list(db.session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.name)))


def _clean(data: dict, *, creating: bool) -> dict:
    """The subscription's settings from `data`, or ValidationFailed naming every problem at once."""
    check_known_keys(data, FIELDS)
    errors = Errors()
    cleaned = {}
    name = clean_text(data, "name", errors, max_length=120, required=creating, label="Name")
    if name is not None:
        if not name:
            errors.add("name", "Name is required.")
        cleaned["name"] = name
    url = clean_text(data, "url", errors, max_length=2000, required=creating, label="URL")
    if url is not None:
        try:
            check_url(url)
        except UnsafeUrl as exc:
            errors.add("url", str(exc))
        cleaned["url"] = url
    if "event_types" in data or creating:
        patterns, problems = check_event_patterns(data.get("event_types") or [])
        for problem in problems:
            errors.add("event_types", problem)
        cleaned["event_types"] = patterns
    cleaned.update(clean_flags(data, ("is_active",), errors))
    errors.raise_if_any()
    return cleaned


def create_subscription(data: dict, *, actor) -> WebhookSubscription:
    check_permission(actor, "webhooks.create")
    check_writable()
    cleaned = _clean(data, creating=True)
    subscription = WebhookSubscription(secret=new_signing_secret(), created_by_id=creator_id(actor), **cleaned)
    add_audited(subscription, "webhook.created", actor=actor)
    listeners_changed()
    return subscription


def update_subscription(subscription: WebhookSubscription, data: dict, *, actor) -> WebhookSubscription:
    check_permission(actor, "webhooks.edit")
    check_writable()
    cleaned = _clean(data, creating=False)
    changes = apply_changes(subscription, cleaned)
    if cleaned.get("is_active"):
        subscription.disabled_reason = ""
    db.session.flush()
    listeners_changed()
    if changes:
        record_audit(
            "webhook.updated", actor=actor, target=subscription, target_label=subscription.name, details=changes
        )
    return subscription


def rotate_secret(subscription: WebhookSubscription, *, actor) -> WebhookSubscription:
    check_permission(actor, "webhooks.edit")
    subscription.secret = new_signing_secret()
    db.session.flush()
    record_audit("webhook.secret_rotated", actor=actor, target=subscription, target_label=subscription.name)
    return subscription


def delete_subscription(subscription: WebhookSubscription, *, actor) -> None:
    check_permission(actor, "webhooks.delete")
    record_audit("webhook.deleted", actor=actor, target=subscription, target_label=subscription.name)
    db.session.delete(subscription)
    db.session.flush()


# ---------------------------------------------------------------------------- deliveries


def list_deliveries(subscription: WebhookSubscription, *, cursor=None, limit=None, sort=None):
    stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id)
    return sorted_page(
        db.session, stmt, WebhookDelivery, resolve_sort(DELIVERY_SORTS, sort, "-created_at"), cursor, limit
    )


def get_delivery(subscription: WebhookSubscription, delivery_id) -> WebhookDelivery:
    return get_child_or_404(WebhookDelivery, delivery_id, subscription, "subscription_id")


def event_payload(event) -> dict:
    """The JSON body of an event: what happened, and the record as the API shows it now."""
    body = {
        "id": str(event.id),
        "type": event.name,
        "occurred_at": event.occurred_at.isoformat(),
        "tenant_id": str(event.tenant_id),
        "actor": event.actor_label,
        "summary": event.summary,
        "record_type": event.record_type,
        "record_id": str(event.record_id) if event.record_id else None,
        "changes": event.changes,
        "data": event.data,
    }
    record_type = find_record_type(event.record_type)
    if record_type is not None and event.record_id is not None and not event.name.endswith(".deleted"):
        record = db.session.get(record_type.model, (event.tenant_id, event.record_id))
        if record is not None:
            body["record"] = json_safe(serialize(record_type, record))
    return body


def active_subscriptions() -> list[WebhookSubscription]:
    """The tenant's active subscriptions, read once per dispatch batch."""
    return batch_memo(
        "webhooks.active_subscriptions",
        lambda: list(db.session.scalars(select(WebhookSubscription).where(WebhookSubscription.is_active))),
    )


def webhooks_listen_to(event_name: str) -> bool:
    """Whether an active subscription of the tenant wants `event_name` (the events consumer's
    `listening`: with none, an event queues no delivery for webhooks)."""
    return any(matches(subscription.event_types, event_name) for subscription in active_subscriptions())


def fan_out_event(event) -> int:
    """After-commit consumer: one delivery per active subscription that listens to the event."""
    subscriptions = [
        subscription for subscription in active_subscriptions() if matches(subscription.event_types, event.name)
    ]
    if not subscriptions:
        return 0
    payload = event_payload(event)
    for subscription in subscriptions:
        _queue_delivery(subscription.id, event.name, payload, event_id=event.id)
    return len(subscriptions)


def _queue_delivery(subscription_id, event_type: str, payload: dict, **links) -> WebhookDelivery:
    """A delivery of `payload`, due now, with its first attempt scheduled; `links` name the
    event it carries or the delivery it replays."""
    delivery = WebhookDelivery(
        id=uuid7(),
        subscription_id=subscription_id,
        event_type=event_type,
        payload=payload,
        next_attempt_at=utcnow(),
        **links,
    )
    db.session.add(delivery)
    db.session.flush()
    _schedule_attempt(delivery)
    return delivery


def _schedule_attempt(delivery: WebhookDelivery) -> None:
    # One job id per attempt: the scheduler removes a fired date job after starting it,
    # which must not remove the retry this run has just scheduled.
    schedule_tenant_job(
        require_tenant_id(),
        DELIVERY_JOB,
        f"{delivery.id}.{delivery.attempts + 1}",
        "app.crm.webhooks.jobs:attempt_delivery",
        "date",
        run_date=delivery.next_attempt_at,
        # Missed during an outage it still runs, late: dropped, the delivery would retry forever.
        late_runs=True,
    )


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with jitter: about 30 s, 1 min, 2 min … capped at 6 hours."""
    ceiling = min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def attempt_delivery(delivery: WebhookDelivery, *, now=None) -> str:
    """Send one attempt and record it; schedule the next one or give up. Returns the status."""
    if delivery.status != DeliveryStatus.PENDING:
        return delivery.status
    subscription = delivery.subscription
    now = now or utcnow()
    if not subscription.is_active:
        # Turned off (by someone, or after 72 hours of failures): its waiting retries stop too;
        # the log keeps them, to replay once it is active again.
        delivery.status = DeliveryStatus.DEAD
        delivery.next_attempt_at = None
        delivery.last_error = "Not sent: the webhook was turned off."
        return delivery.status
    headers = {"Atrium-Event": delivery.event_type, "Atrium-Delivery": str(delivery.id)}
    result = post_signed(subscription.url, delivery.payload, secret=subscription.secret, headers=headers)
    delivery.attempts += 1
    delivery.first_attempt_at = delivery.first_attempt_at or now
    delivery.last_attempt_at = now
    delivery.response_status = result.status
    delivery.response_ms = result.duration_ms
    delivery.response_body = result.body[:1000]
    delivery.last_error = result.error
    log = [*(delivery.attempt_log or []), {"at": now.isoformat(), "status": result.status, "ms": result.duration_ms}]
    if result.error:
        log[-1]["error"] = result.error[:300]
    delivery.attempt_log = log[-ATTEMPTS_KEPT:]
    subscription.last_delivery_at = now
    if result.ok:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.next_attempt_at = None
        return delivery.status
    next_at = now + retry_delay(delivery.attempts)
    if next_at - delivery.first_attempt_at > RETRY_WINDOW:
        delivery.status = DeliveryStatus.DEAD
        delivery.next_attempt_at = None
        _disable_after_failures(subscription, delivery)
        return delivery.status
    delivery.next_attempt_at = next_at
    _schedule_attempt(delivery)
    return delivery.status


def _disable_after_failures(subscription: WebhookSubscription, delivery: WebhookDelivery) -> None:
    if not subscription.is_active:
        return
    subscription.is_active = False
    subscription.disabled_reason = (
        f"Disabled on {utcnow():%Y-%m-%d %H:%M} UTC: deliveries failed for {RETRY_WINDOW.days * 24} hours "
        f"({delivery.last_error or 'no answer'})."
    )[:300]
    record_audit(
        "webhook.disabled",
        actor_label="Atrium webhooks",
        target=subscription,
        target_label=subscription.name,
        details={"reason": subscription.disabled_reason},
    )
    admins = db.session.scalars(
        select(User).where(User.role.in_((Role.OWNER, Role.ADMIN)), User.is_active_user).order_by(User.email)
    )
    for admin in admins:
        queue_email(
            admin.email,
            "webhook_disabled",
            subject=f"Webhook “{subscription.name}” was disabled",
            context={"user": admin, "subscription": subscription, "base_domain": current_app.config["BASE_DOMAIN"]},
            dedupe_key=f"webhook-disabled:{subscription.id}:{delivery.id}:{admin.id}",
        )


def _check_active(subscription: WebhookSubscription, doing: str) -> None:
    if not subscription.is_active:
        raise ValidationFailed(
            f"Enable the webhook before {doing}.", details={"subscription": ["This webhook is disabled."]}
        )


def replay_delivery(delivery: WebhookDelivery, *, actor) -> WebhookDelivery:
    """Send a logged delivery's payload again, as a new delivery (the log keeps both)."""
    check_permission(actor, "webhooks.edit")
    check_writable()
    _check_active(delivery.subscription, "replaying its deliveries")
    again = _queue_delivery(
        delivery.subscription_id,
        delivery.event_type,
        delivery.payload,
        event_id=delivery.event_id,
        replay_of_id=delivery.id,
    )
    record_audit("webhook.replayed", actor=actor, target=delivery.subscription, details={"delivery": str(delivery.id)})
    return again


def send_test_event(subscription: WebhookSubscription, *, actor) -> WebhookDelivery:
    """A `webhook.test` delivery, so an admin can check the receiver and the signature."""
    check_permission(actor, "webhooks.edit")
    _check_active(subscription, "sending it a test event")
    payload = {"type": "webhook.test", "occurred_at": utcnow().isoformat(), "tenant_id": str(require_tenant_id())}
    return _queue_delivery(subscription.id, "webhook.test", payload)
