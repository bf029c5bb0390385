"""The outbox: queue email and SMS in the caller's transaction; the job runner delivers them,
retries with backoff, and never sends twice when a sender dies between the provider call and
its commit.

A request never calls a provider: what it queues is sent by the scheduler's `outbox.deliver`
job (app/messaging/jobs.py) within seconds. Jobs (campaign batches, reminders), which run in
the scheduler process, send what they queued right after their own commit."""

import base64
import logging
import random
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial

from flask import current_app, has_request_context, render_template
from sqlalchemy import select, update

from app.core.context import get_current_tenant_id, platform_scope, tenant_context
from app.core.extensions import db
from app.core.ids import uuid7
from app.core.transactions import call_after_commit, call_after_rollback
from app.core.types import utcnow
from app.messaging.models import OutboxMessage, OutboxStatus
from app.messaging.providers import (
    DeliveryError,
    EmailMessage,
    SmsMessage,
    get_email_provider,
    get_sms_provider,
)

log = logging.getLogger(__name__)


def queue_email(
    to: str,
    template: str,
    *,
    subject: str,
    context: dict | None = None,
    dedupe_key: str | None = None,
    attachments: list[dict] | None = None,
) -> OutboxMessage | None:
    """Write an email to the outbox; the job runner sends it once the surrounding transaction
    has committed.

    `template` names `templates/email/<template>.txt` (and `.html`, if present). With a
    `dedupe_key`, a second message with the same key is not queued again. `attachments` are
    `{"filename", "content_type", "content": bytes}` (a meeting's invite.ics, say).
    """
    if dedupe_key is not None:
        existing = db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key))
        if existing is not None:
            return None
    context = dict(context or {}, subject=subject)
    text_body = render_template(f"email/{template}.txt", **context)
    html_body = render_template("email/layout.html", body=text_body, **context)
    payload = {
        "to": to,
        "subject": subject,
        "text": text_body,
        "html": html_body,
        "from": current_app.config["MAIL_DEFAULT_SENDER"],
    }
    if attachments:
        payload["attachments"] = [
            {
                "filename": item["filename"],
                "content_type": item["content_type"],
                "content": base64.b64encode(item["content"]).decode(),
            }
            for item in attachments
        ]
    return queue_outbox("email", payload, dedupe_key=dedupe_key)


PENDING_KEY = "outbox_pending"


def send_after_commit(tenant_id: uuid.UUID, message_id: uuid.UUID) -> None:
    """Outside a request (a job, a CLI command): try the message as soon as its transaction
    commits; a rollback drops the attempt with it. A transaction's messages are delivered
    together (a campaign batch claims and records its sends in one transaction each), in the
    order they were queued.

    In a request: nothing more. The committed row is the hand-off; the scheduler's
    `outbox.deliver` job sends it within seconds, so no web worker waits on SendGrid or Twilio.
    """
    if has_request_context() or not current_app.config.get("OUTBOX_DELIVER_AFTER_COMMIT", True):
        return
    pending = db.session.info.get(PENDING_KEY)
    if pending is None:
        pending = db.session.info[PENDING_KEY] = []
        call_after_commit(partial(_deliver_pending, pending))
        call_after_rollback(lambda: db.session.info.pop(PENDING_KEY, None))
    pending.append((tenant_id, message_id))


