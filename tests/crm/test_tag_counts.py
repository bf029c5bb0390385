"""A tag's record count is kept by the database (migration 0020's triggers on record_tags), so
it stays right whatever writes the links: a record's tags changed through the kit, a bulk
write, a cascade when a record goes, and a tag deleted with its links."""

from sqlalchemy import select

from app.core.extensions import db
from app.crm.contacts.models import Contact
from app.crm.contacts.record import CONTACTS
from app.crm.tags.models import Tag
from app.crm.tags.services import create_tag, delete_tag
from app.records.services import delete_records, update_record
from tests.conftest import in_tenant
from tests.crm.factories import make_company, make_contact


def _counts(app, tenant) -> dict:
    with in_tenant(app, tenant.id):
        return {tag.name: tag.record_count for tag in db.session.scalars(select(Tag))}


def test_the_count_follows_every_way_links_are_written(app, tenant_a, tenant_b, as_user):
    with as_user(tenant_a) as owner:
        vip, cold = (str(create_tag({"name": name}, actor=owner).id) for name in ("VIP", "Cold"))
    with as_user(tenant_b) as owner:
        create_tag({"name": "VIP"}, actor=owner)
    first = make_contact(app, tenant_a, tag_ids=[vip, cold])
    second = make_contact(app, tenant_a, tag_ids=[vip])
    make_company(app, tenant_a, tag_ids=[vip])
    assert _counts(app, tenant_a) == {"VIP": 3, "Cold": 1}
    # Another workspace's tag of the same name counts its own records only.
    assert _counts(app, tenant_b) == {"VIP": 0}

    with as_user(tenant_a) as owner:
        update_record(CONTACTS, db.session.get(Contact, (tenant_a.id, first)), {"tag_ids": [cold]}, actor=owner)
    assert _counts(app, tenant_a) == {"VIP": 2, "Cold": 1}

    with as_user(tenant_a) as owner:
        delete_records(CONTACTS, [db.session.get(Contact, (tenant_a.id, second))], actor=owner)
    assert _counts(app, tenant_a) == {"VIP": 1, "Cold": 1}

    with as_user(tenant_a) as owner:
        delete_tag(db.session.scalar(select(Tag).where(Tag.name == "Cold")), actor=owner)
    assert _counts(app, tenant_a) == {"VIP": 1}


def test_a_rolled_back_write_leaves_the_count_as_it_was(app, tenant_a, as_user):
    with as_user(tenant_a) as owner:
        vip = str(create_tag({"name": "VIP"}, actor=owner).id)
    contact_id = make_contact(app, tenant_a)
    with as_user(tenant_a) as owner:
        update_record(CONTACTS, db.session.get(Contact, (tenant_a.id, contact_id)), {"tag_ids": [vip]}, actor=owner)
        db.session.flush()
        assert db.session.scalar(select(Tag.record_count).where(Tag.name == "VIP")) == 1
        db.session.rollback()
    assert _counts(app, tenant_a) == {"VIP": 0}
