"""Domain events: stored with the change that caused them, delivered after commit to each
consumer exactly once, in order per record; a failing consumer holds back only its record."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.events import (
    DeliveryStatus,
    DomainEvent,
    EventDelivery,
    batch_memo,
    deliver_now,
    dispatch_pending_events,
    dispatch_tenant_events,
    emit,
    register_consumer,
    unregister_consumer,
)
from app.core.extensions import db
from app.core.types import utcnow
from app.crm.contacts.services import create_contact, update_contact
from tests.conftest import USE_POSTGRES, in_tenant


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


def test_deliver_now_runs_one_consumers_deliveries_in_order_in_the_open_transaction(app, tenant_a, as_user, consumer):
    other = []
    register_consumer("other", "contact.*", lambda event: other.append(event.name))
    try:
        with as_user(tenant_a) as owner:
            first = create_contact({"first_name": "A", "title": "1"}, actor=owner)
            update_contact(first, {"title": "2"}, actor=owner)
            failing = create_contact({"first_name": "F"}, actor=owner)
            consumer.failing.add(failing.id)
            assert deliver_now("probe") == 3
            assert deliver_now("probe") == 0  # the failed one waits for its retry
            db.session.commit()
            first_id = first.id
        assert [entry for entry in consumer.seen if entry[0] == first_id] == [
            (first_id, "contact.created", None),
            (first_id, "contact.updated", "2"),
        ]
        consumer.failing.clear()
        with app.app_context():
            dispatch_pending_events()
        assert len(consumer.seen) == 2  # done deliveries are not delivered again; the failed one is not due yet
        assert sorted(other) == ["contact.created", "contact.created", "contact.updated"]  # still the scheduler's
    finally:
        unregister_consumer("other")


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


def test_order_per_record_holds_across_many_small_batches(app, tenant_a, as_user, consumer):
    """Batches of two: a record's later update never overtakes its earlier one, and no
    delivery runs twice, however the records' events interleave."""
    with as_user(tenant_a) as owner:
        contacts = [create_contact({"first_name": name, "title": "0"}, actor=owner) for name in ("A", "B", "C")]
        for step in range(1, 5):
            for contact in contacts:
                update_contact(contact, {"title": str(step)}, actor=owner)
        ids = [contact.id for contact in contacts]
    with app.app_context():
        while dispatch_tenant_events(tenant_a.id, batch_size=2, limit=2):
            pass
    for record_id in ids:
        assert [entry[2] for entry in consumer.seen if entry[0] == record_id] == [None, "1", "2", "3", "4"]
    assert len(consumer.seen) == 15


def test_a_failing_consumer_rolls_back_only_its_own_writes(app, tenant_a, as_user):
    """Two consumers of one event in one batch: the failing one's writes are undone (its
    savepoint), the other's commit, and only the failing delivery waits to be retried."""

    def writes_then_fails(event):
        emit("probe.half_done", summary=str(event.record_id))
        db.session.flush()
        raise RuntimeError("broke after writing")

    def writes(event):
        emit("probe.done", summary=str(event.record_id))

    register_consumer("probe_failing", "contact.created", writes_then_fails)
    register_consumer("probe_fine", "contact.created", writes)
    try:
        with as_user(tenant_a) as owner:
            contact_id = create_contact({"first_name": "Ada"}, actor=owner).id
        with app.app_context():
            dispatch_tenant_events(tenant_a.id)
    finally:
        unregister_consumer("probe_failing")
        unregister_consumer("probe_fine")
    with in_tenant(app, tenant_a.id):
        names = list(db.session.scalars(select(DomainEvent.name).where(DomainEvent.name.like("probe.%"))))
        statuses = dict(db.session.execute(select(EventDelivery.consumer, EventDelivery.status)).all())
        failed = db.session.scalar(select(EventDelivery).where(EventDelivery.consumer == "probe_failing"))
        assert names == ["probe.done"]
        assert statuses["probe_fine"] == DeliveryStatus.DONE
        assert statuses["probe_failing"] == DeliveryStatus.PENDING
        assert (failed.attempts, failed.next_attempt_at > utcnow()) == (1, True)
        assert "broke after writing" in failed.last_error
    assert contact_id


