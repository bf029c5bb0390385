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
