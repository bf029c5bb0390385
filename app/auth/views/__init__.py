"""Tenant-host pages for signing in and managing one's account and the team."""

from app.core.hosts import TenantBlueprint

bp = TenantBlueprint("auth", __name__)

from app.auth.views import account, login, users  # noqa: E402,F401
