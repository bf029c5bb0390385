"""The job runner's side of the outbox: deliver what requests queued within seconds, retry due
messages with backoff (a crash backs off too), reconcile interrupted sends."""

import logging

from sqlalchemy import select

from app.core.context import platform_scope
from app.core.extensions import db
from app.core.types import utcnow
from app.messaging.models import OutboxMessage, OutboxStatus
from app.messaging.services import deliver_outbox_message, reconcile_stale_claims

log = logging.getLogger(__name__)
BATCH_SIZE = 500


def due_messages(now, limit: int = BATCH_SIZE) -> list[tuple]:
    """Queued messages whose time has come, oldest due first: a request's new message at once
    (nobody else sends it), a failed one once its backoff has passed. A message a job is sending
    right after its own commit may be listed too; its claim lets only one sender have it."""
    with platform_scope():
        rows = db.session.execute(
            select(OutboxMessage.tenant_id, OutboxMessage.id)
            .where(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at)
            .limit(limit)
        ).all()
        db.session.commit()
    return [tuple(row) for row in rows]


def deliver_outbox() -> dict:
    """The `outbox.deliver` job (every few seconds): send every queued message that is due."""
    counts = {OutboxStatus.SENT: 0, OutboxStatus.QUEUED: 0, OutboxStatus.DEAD: 0, "crashed": 0}
    for tenant_id, message_id in due_messages(utcnow()):
        try:
            status = deliver_outbox_message(tenant_id, message_id)
        except Exception:
            # The outbox already counted the attempt and backed the message off (a poison
            # message cannot be retried every few seconds forever).
            log.exception("outbox message %s crashed its provider", message_id)
            counts["crashed"] += 1
            continue
        counts[status] = counts.get(status, 0) + 1
    return counts


def retry_outbox() -> dict:
    """The `outbox.retry` job: reconcile sends a dead process left claimed, then send what is due."""
    reconciled = reconcile_stale_claims()
    counts = deliver_outbox()
    counts.update(reconciled)
    return counts
