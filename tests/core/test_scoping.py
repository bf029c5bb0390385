"""Automatic tenant scoping: the same ORM query answers each tenant with its own rows only."""

import pytest
from sqlalchemy import func, select, update

from app.auth.models import Invitation, User
from app.core.context import CrossTenantWrite, NoTenantContext, platform_scope, tenant_context
from app.core.extensions import db
from app.core.lookups import get_or_404
from tests.conftest import in_tenant


def _emails(app, tenant):
    with in_tenant(app, tenant):
        return sorted(db.session.scalars(select(User.email)).all()), {
            u.tenant_id for u in db.session.scalars(select(User))
        }


def test_same_query_returns_each_tenant_its_own_rows(app, tenant_a, tenant_b):
    emails_a, owners_a = _emails(app, tenant_a)
    emails_b, owners_b = _emails(app, tenant_b)
    assert emails_a == emails_b  # look-alike data in both tenants
    assert owners_a == {tenant_a.id}
    assert owners_b == {tenant_b.id}


def test_query_without_tenant_context_fails_closed(app, tenant_a):
    with app.app_context(), pytest.raises(NoTenantContext):
        db.session.scalars(select(User)).all()


def test_platform_scope_sees_every_tenant(app, tenant_a, tenant_b):
    with app.app_context(), platform_scope():
        tenants = set(db.session.scalars(select(User.tenant_id)).all())
    assert tenants == {tenant_a.id, tenant_b.id}


def test_joins_and_aliases_are_scoped_too(app, tenant_a, tenant_b):
    from sqlalchemy.orm import aliased

    inviter = aliased(User)
    with in_tenant(app, tenant_a):
        count = db.session.scalar(select(func.count()).select_from(User).join(inviter, inviter.email == User.email))
    assert count == len(tenant_a.users)


def test_bulk_update_only_touches_current_tenant(app, tenant_a, tenant_b):
    with in_tenant(app, tenant_a):
        db.session.execute(update(User).values(name="Renamed"))
    with in_tenant(app, tenant_b):
        names = set(db.session.scalars(select(User.name)))
    assert "Renamed" not in names


def test_identity_map_cannot_hand_back_another_tenants_row(app, tenant_a, tenant_b):
    user_b = tenant_b.users["owner"]
    with app.app_context():
        with tenant_context(tenant_b.id):
            assert db.session.get(User, (tenant_b.id, user_b)) is not None  # now in the identity map
        with tenant_context(tenant_a.id):
            from werkzeug.exceptions import NotFound

            with pytest.raises(NotFound):
                get_or_404(User, user_b)


def test_writing_another_tenants_row_is_refused(app, tenant_a, tenant_b):
    with app.app_context():
        with tenant_context(tenant_b.id):
            user_b = db.session.get(User, (tenant_b.id, tenant_b.users["owner"]))
        with pytest.raises(CrossTenantWrite), tenant_context(tenant_a.id):
            user_b.name = "Hijacked"
            db.session.flush()
        db.session.rollback()


def test_new_rows_are_stamped_with_the_current_tenant(app, tenant_a):
    from app.core.audit import record_audit

    with in_tenant(app, tenant_a):
        event = record_audit("test.event")
        assert event.tenant_id == tenant_a.id


def test_clearing_a_relationship_nulls_only_the_id_column(app, tenant_a):
    from datetime import timedelta

    from app.core.types import utcnow

    with in_tenant(app, tenant_a):
        owner = db.session.get(User, (tenant_a.id, tenant_a.users["owner"]))
        invitation = Invitation(
            email="x@example.com", role="sales", token_hash="h" * 64, expires_at=utcnow() + timedelta(days=1)
        )
        invitation.invited_by = owner
        db.session.add(invitation)
        db.session.flush()
        assert invitation.invited_by_id == owner.id
        invitation.invited_by = None
        db.session.flush()
        assert invitation.invited_by_id is None
        assert invitation.tenant_id == tenant_a.id


def test_database_refuses_a_link_into_another_tenant(app, tenant_a, tenant_b):
    from datetime import timedelta

    from sqlalchemy.exc import IntegrityError

    from app.core.types import utcnow

    with app.app_context(), tenant_context(tenant_a.id):
        invitation = Invitation(
            email="x@example.com",
            role="sales",
            token_hash="z" * 64,
            expires_at=utcnow() + timedelta(days=1),
            invited_by_id=tenant_b.users["owner"],  # a user id that exists, but in bravo
        )
        db.session.add(invitation)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