def _deliver_pending(pending: list) -> None:
    if db.session.info.get(PENDING_KEY) is pending:
        db.session.info.pop(PENDING_KEY)
    deliver_after_commit(pending)


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with full jitter: about 30 s, 1 min, 2 min … capped at 6 hours."""
    ceiling = min(30 * (2 ** max(attempts - 1, 0)), 6 * 3600)
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def queue_outbox(kind: str, payload: dict, *, dedupe_key: str | None = None, not_before=None) -> OutboxMessage:
    """Write any provider call (an email, an SMS) to the outbox in the caller's transaction.

    The outbox row's id is the send's idempotency key: it travels to the provider (SendGrid
    custom args, Twilio's status callback) and a send is only ever claimed once.
    """
    # The id is made here, not at flush: a campaign batch queues hundreds without flushing each.
    message = OutboxMessage(id=uuid7(), kind=kind, dedupe_key=dedupe_key, payload=payload)
    if not_before is not None:
        message.next_attempt_at = not_before
    db.session.add(message)
    if not_before is None or not_before <= utcnow():
        send_after_commit(get_current_tenant_id(), message.id)
    return message


def deliver_outbox_message(tenant_id: uuid.UUID, message_id: uuid.UUID) -> str:
    """Send one message; returns its resulting status (see `deliver_outbox_batch`)."""
    return deliver_outbox_batch(tenant_id, [message_id]).get(message_id, "missing")


def deliver_outbox_batch(tenant_id: uuid.UUID, message_ids: list) -> dict:
    """Send queued messages of one tenant; returns {id: resulting status}.

    Three steps, so that a process killed at any point neither sends twice nor loses a
    message: (1) claim the rows (`sending`, committed), (2) call the provider outside any
    transaction, (3) record every result in one transaction. A row left `sending` is
    reconciled with the provider by `reconcile_stale_claims` instead of being sent again
    blindly. Two commits per batch, whatever its size, keep a campaign's throughput up.
    """
    with tenant_context(tenant_id):
        try:
            # One statement claims the batch; a row another sender claimed first is skipped.
            claimed = sorted(
                db.session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(list(message_ids)), OutboxMessage.status == OutboxStatus.QUEUED)
                    .values(status=OutboxStatus.SENDING, claimed_at=utcnow(), attempts=OutboxMessage.attempts + 1)
                    .returning(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.payload)
                    .execution_options(synchronize_session=False)
                ).all()
            )
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    # In the tenant's context: the console provider writes the dev mailbox in this session,
    # committed with the results.
    with tenant_context(tenant_id):
        results, crash = _send_claimed(claimed, tenant_id)
        statuses = _record_results(tenant_id, results)
    if crash is not None:
        raise crash
    return statuses


def _send_claimed(claimed: list, tenant_id) -> tuple[dict, Exception | None]:
    """Hand each claimed message to its provider: {id: ("sent", provider id) | ("failed", why)}.

    Real providers are called from OUTBOX_SEND_CONCURRENCY threads (their calls are network
    waits); the console provider writes this session, so it goes one by one."""
    app = current_app._get_current_object()
    workers = app.config.get("OUTBOX_SEND_CONCURRENCY", 1)
    kinds = {kind for _, kind, _ in claimed}
    uses_console = any(
        (get_sms_provider() if kind == "sms" else get_email_provider()).name == "console" for kind in kinds
    )

    def in_app_context(item):
        with app.app_context():
            return _attempt(item, tenant_id)

    if workers > 1 and len(claimed) > 1 and not uses_console:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            outcomes = list(pool.map(in_app_context, claimed))
    else:
        outcomes = []
        for item in claimed:
            outcomes.append(_attempt(item, tenant_id))
            if outcomes[-1][2] is not None:
                break  # record what was sent so far, then let the caller see the crash
    results = {message_id: result for message_id, result, _ in outcomes}
    crash = next((error for _, _, error in outcomes if error is not None), None)
    return results, crash


def _attempt(item, tenant_id) -> tuple:
    message_id, kind, payload = item
    try:
        return message_id, ("sent", _call_provider(kind, payload, tenant_id, message_id)), None
    except DeliveryError as exc:
        return message_id, ("failed", str(exc)), None
    except Exception as exc:
        return message_id, ("failed", f"{type(exc).__name__}: {exc}"), exc


def _call_provider(kind: str, payload: dict, tenant_id, outbox_id) -> str:
    if kind == "sms":
        return get_sms_provider().send(sms_from_payload(payload, tenant_id))
    return get_email_provider().send(email_from_payload(payload, tenant_id, outbox_id))


def sms_from_payload(payload: dict, tenant_id) -> SmsMessage:
    return SmsMessage(
        to=payload["to"],
        body=payload["body"],
        from_number=payload.get("from") or current_app.config.get("TWILIO_FROM_NUMBER") or "",
        tenant_id=str(tenant_id),
        status_callback=payload.get("status_callback"),
    )


def email_from_payload(payload: dict, tenant_id, outbox_id) -> EmailMessage:
    # Every email names its outbox row: SendGrid's `processed` event then settles a send whose
    # sender died before recording the result (system mail as well as customer messages).
    custom_args = dict(payload.get("custom_args") or {}, tenant_id=str(tenant_id), outbox_id=str(outbox_id))
    return EmailMessage(
        to=payload["to"],
        subject=payload["subject"],
        text_body=payload.get("text", ""),
        html_body=payload.get("html", ""),
        from_address=payload.get("from") or current_app.config["MAIL_DEFAULT_SENDER"],
        tenant_id=str(tenant_id),
        from_name=payload.get("from_name", ""),
        reply_to=payload.get("reply_to", ""),
        headers=payload.get("headers"),
        custom_args=custom_args,
        attachments=tuple(payload.get("attachments") or ()),
    )


def _record_results(tenant_id, results: dict) -> dict:
    """One transaction for a batch's outcomes: sent, retried later with backoff, or dead."""
    if not results:
        return {}
    with tenant_context(tenant_id):
        try:
            rows = db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.id.in_(list(results))).with_for_update()
            ).all()
            now = utcnow()
            statuses, reported = {}, []
            for row in rows:
                if row.status != OutboxStatus.SENDING:
                    statuses[row.id] = row.status  # settled meanwhile (a provider event)
                    continue
                outcome, detail = results[row.id]
                if outcome == "sent":
                    row.status, row.sent_at, row.provider_message_id, row.last_error = (
                        OutboxStatus.SENT,
                        now,
                        detail,
                        None,
                    )
                else:
                    row.last_error = detail[:2000]
                    if row.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
                        row.status = OutboxStatus.DEAD
                    else:
                        row.status = OutboxStatus.QUEUED
                        row.next_attempt_at = now + retry_delay(row.attempts)
                    log.warning("%s %s failed (attempt %s): %s", row.kind, row.id, row.attempts, detail)
                statuses[row.id] = row.status
                reported.append(row)
            _notify(reported)
            db.session.commit()
            return statuses
        except Exception:
            db.session.rollback()
            raise


