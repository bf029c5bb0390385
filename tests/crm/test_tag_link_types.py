"""Each tag link carries its record's type, filled in by the database (migration 0021's trigger)
whatever writes the link, and a tag filter reads only the links of the listed type."""

import uuid

from sqlalchemy import event, select

from app.core.extensions import db
from app.crm.companies.record import COMPANIES
from app.crm.contacts.record import CONTACTS
from app.crm.leads.record import LEADS
from app.crm.tags.models import record_tags
from app.crm.tags.services import create_tag
from app.records.listing import count_records, list_records
from tests.conftest import in_tenant
from tests.crm.factories import make_company, make_contact, make_lead


def _link_types(app, tenant) -> dict:
    with in_tenant(app, tenant.id):
        rows = db.session.execute(select(record_tags.c.record_id, record_tags.c.record_type)).all()
    return dict(rows)


def test_links_written_through_the_kit_carry_their_records_type(app, tenant_a, as_user):
    with as_user(tenant_a) as owner:
        vip = str(create_tag({"name": "VIP"}, actor=owner).id)
    contact = make_contact(app, tenant_a, tag_ids=[vip])
    company = make_company(app, tenant_a, tag_ids=[vip])
    lead = make_lead(app, tenant_a, tag_ids=[vip])
    assert _link_types(app, tenant_a) == {contact: "contact", company: "company", lead: "lead"}


def test_a_link_written_without_a_type_is_typed_too(app, tenant_a, as_user):
    with as_user(tenant_a) as owner:
        tag_id = create_tag({"name": "VIP"}, actor=owner).id
    company = make_company(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        # Only the keys, as a bulk write or the ORM's relationship sends them.
        db.session.execute(record_tags.insert().values(tenant_id=tenant_a.id, record_id=company, tag_id=tag_id))
        db.session.commit()
    assert _link_types(app, tenant_a) == {company: "company"}


def test_a_tag_filter_lists_and_counts_only_its_own_type(app, tenant_a, as_user):
    with as_user(tenant_a) as owner:
        vip = str(create_tag({"name": "VIP"}, actor=owner).id)
    contacts = {make_contact(app, tenant_a, first_name=f"Ada {index}", tag_ids=[vip]) for index in range(3)}
    make_contact(app, tenant_a, first_name="Untagged")
    company = make_company(app, tenant_a, tag_ids=[vip])
    make_company(app, tenant_a, name="Untagged Ltd")
    with in_tenant(app, tenant_a.id):
        filters = {"tag_id": vip}
        assert {record.id for record in list_records(CONTACTS, filters=filters).items} == contacts
        assert count_records(CONTACTS, filters=filters) == (3, False)
        assert [record.id for record in list_records(COMPANIES, filters=filters).items] == [company]
        assert count_records(COMPANIES, filters=filters) == (1, False)
        # No lead carries the tag: an empty page and a zero count, not a contact's row.
        assert list_records(LEADS, filters=filters).items == []
        assert count_records(LEADS, filters=filters) == (0, False)
        assert list_records(LEADS, filters={"tag_id": str(uuid.uuid4())}).items == []


def test_a_tag_alone_is_counted_from_its_links(app, tenant_a, as_user):
    """No probe of every tagged contact: the count reads the tag's typed links only."""
    with as_user(tenant_a) as owner:
        vip = str(create_tag({"name": "VIP"}, actor=owner).id)
    make_contact(app, tenant_a, tag_ids=[vip])
    make_contact(app, tenant_a, lifecycle_stage="customer", tag_ids=[vip])
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with in_tenant(app, tenant_a.id):
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert count_records(CONTACTS, filters={"tag_id": vip}) == (2, False)
            tag_alone = statements.pop()
            # With another filter the count reads the rows, as the list does.
            assert count_records(CONTACTS, filters={"tag_id": vip, "lifecycle_stage": "customer"}) == (1, False)
            tag_and_stage = statements.pop()
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    assert "contacts" not in tag_alone
    assert "record_tags" in tag_alone
    assert "FROM contacts" in tag_and_stage
