"""The super-admin console on admin.<BASE_DOMAIN>."""

from app.core.hosts import AdminBlueprint

bp = AdminBlueprint("console", __name__)

from app.superadmin.views import account, admins, audit, dashboard, jobs, login, plans, tenants  # noqa: E402,F401