def confirm_sent(tenant_id, message_id, provider_id: str | None) -> bool:
    """The provider reports having the message (Twilio found it, SendGrid's `processed` event):
    record it sent in the caller's transaction, so it is never sent again. False when the row
    is missing or already settled."""
    message = db.session.get(OutboxMessage, (tenant_id, message_id), with_for_update=True)
    if message is None or message.status not in (OutboxStatus.SENDING, OutboxStatus.UNCONFIRMED):
        return False
    message.status = OutboxStatus.SENT
    message.sent_at = utcnow()
    message.provider_message_id = (provider_id or "")[:255] or None
    message.last_error = None
    _notify([message])
    return True


# Consumers of outbox results (customer messages follow their sends): listener(rows) gets the
# settled rows of one transaction at once (status sent, queued again, dead or unconfirmed).
_RESULT_LISTENERS: list = []


def on_outbox_result(listener) -> None:
    if listener not in _RESULT_LISTENERS:
        _RESULT_LISTENERS.append(listener)


def _notify(rows: list[OutboxMessage]) -> None:
    if not rows:
        return
    for listener in _RESULT_LISTENERS:
        listener(rows)


def reconcile_stale_claims(now=None) -> dict:
    """Rows left `sending` by a sender that died between its provider call and its commit.

    SMS: Twilio is asked whether it has the message (sent → recorded, not sent again; not
    there → queued again).
    Email through SendGrid: SendGrid cannot be asked, but its signed `processed` event names the
    outbox row (custom args) and marks it sent as soon as it arrives. A claim nobody confirmed
    within OUTBOX_UNCONFIRMED_SECONDS becomes `unconfirmed`: it may have gone out, so it is never
    sent again by itself; the console lists it for an operator to send again or leave.
    Email through the console provider: its mailbox row commits with the result, so a dead
    sender sent nothing and the message is queued again.
    """

    now = now or utcnow()
    cutoff = now - timedelta(seconds=current_app.config["OUTBOX_RECONCILE_SECONDS"])
    unconfirmed_cutoff = now - timedelta(seconds=current_app.config["OUTBOX_UNCONFIRMED_SECONDS"])
    with platform_scope():
        rows = db.session.execute(
            select(
                OutboxMessage.tenant_id,
                OutboxMessage.id,
                OutboxMessage.kind,
                OutboxMessage.payload,
                OutboxMessage.claimed_at,
            ).where(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_at <= cutoff)
        ).all()
        db.session.commit()
    counts = {"found_sent": 0, "requeued": 0, "awaiting_provider": 0, "unconfirmed": 0}
    for tenant_id, message_id, kind, payload, claimed_at in rows:
        if kind == "sms":
            try:
                found = get_sms_provider().find_sent(
                    sms_from_payload(payload, tenant_id), claimed_at - timedelta(minutes=1)
                )
            except DeliveryError:
                log.warning("could not reconcile SMS %s with Twilio; trying again later", message_id)
                continue
            if found:
                with tenant_context(tenant_id):
                    if confirm_sent(tenant_id, message_id, found):
                        counts["found_sent"] += 1
                    db.session.commit()
                continue
            outcome = _settle_claim(tenant_id, message_id, OutboxStatus.QUEUED, now)
        elif get_email_provider().name == "console":
            outcome = _settle_claim(tenant_id, message_id, OutboxStatus.QUEUED, now)
        elif claimed_at <= unconfirmed_cutoff:
            outcome = _settle_claim(tenant_id, message_id, OutboxStatus.UNCONFIRMED, now)
        else:
            outcome = "awaiting_provider"  # SendGrid's processed event may still come
        if outcome:
            counts[outcome] += 1
    return counts


