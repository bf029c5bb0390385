"""Helpers for plan tests: set a tenant's limits, status and plan directly."""

import pytest

from app.extensions import db
from tests.conftest import on_platform


@pytest.fixture
def set_tenant(app):
    """set_tenant(handle, plan=…, status=…, limit_overrides=…, past_due_since=…, …)"""

    def update(handle, **values):
        from app.tenants.models import Tenant

        with on_platform(app):
            tenant = db.session.get(Tenant, handle.id)
            for key, value in values.items():
                setattr(tenant, "plan_code" if key == "plan" else key, value)

    return update
