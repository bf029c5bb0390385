"""Scheduled outbox work: reconcile interrupted sends, retry due messages (a crash backs off too)."""

import logging
from datetime import timedelta

from sqlalchemy import or_, select

from app.core.context import platform_scope
from app.core.extensions import db
from app.core.types import utcnow
from app.messaging.models import OutboxMessage, OutboxStatus
from app.messaging.services import deliver_outbox_message, reconcile_stale_claims

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
    """Reconcile sends a dead process left claimed, then send what is due."""
    counts = {OutboxStatus.SENT: 0, OutboxStatus.QUEUED: 0, OutboxStatus.DEAD: 0, "crashed": 0}
    counts.update(reconcile_stale_claims())
    for tenant_id, message_id in due_messages(utcnow()):
        try:
            status = deliver_outbox_message(tenant_id, message_id)
        except Exception:
            # The outbox already counted the attempt and backed the message off (a poison
            # message cannot be retried every minute forever).
            log.exception("outbox message %s crashed its provider", message_id)
            counts["crashed"] += 1
            continue
        counts[status] = counts.get(status, 0) + 1
    return counts
