"""A page's collections read together (app.records.loading): one statement, the same objects
and order as the relationship's own load, nothing dirty, no lazy load afterwards."""

from types import SimpleNamespace

import pytest
from sqlalchemy import and_, select
from sqlalchemy.orm import selectinload

from app.core.extensions import db
from app.crm.contacts.models import Contact
from app.crm.tags.models import Tag
from app.records.loading import load_together, together
from tests.conftest import in_tenant
from tests.crm.factories import make_contact, make_tag


def _contacts(tenant_a, *options):
    return db.session.scalars(select(Contact).order_by(Contact.full_name).options(*options)).all()


def _shape(contacts):
    return [
        (
            contact.full_name,
            [(email.email, email.is_primary, email.position) for email in contact.emails],
            [(phone.number, phone.position) for phone in contact.phones],
            [tag.name for tag in contact.tags],
        )
        for contact in contacts
    ]


@pytest.fixture
def people(app, tenant_a):
    vip, board = make_tag(app, tenant_a, name="VIP"), make_tag(app, tenant_a, name="Board")
    make_contact(
        app,
        tenant_a,
        first_name="Ada",
        emails=[{"email": "ada@example.org", "primary": True}, {"email": "ada@work.example"}],
        phones=[{"number": "+44 20 7946 0001"}, {"number": "+44 20 7946 0002"}],
        tag_ids=[vip, board],
    )
    make_contact(app, tenant_a, first_name="Bea", emails=[{"email": "bea@example.org"}], tag_ids=[board])
    make_contact(app, tenant_a, first_name="Cy")  # no e-mail, phone or tag: empty collections, not lazy loads


def test_collections_read_together_match_the_relationships_own_load(app, tenant_a, people, query_counter):
    with in_tenant(app, tenant_a.id):
        expected = _shape(
            _contacts(tenant_a, selectinload(Contact.emails), selectinload(Contact.phones), selectinload(Contact.tags))
        )
        db.session.expunge_all()
        contacts = _contacts(tenant_a)
        with query_counter() as counted:
            load_together(
                db.session, contacts, [together(Contact.emails), together(Contact.phones), together(Contact.tags)]
            )
            shape = _shape(contacts)
        assert shape == expected
        assert [name for name, *_ in shape] == ["Ada Lovelace", "Bea Lovelace", "Cy Lovelace"]
        assert shape[0][3] == ["Board", "VIP"]  # the relationship's order (by name) is kept
        assert len([s for s in counted.statements if "set_config" not in s]) == 1
        # Loaded, not changed: nothing to flush, and the objects are the session's own.
        assert not db.session.dirty
        assert not db.session.new
        assert contacts[0].emails[0] in db.session


def test_an_object_the_session_holds_is_reused(app, tenant_a, people):
    with in_tenant(app, tenant_a.id):
        board = db.session.scalar(select(Tag).where(Tag.name == "Board"))
        contacts = _contacts(tenant_a)
        load_together(db.session, contacts, [together(Contact.tags)])
        assert all(board in contact.tags for contact in contacts[:2])
        assert contacts[0].tags[0] is board


def test_an_empty_page_sends_nothing(app, tenant_a, query_counter):
    with in_tenant(app, tenant_a.id), query_counter() as counted:
        load_together(db.session, [], [together(Contact.emails)])
    assert counted.count == 0


def test_only_collections_joined_on_key_equalities_qualify():
    # A join with any other condition (here a LIKE) would be read wrongly by the key-only branch.
    join = and_(Contact.tenant_id == Tag.tenant_id, Tag.name.like("V%"))
    loose = SimpleNamespace(property=SimpleNamespace(primaryjoin=join, secondary=None))
    with pytest.raises(ValueError, match="key equalities"):
        together(loose)


def test_reads_come_back_in_their_own_order_from_one_statement(app, tenant_a, people, query_counter):
    from app.auth.models import User
    from app.crm.fields.models import FieldDefinition
    from app.records.loading import Read, read_together

    with in_tenant(app, tenant_a.id):
        reads = [
            Read(Tag, order_by=(Tag.name.desc(),)),
            Read(User, order_by=(User.name,)),
            Read(FieldDefinition, where=(FieldDefinition.object_type == "nothing",)),
        ]
        with query_counter() as counted:
            tags, users, definitions = read_together(db.session, reads)
        assert len([s for s in counted.statements if "set_config" not in s]) == 1
        assert [tag.name for tag in tags] == ["VIP", "Board"]
        assert [user.name for user in users] == sorted(user.name for user in db.session.scalars(select(User)))
        assert definitions == []
        assert not db.session.dirty
        assert tags[0] is db.session.scalar(select(Tag).where(Tag.name == "VIP"))


def test_reads_of_the_same_shape_keep_their_own_conditions(app, tenant_a, people):
    # The statement's columns are built once per shape (models and orders); each call's
    # conditions are its own.
    from app.records.loading import Read, read_together

    order = (Tag.name,)
    with in_tenant(app, tenant_a.id):
        for name in ("VIP", "Board", "nobody"):
            (tags,) = read_together(db.session, [Read(Tag, where=(Tag.name == name,), order_by=order)])
            assert [tag.name for tag in tags] == ([name] if name != "nobody" else [])
