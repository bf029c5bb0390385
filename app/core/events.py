"""Domain events: services emit named events inside their transaction; subscribers react.

Two kinds of subscriber:

- In-transaction subscribers (`subscribe`) run inside `emit()`, so what they write (the
  timeline's system entries, audit rows) commits or rolls back with the change itself.
- After-commit consumers (`register_consumer`: webhooks, automations, notifications, reports)
  get one delivery row per matching event, written in the same transaction as the event.
  `dispatch_pending_events()` (a scheduler job) hands each delivery to its consumer after the
  commit, exactly once, and in order per record: a delivery waits while an earlier one of
  the same consumer for the same record is still pending. Deliveries go in batches, one
  transaction each; a consumer may keep what it reads once per batch (`batch_memo`). A
  consumer that says whether anyone listens (`listening`) gets deliveries only while someone
  does: an import of a million contacts into a workspace with no webhook and no workflow
  queues no delivery at all.

Subscribers are registered by the app's wiring (`app/wiring.py`), never by an import.
"""

import fnmatch
import logging
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ForeignKeyConstraint, Index, Integer, String, Text, and_, func, select, text
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.orm import Mapped, mapped_column

from app.core.bulk_rows import add_row, make_row
from app.core.context import platform_scope, tenant_context
from app.core.extensions import db
from app.core.ids import uuid7
from app.core.models import Base, TenantScoped
from app.core.session import TenantSession
from app.core.types import JSONType, json_safe, utcnow

log = logging.getLogger(__name__)

MAX_DELIVERY_ATTEMPTS = 8
LISTENING_KEY = "events.listening"
DISPATCH_BATCH = 200
DISPATCH_LIMIT = 2000


class DomainEvent(TenantScoped, Base):
    """One thing that happened to a record, stored with the change that caused it."""

    __tablename__ = "domain_events"
    __table_args__ = (
        Index("ix_domain_events_tenant_record", "tenant_id", "record_type", "record_id", "id"),
        Index("ix_domain_events_tenant_occurred", "tenant_id", "occurred_at"),
    )

    name: Mapped[str] = mapped_column(String(64))
    record_type: Mapped[str | None] = mapped_column(String(32))
    record_id: Mapped[uuid.UUID | None]
    # Plain columns, no foreign key: the event must outlive the user it names.
    actor_id: Mapped[uuid.UUID | None]
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    summary: Mapped[str] = mapped_column(String(300), default="")
    # {"changes": {field: {old, new}}, "data": {...}, "related": [[type, id], ...]}
    payload: Mapped[dict] = mapped_column(JSONType, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def changes(self) -> dict:
        return (self.payload or {}).get("changes") or {}

    @property
    def data(self) -> dict:
        return (self.payload or {}).get("data") or {}

    @property
    def related(self) -> list[tuple[str, uuid.UUID]]:
        return [(kind, uuid.UUID(str(value))) for kind, value in (self.payload or {}).get("related") or []]


class DeliveryStatus:
    PENDING = "pending"
    DONE = "done"
    DEAD = "dead"


class EventDelivery(TenantScoped, Base):
    """One event owed to one after-commit consumer."""

    __tablename__ = "event_deliveries"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "event_id"], ["domain_events.tenant_id", "domain_events.id"], ondelete="CASCADE"
        ),
        Index("ix_event_deliveries_tenant_order", "tenant_id", "consumer", "record_key", "event_id"),
        Index(
            "ix_event_deliveries_tenant_pending",
            "tenant_id",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    event_id: Mapped[uuid.UUID]
    consumer: Mapped[str] = mapped_column(String(64))
    # What "in order" is kept for: "contact:<id>", or the event's own id when it names no record.
    record_key: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]


@dataclass(frozen=True)
class Subscription:
    pattern: str
    handler: Callable
    consumer: str | None = None  # set for after-commit consumers
    listening: Callable[[str], bool] | None = None

    def matches(self, name: str) -> bool:
        return fnmatch.fnmatchcase(name, self.pattern)

    def listens(self, name: str) -> bool:
        """Whether this consumer has anything to do with `name` in the tenant: asked once per
        transaction and event name (a batch of an import asks once, not per record)."""
        if self.listening is None:
            return True
        answers = db.session.info.setdefault(LISTENING_KEY, {})
        key = (self.consumer, name)
        if key not in answers:
            answers[key] = bool(self.listening(name))
        return answers[key]


@dataclass
class _Registry:
    in_transaction: list[Subscription] = field(default_factory=list)
    after_commit: dict[str, Subscription] = field(default_factory=dict)


_registry = _Registry()


def subscribe(pattern: str, handler: Callable) -> None:
    """Run `handler(event, record)` inside the emitting transaction for events matching `pattern`."""
    if all(sub.handler is not handler or sub.pattern != pattern for sub in _registry.in_transaction):
        _registry.in_transaction.append(Subscription(pattern, handler))