def test_batch_memo_loads_once_per_batch(app, tenant_a, as_user):
    loads, seen = [], []

    def handle(event):
        seen.append(batch_memo("probe.loads", lambda: loads.append(1) or len(loads)))

    register_consumer("probe_memo", "contact.created", handle)
    try:
        with as_user(tenant_a) as owner:
            for name in ("A", "B", "C"):
                create_contact({"first_name": name}, actor=owner)
        with app.app_context():
            dispatch_tenant_events(tenant_a.id)  # one batch: loaded once
        with as_user(tenant_a) as owner:
            for name in ("D", "E"):
                create_contact({"first_name": name}, actor=owner)
        with app.app_context():
            while dispatch_tenant_events(tenant_a.id, batch_size=1, limit=1):  # a batch each: loaded each time
                pass
    finally:
        unregister_consumer("probe_memo")
    assert seen == [1, 1, 1, 2, 3]
    assert batch_memo("probe.loads", lambda: "outside a batch") == "outside a batch"


@pytest.mark.postgres
@pytest.mark.skipif(not USE_POSTGRES, reason="needs PostgreSQL")
def test_concurrent_dispatchers_deliver_each_event_once_and_in_order(app, tenant_a, as_user):
    """Three dispatchers on one tenant at once (what overlapping scheduler ticks or two
    scheduler processes would do): SKIP LOCKED and the head-of-record rule keep every
    delivery to one run, in order per record."""
    seen, lock = [], threading.Lock()

    def handle(event):
        with lock:
            seen.append((event.record_id, event.changes.get("title", {}).get("new")))

    register_consumer("probe_race", "contact.*", handle)
    try:
        with as_user(tenant_a) as owner:
            contacts = [create_contact({"first_name": f"C{n}", "title": "0"}, actor=owner) for n in range(10)]
            for step in range(1, 6):
                for contact in contacts:
                    update_contact(contact, {"title": str(step)}, actor=owner)
            ids = [contact.id for contact in contacts]
        barrier, errors = threading.Barrier(3), []

        def run():
            with app.app_context():
                try:
                    barrier.wait(timeout=30)
                    while dispatch_tenant_events(tenant_a.id, batch_size=4, limit=4):
                        pass
                except Exception as exc:
                    errors.append(repr(exc))
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=run) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        with app.app_context():
            while dispatch_tenant_events(tenant_a.id):  # what a dispatcher skipped as locked, if any
                pass
    finally:
        unregister_consumer("probe_race")
    assert errors == []
    assert len(seen) == 60
    for record_id in ids:
        assert [title for seen_id, title in seen if seen_id == record_id] == [None, "1", "2", "3", "4", "5"]


def test_a_consumer_no_one_listens_to_gets_no_delivery_and_is_asked_once_per_transaction(app, tenant_a, as_user):
    asked, listening = [], [False]

    def answer(name):
        asked.append(name)
        return listening[0]

    register_consumer("quiet", "contact.*", lambda event: None, listening=answer)
    try:
        with as_user(tenant_a) as owner:
            for name in ("A", "B", "C"):
                create_contact({"first_name": name}, actor=owner)
        assert asked == ["contact.created"]
        with as_user(tenant_a) as owner:
            quiet = select(func.count()).select_from(EventDelivery).where(EventDelivery.consumer == "quiet")
            assert db.session.scalar(quiet) == 0
            create_contact({"first_name": "D"}, actor=owner)
            listening[0] = True  # a listener turned on in the same transaction…
            create_contact({"first_name": "E"}, actor=owner)
            assert db.session.scalar(quiet) == 0  # …is not seen until the service says so
            from app.core.events import listeners_changed

            listeners_changed()
            create_contact({"first_name": "F"}, actor=owner)
            assert db.session.scalar(quiet) == 1
        assert asked == ["contact.created"] * 3
    finally:
        unregister_consumer("quiet")
