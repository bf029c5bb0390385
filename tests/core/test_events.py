"""Domain events: stored with the change that caused them, delivered after commit to each
consumer exactly once, in order per record; a failing consumer holds back only its record."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.events import (
    DeliveryStatus,
    DomainEvent,
    EventDelivery,
    dispatch_pending_events,
    register_consumer,
    unregister_consumer,
)
from app.core.extensions import db
from app.core.types import utcnow
from app.crm.contacts.services import create_contact, update_contact
from tests.conftest import in_tenant


@pytest.fixture
def consumer():
    """A consumer of contact events that records what it saw (and fails on demand)."""
    seen, failing = [], set()

    def handle(event):
        if event.record_id in failing:
            raise RuntimeError("endpoint down")
        seen.append((event.record_id, event.name, event.changes.get("title", {}).get("new")))

    register_consumer("probe", "contact.*", handle)
    handle.seen, handle.failing = seen, failing
    yield handle
    unregister_consumer("probe")


def test_event_is_stored_with_its_change_and_rolls_back_with_it(app, tenant_a, as_user):
    with as_user(tenant_a) as owner:
        contact = create_contact({"first_name": "Ada", "title": "CTO"}, actor=owner)
        update_contact(contact, {"title": "CEO"}, actor=owner)
        events = db.session.scalars(select(DomainEvent).order_by(DomainEvent.id)).all()
        assert [event.name for event in events] == ["contact.created", "contact.updated"]
        assert events[1].changes == {"title": {"old": "CTO", "new": "CEO"}}
        assert events[1].actor_label == "owner@example.com"
    with as_user(tenant_a) as owner:
        create_contact({"first_name": "Gone"}, actor=owner)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(DomainEvent)) == 2


def test_each_event_reaches_a_consumer_once_in_order_per_record(app, tenant_a, as_user, consumer):
    with as_user(tenant_a) as owner:
        first = create_contact({"first_name": "A", "title": "1"}, actor=owner)
        second = create_contact({"first_name": "B", "title": "x"}, actor=owner)
        for title in ("2", "3"):
            update_contact(first, {"title": title}, actor=owner)
        first_id, second_id = first.id, second.id
    with app.app_context():
        dispatch_pending_events()
        dispatch_pending_events()  # nothing is delivered twice
    assert [entry for entry in consumer.seen if entry[0] == first_id] == [
        (first_id, "contact.created", None),
        (first_id, "contact.updated", "2"),
        (first_id, "contact.updated", "3"),
    ]
    assert [entry[1] for entry in consumer.seen if entry[0] == second_id] == ["contact.created"]
    with in_tenant(app, tenant_a.id):
        statuses = set(db.session.scalars(select(EventDelivery.status)))
    assert statuses == {DeliveryStatus.DONE}


def test_a_failing_delivery_holds_back_its_record_only_and_is_retried(app, tenant_a, as_user, consumer):
    with as_user(tenant_a) as owner:
        stuck = create_contact({"first_name": "Stuck"}, actor=owner)
        update_contact(stuck, {"title": "later"}, actor=owner)
        fine = create_contact({"first_name": "Fine"}, actor=owner)
        stuck_id, fine_id = stuck.id, fine.id
    consumer.failing.add(stuck_id)
    with app.app_context():
        dispatch_pending_events()
    assert [entry[0] for entry in consumer.seen] == [fine_id]
    with in_tenant(app, tenant_a.id):
        waiting = db.session.scalars(
            select(EventDelivery).where(EventDelivery.status == DeliveryStatus.PENDING).order_by(EventDelivery.event_id)
        ).all()
        assert [delivery.attempts for delivery in waiting] == [1, 0]  # the update waits behind the create
        assert "endpoint down" in waiting[0].last_error
        assert waiting[0].next_attempt_at > utcnow()
    consumer.failing.clear()
    with app.app_context():
        dispatch_pending_events(now=utcnow() + timedelta(hours=1))
    assert [entry[:2] for entry in consumer.seen if entry[0] == stuck_id] == [
        (stuck_id, "contact.created"),
        (stuck_id, "contact.updated"),
    ]


def test_events_of_another_tenant_never_reach_this_tenants_consumer_run(app, tenant_a, tenant_b, as_user, consumer):
    for tenant in (tenant_a, tenant_b):
        with as_user(tenant) as owner:
            create_contact({"first_name": "Twin"}, actor=owner)
    with app.app_context():
        assert dispatch_pending_events()["tenants"] == 2
    with in_tenant(app, tenant_a.id):
        own = {event.record_id for event in db.session.scalars(select(DomainEvent))}
    assert len(own) == 1
    assert len(consumer.seen) == 2
