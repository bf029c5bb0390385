"""CRM fixtures: run service calls as a tenant's user, and build look-alike records."""

import pytest

from app.extensions import db
from tests.conftest import in_tenant


@pytest.fixture
def as_user(app):
    """as_user(tenant, role="owner") -> context manager yielding the signed-in User for services."""
    from contextlib import contextmanager

    from app.auth.models import User

    @contextmanager
    def run(tenant, role="owner"):
        with in_tenant(app, tenant.id):
            yield db.session.get(User, (tenant.id, tenant.users[role]))

    return run


def timeline(record_id, *, system: bool | None = None) -> list:
    """Activities on a record's timeline, newest first (call inside a tenant context)."""
    from sqlalchemy import and_, select

    from app.crm.activities.models import Activity, ActivityType, activity_links

    stmt = (
        select(Activity)
        .join(
            activity_links,
            and_(activity_links.c.tenant_id == Activity.tenant_id, activity_links.c.activity_id == Activity.id),
        )
        .where(activity_links.c.record_id == record_id)
        .order_by(Activity.occurred_at.desc(), Activity.id.desc())
    )
    if system is not None:
        stmt = stmt.where((Activity.type == ActivityType.SYSTEM) if system else (Activity.type != ActivityType.SYSTEM))
    return list(db.session.scalars(stmt))
