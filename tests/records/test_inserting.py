"""The kit's create inside a bulk job's block: records inserted by Core, with their entries,
child rows and tag links, then held by the session as loaded records; what it cannot write
goes through the unit of work."""

from sqlalchemy import func, inspect, select

from app.auth.models import User
from app.core.bulk_rows import rows_written_together
from app.core.extensions import db
from app.crm.contacts.models import Contact
from app.crm.contacts.record import CONTACTS
from app.crm.tags.models import Tag, record_tags
from app.records.inserting import insert_new_records
from app.records.models import RecordEntry
from app.records.services import create_records, update_record
from tests.conftest import in_tenant
from tests.crm.factories import make_tag


def _owner(tenant):
    return db.session.get(User, (tenant.id, tenant.users["owner"]))


def test_records_made_in_a_block_are_inserted_and_then_held_as_loaded(app, tenant_a):
    vip = make_tag(app, tenant_a, name="VIP")
    with in_tenant(app, tenant_a.id):
        owner = _owner(tenant_a)
        with rows_written_together():
            made = create_records(
                CONTACTS,
                [
                    {"first_name": "Ada", "emails": ["ada@example.test"], "tag_ids": [str(vip)]},
                    {"first_name": "Bob", "phones": [{"number": "+14155550100"}]},
                ],
                actor=owner,
            )
            ada, bob = made
            for record in (ada, bob, *ada.emails, *bob.phones):
                state = inspect(record)
                assert state.persistent
                assert not state.modified
            assert not db.session.new
            # The rest of the batch changes them as any loaded record.
            update_record(CONTACTS, ada, {"title": "CTO"}, actor=owner)
        ada_id, bob_id = ada.id, bob.id
    with in_tenant(app, tenant_a.id):
        ada = db.session.get(Contact, (tenant_a.id, ada_id))
        assert (ada.full_name, ada.title, ada.primary_email) == ("Ada", "CTO", "ada@example.test")
        assert [tag.name for tag in ada.tags] == ["VIP"]
        assert db.session.get(Contact, (tenant_a.id, bob_id)).phones[0].number == "+14155550100"
        titles = db.session.execute(select(RecordEntry.id, RecordEntry.title).where(RecordEntry.type == "contact"))
        assert dict(titles.all()) == {ada_id: "Ada", bob_id: "Bob"}
        assert db.session.get(Tag, (tenant_a.id, vip)).record_count == 1


def test_a_rollback_forgets_records_inserted_in_a_block(app, tenant_a):
    with in_tenant(app, tenant_a.id):
        with rows_written_together():
            (ada,) = create_records(CONTACTS, [{"first_name": "Ada"}], actor=_owner(tenant_a))
        db.session.rollback()
        assert not inspect(ada).persistent
        assert db.session.scalar(select(func.count()).select_from(Contact)) == 0


def test_a_record_holding_what_only_a_flush_writes_is_left_to_it(app, tenant_a):
    with in_tenant(app, tenant_a.id):
        ada = Contact(first_name="Ada", full_name="Ada")
        ada.tags = [Tag(name="Brand new")]  # a link to a tag not written yet
        db.session.add(ada)
        assert not insert_new_records(CONTACTS, [ada])
        assert inspect(ada).pending
        links = db.session.connection().execute(select(func.count()).select_from(record_tags)).scalar()
        assert links == 0
        db.session.rollback()
