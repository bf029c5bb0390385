"""Which kind of host a request is for (apex, admin, tenant) and blueprints bound to each.

Routing uses Werkzeug host matching: apex and admin rules carry their literal host, tenant
rules the pattern `<host>`, so one path (say `/login`) can mean different pages on different
hosts. Which tenant a host belongs to is answered by the `domains` table, never by routing.
"""

import re

from flask import Blueprint, abort, current_app, g, has_request_context, request
from flask.blueprints import BlueprintSetupState

from app.core.context import reset_platform, reset_tenant

APEX = "apex"
ADMIN = "admin"
TENANT = "tenant"
ANY = "any"

RESERVED_SLUGS = frozenset(
    [
        "www",
        "admin",
        "api",
        "app",
        "apps",
        "mail",
        "email",
        "smtp",
        "imap",
        "pop",
        "static",
        "assets",
        "cdn",
        "media",
        "files",
        "status",
        "help",
        "support",
        "docs",
        "blog",
        "billing",
        "stripe",
        "webhooks",
        "auth",
        "login",
        "signup",
        "account",
        "accounts",
        "dashboard",
        "console",
        "root",
        "system",
        "dev",
        "test",
        "staging",
        "demo",
        "ftp",
        "ns",
        "ns1",
        "ns2",
        "mx",
        "localhost",
        "atrium",
        "platform",
        "security",
        "abuse",
        "postmaster",
        "hostmaster",
        "webmaster",
        "info",
    ]
)
SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$")


def host_pattern(kind: str, base_domain: str) -> str:
    if kind == APEX:
        return base_domain
    if kind == ADMIN:
        return f"admin.{base_domain}"
    return "<host>"


class _HostSetupState(BlueprintSetupState):
    def add_url_rule(self, rule, endpoint=None, view_func=None, **options):
        kind = self.blueprint.host_kind
        options.setdefault("host", host_pattern(kind, self.app.config["BASE_DOMAIN"]))
        super().add_url_rule(rule, endpoint, view_func, **options)
        full_endpoint = f"{self.name_prefix}.{self.name}.{endpoint or view_func.__name__}".lstrip(".")
        self.app.extensions.setdefault("atrium_endpoint_hosts", {})[full_endpoint] = kind


class HostBlueprint(Blueprint):
    host_kind = ANY

    def make_setup_state(self, app, options, first_registration=False):
        return _HostSetupState(self, app, options, first_registration)


class TenantBlueprint(HostBlueprint):
    host_kind = TENANT


class ApexBlueprint(HostBlueprint):
    host_kind = APEX


class AdminBlueprint(HostBlueprint):
    host_kind = ADMIN


class AnyHostBlueprint(HostBlueprint):
    host_kind = ANY


def tenant_host(slug: str) -> str:
    return f"{slug}.{current_app.config['BASE_DOMAIN']}"


def admin_host() -> str:
    return host_pattern(ADMIN, current_app.config["BASE_DOMAIN"])


def classify_host(host: str, base_domain: str) -> tuple[str, str | None]:
    """Return (kind, key): key is the subdomain label or the custom host name."""
    host = host.lower().rstrip(".")
    base = base_domain.lower()
    if host == base:
        return APEX, None
    if host == f"admin.{base}":
        return ADMIN, None
    if host.endswith("." + base):
        label = host[: -len(base) - 1]
        if "." in label:
            return "unknown", None
        return TENANT, label
    return "custom", host.split(":", 1)[0]


# What answers on a host that names no workspace: the health check, and the static files
# (the same for everyone) that the 404 page saying so is drawn with.
HOST_INDEPENDENT_ENDPOINTS = {"health.healthz", "static"}


def run_in_platform_scope(app, *endpoints: str) -> None:
    """Apex endpoints that work across tenants (signup creates one; a Stripe webhook finds
    its tenant from Stripe's ids) run their whole request in platform_scope(), so their
    transaction uses the platform role from its first statement (see CONTRIBUTING.md)."""
    app.extensions.setdefault("atrium_platform_endpoints", set()).update(endpoints)


def check_endpoint_host(kind: str) -> None:
    """404 when the endpoint belongs to another kind of host (a console page on a tenant's)."""
    expected = current_app.extensions.get("atrium_endpoint_hosts", {}).get(request.endpoint)
    if expected not in (None, ANY) and expected != kind:
        abort(404)


def release_request_tenant(exc=None) -> None:
    token = g.pop("_tenant_token", None)
    if token is not None:
        reset_tenant(token)
    platform_tokens = g.pop("_platform_tokens", None)
    if platform_tokens is not None:
        reset_platform(platform_tokens)


def drop_host_argument(endpoint, values) -> None:
    if values is not None:
        values.pop("host", None)


def add_current_host(endpoint, values) -> None:
    if "host" in values or not has_request_context():
        return
    if current_app.url_map.is_endpoint_expecting(endpoint, "host"):
        values["host"] = request.host