_SETTLED_CLAIM = {
    OutboxStatus.QUEUED: ("requeued", "The sender stopped before recording the result; sent again."),
    OutboxStatus.UNCONFIRMED: (
        "unconfirmed",
        "The sender stopped during the provider call and the provider never confirmed the message: "
        "it may have been sent. Not sent again automatically.",
    ),
}


def _settle_claim(tenant_id, message_id, status: str, now) -> str | None:
    """Move a still-claimed row on (queued again, or unconfirmed); None when it settled meanwhile."""
    count_as, why = _SETTLED_CLAIM[status]
    with tenant_context(tenant_id):
        message = db.session.get(OutboxMessage, (tenant_id, message_id), with_for_update=True)
        if message is None or message.status != OutboxStatus.SENDING:
            db.session.rollback()
            return None
        message.status = status
        message.next_attempt_at = now
        message.last_error = why
        _notify([message])
        db.session.commit()
    return count_as


def deliver_after_commit(pending: list[tuple[uuid.UUID, uuid.UUID]], batch_size: int = 500) -> None:
    """Send what a job's transaction queued, in batches per tenant. A failure stays queued for
    the `outbox.deliver` job to retry."""
    by_tenant: dict = {}
    for tenant_id, message_id in pending:
        by_tenant.setdefault(tenant_id, []).append(message_id)
    for tenant_id, ids in by_tenant.items():
        for start in range(0, len(ids), batch_size):
            try:
                deliver_outbox_batch(tenant_id, ids[start : start + batch_size])
            except Exception:
                log.exception("delivering outbox messages of %s failed; the job runner will retry", tenant_id)
