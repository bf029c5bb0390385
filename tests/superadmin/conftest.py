"""Console helpers (the `platform_admin` and `console` fixtures live in tests/conftest.py:
other packages check what the console shows too)."""

from app.core.extensions import db
from tests.conftest import on_platform


def platform_audit_actions(app, tenant_id=None) -> list[str]:
    from sqlalchemy import select

    from app.superadmin.models import PlatformAuditEvent

    with on_platform(app):
        stmt = select(PlatformAuditEvent.action).order_by(PlatformAuditEvent.created_at)
        if tenant_id is not None:
            stmt = stmt.where(PlatformAuditEvent.tenant_id == tenant_id)
        return list(db.session.scalars(stmt))