def register_consumer(
    name: str, pattern: str, handler: Callable, *, listening: Callable[[str], bool] | None = None
) -> None:
    """Deliver matching events to `handler(event)` after commit, once each, in order per record.

    `listening(event_name)`, when given, tells whether the tenant has something that acts on
    the event (an active webhook, an active workflow); an event no one listens to gets no
    delivery. A service that starts a listener calls `listeners_changed()`, so that events
    later in its transaction are asked about again."""
    _registry.after_commit[name] = Subscription(pattern, handler, consumer=name, listening=listening)


def listeners_changed() -> None:
    """Forget this transaction's answers of `listening`: a listener was just added or turned on."""
    db.session.info.pop(LISTENING_KEY, None)


@sqlalchemy_event.listens_for(TenantSession, "after_transaction_end")
def _forget_listening(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(LISTENING_KEY, None)


def unregister_consumer(name: str) -> None:
    _registry.after_commit.pop(name, None)


def consumers() -> dict[str, Subscription]:
    return dict(_registry.after_commit)


def record_key(record_type: str | None, record_id, event_id) -> str:
    return f"{record_type}:{record_id}" if record_type and record_id else f"event:{event_id}"


def emit(
    name: str,
    *,
    actor=None,
    record=None,
    record_type: str | None = None,
    record_id=None,
    summary: str = "",
    changes: dict | None = None,
    data: dict | None = None,
    related=(),
) -> DomainEvent:
    """Store the event in the current transaction and run its in-transaction subscribers.

    `related` lists (type, id) of other records the event concerns (the company of a
    deleted contact, say): the timeline shows the event there too.
    """
    payload = {}
    if changes:
        payload["changes"] = json_safe(changes)
    if data:
        payload["data"] = json_safe(data)
    related = [(kind, str(value)) for kind, value in related if value is not None]
    if related:
        payload["related"] = related
    event = make_row(
        DomainEvent,
        id=uuid7(),
        name=name,
        record_type=record_type,
        record_id=record_id if record_id is not None else getattr(record, "id", None),
        actor_id=getattr(actor, "id", None),
        actor_label=actor_label(actor),
        summary=summary[:300],
        payload=payload,
        occurred_at=utcnow(),
    )
    add_row(event)
    for subscription in list(_registry.in_transaction):
        if subscription.matches(name):
            subscription.handler(event, record)
    key = record_key(event.record_type, event.record_id, event.id)
    for subscription in _registry.after_commit.values():
        if subscription.matches(name) and subscription.listens(name):
            add_row(make_row(EventDelivery, event_id=event.id, consumer=subscription.consumer, record_key=key))
    return event


def actor_label(actor) -> str:
    """How an actor is named in events and audit rows (set by impersonation, keys, users)."""
    if actor is None:
        return ""
    label = getattr(actor, "audit_label", None)
    return label or getattr(actor, "email", "") or ""


# ---------------------------------------------------------------------------- dispatch


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(15 * (2 ** max(attempts - 1, 0)), 6 * 3600))


def _tenants_with_due_deliveries(now) -> list[uuid.UUID]:
    with platform_scope():
        ids = list(
            db.session.scalars(
                select(EventDelivery.tenant_id)
                .where(EventDelivery.status == DeliveryStatus.PENDING, EventDelivery.next_attempt_at <= now)
                .distinct()
            )
        )
        db.session.commit()
    return ids


def _due_in_order(now, limit: int, consumer: str | None = None) -> list[EventDelivery]:
    """Pending deliveries (of `consumer`, or every consumer's) with no earlier pending delivery
    for the same consumer and record, whose attempt is due, oldest event first, locked
    (PostgreSQL) for this transaction.

    Two statements: the first pending delivery of each (consumer, record) comes from one
    numbered pass over the pending rows — no join, so no plan can turn it into a loop over
    them when the statistics think nothing is pending — then those rows are locked by id,
    skipping what another dispatcher holds. A row another dispatcher finished meanwhile is
    no longer pending when it is locked, and is left out.
    """
    pending = EventDelivery.status == DeliveryStatus.PENDING
    if consumer is not None:
        pending = and_(pending, EventDelivery.consumer == consumer)
    numbered = (
        select(
            EventDelivery.id,
            EventDelivery.event_id,
            EventDelivery.consumer,
            EventDelivery.next_attempt_at,
            func.row_number()
            .over(partition_by=(EventDelivery.consumer, EventDelivery.record_key), order_by=EventDelivery.event_id)
            .label("place"),
        )
        .where(pending)
        .subquery("numbered")
    )
    ids = list(
        db.session.scalars(
            select(numbered.c.id)
            .where(numbered.c.place == 1, numbered.c.next_attempt_at <= now)
            .order_by(numbered.c.event_id, numbered.c.consumer)
            .limit(limit)
        )
    )
    if not ids:
        return []
    stmt = select(EventDelivery).where(EventDelivery.id.in_(ids), pending)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return sorted(db.session.scalars(stmt), key=lambda delivery: (delivery.event_id, delivery.consumer))


