"""Console fixtures: a platform admin and a client signed in as them on the admin host."""

import pytest

from app.core.extensions import db
from tests.conftest import TEST_BASE_DOMAIN, host_client, on_platform

ADMIN_EMAIL = "root@atrium.test"
ADMIN_PASSWORD = "correct-horse-battery"


@pytest.fixture
def platform_admin(app):
    from app.superadmin.cli import ensure_platform_admin

    with on_platform(app):
        admin, _ = ensure_platform_admin(ADMIN_EMAIL, ADMIN_PASSWORD, "Root")
        return admin.id, admin.session_token


@pytest.fixture
def console(app, platform_admin):
    """A client on admin.<base> signed in as the platform admin."""
    admin_id, token = platform_admin
    client = host_client(app, f"http://admin.{TEST_BASE_DOMAIN}")
    with client.session_transaction(base_url=f"http://admin.{TEST_BASE_DOMAIN}") as session:
        session["_user_id"] = f"{admin_id}:{token}"
        session["_fresh"] = True
    return client


def platform_audit_actions(app, tenant_id=None) -> list[str]:
    from sqlalchemy import select

    from app.superadmin.models import PlatformAuditEvent

    with on_platform(app):
        stmt = select(PlatformAuditEvent.action).order_by(PlatformAuditEvent.created_at)
        if tenant_id is not None:
            stmt = stmt.where(PlatformAuditEvent.tenant_id == tenant_id)
        return list(db.session.scalars(stmt))
