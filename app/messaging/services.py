"""Queue email in the caller's transaction; deliver it after commit; retry with backoff."""

import logging
import random
import uuid
from datetime import timedelta
from functools import partial

from flask import current_app, render_template
from sqlalchemy import select

from app.core.context import get_current_tenant_id, tenant_context
from app.core.extensions import db
from app.core.transactions import call_after_commit
from app.core.types import utcnow
from app.messaging.models import OutboxMessage, OutboxStatus
from app.messaging.providers import DeliveryError, EmailMessage, get_email_provider

log = logging.getLogger(__name__)


def queue_email(
    to: str, template: str, *, subject: str, context: dict | None = None, dedupe_key: str | None = None
) -> OutboxMessage | None:
    """Write an email to the outbox; it goes out after the surrounding transaction commits.

    `template` names `templates/email/<template>.txt` (and `.html`, if present). With a
    `dedupe_key`, a second message with the same key is not queued again.
    """
    if dedupe_key is not None:
        existing = db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key))
        if existing is not None:
            return None
    context = dict(context or {}, subject=subject)
    text_body = render_template(f"email/{template}.txt", **context)
    html_body = render_template("email/layout.html", body=text_body, **context)
    message = OutboxMessage(
        kind="email",
        dedupe_key=dedupe_key,
        payload={
            "to": to,
            "subject": subject,
            "text": text_body,
            "html": html_body,
            "from": current_app.config["MAIL_DEFAULT_SENDER"],
        },
    )
    db.session.add(message)
    db.session.flush()
    send_after_commit(get_current_tenant_id(), message.id)
    return message


def send_after_commit(tenant_id: uuid.UUID, message_id: uuid.UUID) -> None:
    """Try the message as soon as its transaction commits; a rollback drops the attempt with it."""
    call_after_commit(partial(deliver_after_commit, [(tenant_id, message_id)]))


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with full jitter: about 30 s, 1 min, 2 min … capped at 6 hours."""
    ceiling = min(30 * (2 ** max(attempts - 1, 0)), 6 * 3600)
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def deliver_outbox_message(tenant_id: uuid.UUID, message_id: uuid.UUID) -> str:
    """Try to send one message in its own transaction; returns its resulting status."""
    with tenant_context(tenant_id):
        try:
            message = db.session.get(OutboxMessage, (tenant_id, message_id), with_for_update=True)
            if message is None or message.status != OutboxStatus.QUEUED:
                db.session.rollback()
                return message.status if message else "missing"
            _attempt(message)
            status = message.status
            db.session.commit()
            return status
        except Exception:
            db.session.rollback()
            raise


def _attempt(message: OutboxMessage) -> None:
    payload = message.payload
    message.attempts += 1
    try:
        provider_id = get_email_provider().send(
            EmailMessage(
                to=payload["to"],
                subject=payload["subject"],
                text_body=payload.get("text", ""),
                html_body=payload.get("html", ""),
                from_address=payload.get("from") or current_app.config["MAIL_DEFAULT_SENDER"],
                tenant_id=str(message.tenant_id),
            )
        )
    except DeliveryError as exc:
        message.last_error = str(exc)[:2000]
        if message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
            message.status = OutboxStatus.DEAD
        else:
            message.next_attempt_at = utcnow() + retry_delay(message.attempts)
        log.warning("email %s failed (attempt %s): %s", message.id, message.attempts, exc)
        return
    message.status = OutboxStatus.SENT
    message.sent_at = utcnow()
    message.provider_message_id = provider_id
    message.last_error = None


def deliver_after_commit(pending: list[tuple[uuid.UUID, uuid.UUID]]) -> None:
    """Send what this request queued. A failure stays queued for the job runner to retry."""
    for tenant_id, message_id in pending:
        try:
            deliver_outbox_message(tenant_id, message_id)
        except Exception:
            log.exception("delivering outbox message %s failed; the job runner will retry", message_id)