def _events_of(batch: list[EventDelivery]) -> dict:
    """The batch's events in one read, by id."""
    ids = {delivery.event_id for delivery in batch}
    return {event.id: event for event in db.session.scalars(select(DomainEvent).where(DomainEvent.id.in_(ids)))}


# What consumers read once per batch (the tenant's active workflows, say), for as long as the
# batch's transaction lasts; None outside a batch.
_batch_memo: ContextVar[dict | None] = ContextVar("event_batch_memo", default=None)


def batch_memo(key, load: Callable):
    """`load()`, called once per dispatch batch for `key` (every time outside a batch).

    A batch is one transaction of one tenant, so what is kept is what that transaction read;
    a change committed meanwhile by another transaction is seen from the next batch on."""
    memo = _batch_memo.get()
    if memo is None:
        return load()
    if key not in memo:
        memo[key] = load()
    return memo[key]


def deliver(delivery: EventDelivery, event: DomainEvent | None = None) -> None:
    """Hand one delivery to its consumer; its writes and the `done` mark commit together.
    `event` is the delivery's event when the caller has read it already.

    The attempt is counted after the handler (in the same transaction, so it counts the same):
    the delivery's row is then written once, with its outcome."""
    subscription = _registry.after_commit.get(delivery.consumer)
    if event is None:
        event = db.session.get(DomainEvent, (delivery.tenant_id, delivery.event_id))
    if subscription is None or event is None:
        delivery.attempts += 1
        delivery.status = DeliveryStatus.DEAD
        delivery.last_error = "consumer no longer registered" if subscription is None else "event missing"
        return
    savepoint = db.session.begin_nested()
    try:
        subscription.handler(event)
        savepoint.commit()
    except Exception as exc:
        savepoint.rollback()
        log.exception("consumer %s failed on event %s", delivery.consumer, delivery.event_id)
        delivery.attempts += 1
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if delivery.attempts >= MAX_DELIVERY_ATTEMPTS:
            delivery.status = DeliveryStatus.DEAD
        else:
            delivery.next_attempt_at = utcnow() + _retry_delay(delivery.attempts)
        return
    delivery.attempts += 1
    delivery.status = DeliveryStatus.DONE
    delivery.delivered_at = utcnow()
    delivery.last_error = None


def dispatch_tenant_events(
    tenant_id, *, now=None, limit: int = DISPATCH_LIMIT, batch_size: int = DISPATCH_BATCH
) -> int:
    """Deliver what is due for one tenant, a batch per transaction. Returns how many ran.

    A batch never holds two deliveries of one consumer for one record (the later one is
    blocked until the earlier is done), so order per record holds across batches.
    """
    handled = 0
    with tenant_context(tenant_id):
        while handled < limit:
            batch = _due_in_order(now or utcnow(), min(batch_size, limit - handled))
            if not batch:
                db.session.rollback()
                break
            _deliver_batch(batch)
            db.session.commit()
            handled += len(batch)
    return handled


def _deliver_batch(batch: list[EventDelivery]) -> None:
    events = _events_of(batch)
    token = _batch_memo.set({})
    try:
        for delivery in batch:
            deliver(delivery, events.get(delivery.event_id))
    finally:
        _batch_memo.reset(token)


def deliver_now(consumer: str, *, limit: int = DISPATCH_LIMIT) -> int:
    """Hand one consumer its due deliveries of the current tenant now, in the caller's
    transaction, in order per record, with those its handling adds; returns how many ran. For
    `seed-demo`, whose records should look as they will once the scheduler has run: it finds
    these deliveries done and delivers them no second time."""
    handled = 0
    while handled < limit:
        db.session.flush()  # stamps what was just emitted before "due" is read
        batch = _due_in_order(utcnow(), min(DISPATCH_BATCH, limit - handled), consumer=consumer)
        if not batch:
            break
        _deliver_batch(batch)
        handled += len(batch)
    return handled


def dispatch_pending_events(now=None) -> dict:
    """The scheduler job: every tenant's due deliveries, oldest event first."""
    now = now or utcnow()
    counts = {"tenants": 0, "delivered": 0}
    for tenant_id in _tenants_with_due_deliveries(now):
        counts["tenants"] += 1
        try:
            counts["delivered"] += dispatch_tenant_events(tenant_id, now=now)
        except Exception:
            db.session.rollback()
            log.exception("dispatching events of tenant %s failed", tenant_id)
    return counts


def pending_deliveries(record_type: str, record_id) -> list[EventDelivery]:
    """Deliveries still owed for one record (tests, the console)."""
    return list(
        db.session.scalars(
            select(EventDelivery)
            .join(
                DomainEvent,
                and_(DomainEvent.tenant_id == EventDelivery.tenant_id, DomainEvent.id == EventDelivery.event_id),
            )
            .where(
                DomainEvent.record_type == record_type,
                DomainEvent.record_id == record_id,
                EventDelivery.status == DeliveryStatus.PENDING,
            )
            .order_by(EventDelivery.event_id)
        )
    )
