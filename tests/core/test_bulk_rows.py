"""Rows written together: kept out of the unit of work in the block, inserted per table when it
ends (events before their deliveries, timeline entries before their links), with the unit of
work's defaults and its tenant rule; an error writes none of them."""

import uuid

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import func, select

from app.core.audit import AuditEvent, record_audit
from app.core.bulk_rows import add_row, rows_written_together, writing_together
from app.core.context import CrossTenantWrite
from app.core.events import DomainEvent, EventDelivery, emit, register_consumer, unregister_consumer
from app.core.extensions import db
from app.crm.activities.models import Activity, activity_links
from tests.conftest import in_tenant
from tests.crm.factories import make_contact


def _audit_rows() -> int:
    return db.session.scalar(select(func.count()).where(AuditEvent.action.like("probe.%")))


def _events() -> int:
    return db.session.scalar(select(func.count()).where(DomainEvent.name == "contact.noted"))


def test_rows_of_a_block_stay_out_of_the_session_until_it_ends(app, tenant_a):
    target = uuid.uuid4()
    with in_tenant(app, tenant_a.id):
        with rows_written_together():
            event = record_audit("probe.done", target_type="contact", target_id=target)
            assert writing_together()
            assert event not in db.session
            assert not db.session.new
            assert _audit_rows() == 0
        assert not writing_together()
        stored = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "probe.done"))
        # Columns the row left unset took the table's defaults, as in a flush.
        assert (stored.id, stored.target_id, stored.details) == (event.id, target, {})
        assert stored.created_at is not None
        assert stored.tenant_id == tenant_a.id


def test_an_event_and_its_timeline_entry_are_written_before_what_points_at_them(app, tenant_a):
    contact_id = make_contact(app, tenant_a, first_name="Ada")
    register_consumer("probe", "contact.*", lambda event: None)
    try:
        with in_tenant(app, tenant_a.id):
            from app.crm.contacts.models import Contact

            contact = db.session.get(Contact, (tenant_a.id, contact_id))
            with rows_written_together():
                event = emit("contact.noted", record=contact, record_type="contact", summary="Noted")
            delivery = db.session.scalar(select(EventDelivery).where(EventDelivery.event_id == event.id))
            assert delivery.consumer == "probe"
            entry = db.session.scalar(select(Activity).where(Activity.subject == "Noted"))
            links = db.session.execute(
                select(activity_links.c.record_id).where(activity_links.c.activity_id == entry.id)
            ).all()
            assert [link.record_id for link in links] == [contact_id]
    finally:
        unregister_consumer("probe")


def test_a_row_of_another_tenant_is_refused(app, tenant_a, tenant_b):
    with in_tenant(app, tenant_a.id):
        with pytest.raises(CrossTenantWrite), rows_written_together():
            add_row(AuditEvent(tenant_id=tenant_b.id, action="probe.foreign"))
        db.session.rollback()
        assert _audit_rows() == 0


def test_an_error_in_the_block_writes_none_of_its_rows(app, tenant_a):
    with in_tenant(app, tenant_a.id):
        with pytest.raises(RuntimeError), rows_written_together():
            record_audit("probe.lost")
            emit("contact.noted", record_type="contact", record_id=uuid.uuid4(), summary="Lost")
            raise RuntimeError("the batch failed")
        assert not writing_together()
        assert (_events(), _audit_rows()) == (0, 0)


def test_outside_a_block_a_row_goes_through_the_session(app, tenant_a):
    with in_tenant(app, tenant_a.id):
        event = record_audit("probe.done")
        assert event in db.session.new


def test_a_row_made_in_a_block_skips_the_orm_constructor_and_reads_as_usual(app, tenant_a):
    constructed = []

    def note(target, args, kwargs):
        constructed.append(target)

    record_id = make_contact(app, tenant_a, first_name="Ada")
    sqlalchemy_event.listen(DomainEvent, "init", note)
    try:
        with in_tenant(app, tenant_a.id):
            with rows_written_together():
                made = emit("contact.noted", record_type="contact", record_id=record_id, data={"label": "Ada"})
                assert (made.tenant_id, made.record_id, made.data) == (tenant_a.id, record_id, {"label": "Ada"})
            stored = db.session.scalar(select(DomainEvent).where(DomainEvent.id == made.id))
            assert (stored.name, stored.data) == ("contact.noted", {"label": "Ada"})
    finally:
        sqlalchemy_event.remove(DomainEvent, "init", note)
    assert constructed == []
