"""Scheduled outbox work: retry due messages; a message that crashes is backed off too."""

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select

from app.core.context import platform_scope, tenant_context
from app.core.extensions import db
from app.core.types import utcnow
from app.messaging.models import OutboxMessage, OutboxStatus
from app.messaging.services import deliver_outbox_message, retry_delay

log = logging.getLogger(__name__)
BATCH_SIZE = 500
# A message queued moments ago is being delivered after its request's commit; leave it be.
FRESH_SECONDS = 60


def due_messages(now, limit: int = BATCH_SIZE) -> list[tuple]:
    with platform_scope():
        rows = db.session.execute(
            select(OutboxMessage.tenant_id, OutboxMessage.id)
            .where(
                OutboxMessage.status == OutboxStatus.QUEUED,
                OutboxMessage.next_attempt_at <= now,
                or_(OutboxMessage.attempts > 0, OutboxMessage.created_at <= now - timedelta(seconds=FRESH_SECONDS)),
            )
            .order_by(OutboxMessage.next_attempt_at)
            .limit(limit)
        ).all()
        db.session.commit()
    return [tuple(row) for row in rows]


def retry_outbox() -> dict:
    counts = {OutboxStatus.SENT: 0, OutboxStatus.QUEUED: 0, OutboxStatus.DEAD: 0, "crashed": 0}
    for tenant_id, message_id in due_messages(utcnow()):
        try:
            status = deliver_outbox_message(tenant_id, message_id)
        except Exception as exc:
            log.exception("outbox message %s crashed its provider", message_id)
            _back_off_after_crash(tenant_id, message_id, exc)
            counts["crashed"] += 1
            continue
        counts[status] = counts.get(status, 0) + 1
    return counts


def _back_off_after_crash(tenant_id, message_id, exc: Exception) -> None:
    """Count the attempt even though the provider raised something unexpected, so a poison
    message cannot be retried every minute forever."""
    with tenant_context(tenant_id):
        message = db.session.get(OutboxMessage, (tenant_id, message_id))
        if message is None or message.status != OutboxStatus.QUEUED:
            db.session.rollback()
            return
        message.attempts += 1
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
            message.status = OutboxStatus.DEAD
        else:
            message.next_attempt_at = utcnow() + retry_delay(message.attempts)
        db.session.commit()
