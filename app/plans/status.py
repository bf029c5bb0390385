"""Subscription status effects on every tenant request: read-only refuses writes."""

from flask import g, request

from app.core.errors import TenantReadOnly
from app.core.hosts import TENANT
from app.plans.services import entitlements

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Signing in and out, and fixing the billing, must work while read-only.
ALWAYS_ALLOWED_ENDPOINTS = {
    "auth.login",
    "auth.login_second_factor",
    "auth.logout",
    "auth.forgot_password",
    "auth.reset_password",
    "auth.handoff",
    "impersonation.end",
}
ALWAYS_ALLOWED_PREFIXES = ("billing.",)


def allow_when_read_only(endpoint: str) -> None:
    """A POST that must work in a read-only workspace too (asking for an export of it)."""
    ALWAYS_ALLOWED_ENDPOINTS.add(endpoint)


def refuse_writes_when_read_only() -> None:
    if g.get("host_kind") != TENANT or request.method in SAFE_METHODS:
        return
    endpoint = request.endpoint or ""
    if endpoint in ALWAYS_ALLOWED_ENDPOINTS or endpoint.startswith(ALWAYS_ALLOWED_PREFIXES):
        return

    if entitlements(g.tenant).read_only:
        raise TenantReadOnly(
            "This workspace is read-only until its subscription is settled. You can still view and export your data.",
            details={"status": g.tenant.status, "billing_url": "/settings/billing"},
        )
