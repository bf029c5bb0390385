"""Operator CLI: flask tenants list / set-plan / set-limit / suspend / reactivate."""

from app.core.extensions import db
from app.tenants.models import Tenant
from tests.conftest import on_platform
from tests.superadmin.conftest import platform_audit_actions


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["tenants", *args])


def _tenant(app, handle):
    with on_platform(app):
        tenant = db.session.get(Tenant, handle.id)
        db.session.expunge(tenant)
        return tenant


def test_list_shows_every_tenant_and_filters(app, tenant_a, tenant_b):
    result = _run(app, "list")
    assert result.exit_code == 0
    assert "alpha" in result.output
    assert "bravo" in result.output
    assert "2 agencies" in result.output
    assert "alpha" not in _run(app, "list", "--status", "suspended").output


def test_set_plan(app, tenant_a):
    result = _run(app, "set-plan", "alpha", "free")
    assert result.exit_code == 0, result.output
    assert _tenant(app, tenant_a).plan_code == "free"
    assert "tenant.plan_changed" in platform_audit_actions(app, tenant_a.id)
    assert _run(app, "set-plan", "alpha", "platinum").exit_code != 0
    assert _run(app, "set-plan", "nobody", "free").exit_code != 0


def test_set_limit_overrides_with_numbers_unlimited_and_default(app, tenant_a):
    assert _run(app, "set-limit", "alpha", "users", "7").exit_code == 0
    assert _tenant(app, tenant_a).limit_overrides == {"users": 7}
    assert _run(app, "set-limit", "alpha", "contacts", "unlimited").exit_code == 0
    assert _tenant(app, tenant_a).limit_overrides == {"users": 7, "contacts": None}
    assert _run(app, "set-limit", "alpha", "users", "default").exit_code == 0
    assert _tenant(app, tenant_a).limit_overrides == {"contacts": None}
    bad = _run(app, "set-limit", "alpha", "rockets", "3")
    assert bad.exit_code != 0
    assert "Unknown limit" in bad.output


def test_suspend_needs_a_reason_and_reactivate_restores(app, tenant_a):
    assert _run(app, "suspend", "alpha").exit_code != 0
    assert _run(app, "suspend", "alpha", "--reason", "Chargeback").exit_code == 0
    assert (_tenant(app, tenant_a).status, _tenant(app, tenant_a).status_reason) == ("suspended", "Chargeback")
    assert _run(app, "reactivate", "alpha").exit_code == 0
    assert _tenant(app, tenant_a).status == "active"
    again = _run(app, "reactivate", "alpha")
    assert again.exit_code != 0
    assert "not suspended" in again.output
    actions = platform_audit_actions(app, tenant_a.id)
    assert {"tenant.suspended", "tenant.reactivated"} <= set(actions)
