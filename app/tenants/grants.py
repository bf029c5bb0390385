"""Table privileges of the app and platform roles, re-applied after every migration.

The rule, for every table that exists now or is added later:

- tenant tables (`rls.tenant_tables`): full DML for the app role, under the forced policy;
- platform tables: the app role gets exactly what APP_PLATFORM_GRANTS lists, and nothing
  at all for a table that is not listed — a new platform table is closed until someone
  decides who may touch it;
- the platform role (BYPASSRLS, console / scheduler / CLI) reads and writes every table.

The owner's default privileges give the app role nothing, so a table created by a later
migration is closed even before `ensure_privileges` (run by migrations/env.py after every
upgrade) opens it according to the rule.
"""

import logging

from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.tenants.rls import all_tables, tenant_tables

log = logging.getLogger(__name__)

TENANT_TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"

# What a tenant request (the app role) may do to each platform table, and why.
APP_PLATFORM_GRANTS: dict[str, tuple[str, ...]] = {
    # Host resolution: a subdomain label or custom domain leads to its tenant.
    "domains": ("SELECT",),
    # The plan catalogue: entitlements, the landing page and the plan page.
    "plans": ("SELECT",),
    # Only the request's own row (row policy): entitlements read it, enforce() locks it with
    # SELECT … FOR UPDATE (which needs an UPDATE privilege), agency settings change these.
    # Plan, status, overrides and trial dates change only through the platform role.
    "tenants": (
        "SELECT",
        "UPDATE (name, timezone, currency, brand_color, logo_data, logo_mime, logo_updated_at, updated_at)",
    ),
    # Per-tenant jobs are written in the request's transaction (row policy: own job ids).
    "apscheduler_jobs": ("SELECT", "INSERT", "UPDATE", "DELETE"),
    # Written by tenant requests, never read by them: impersonated writes, and the dev
    # mailbox (development only: production refuses to start without a real provider).
    "platform_audit_events": ("INSERT",),
    "dev_mailbox_messages": ("INSERT",),
    # The Stripe webhook logs a failed event outside the request's transaction, on the app
    # engine (app.billing.webhooks.record_failure): an upsert on the event id that reads
    # `result`. Row policy: only failed events no tenant was attributed to. Once that log is
    # written through the platform engine, this entry (and its policies) can go.
    "stripe_events": ("INSERT", "SELECT (event_id, result)", "UPDATE (error, processed_at)"),
}

# Nobody but the owner (migrations) touches these.
OWNER_ONLY_TABLES = frozenset({"alembic_version"})


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def ensure_privileges(connection, *, app_role: str | None, platform_role: str | None) -> None:
    """Make every table's privileges follow the rule above; idempotent, transactional."""
    if connection.dialect.name != "postgresql":
        return
    tenant = set(tenant_tables(connection))
    for table in all_tables(connection):
        name = _quote(table)
        for role in (app_role, platform_role):
            if role:
                connection.execute(text(f"REVOKE ALL ON {name} FROM {_quote(role)}"))
        if table in OWNER_ONLY_TABLES:
            continue
        if platform_role:
            connection.execute(text(f"GRANT {TENANT_TABLE_PRIVILEGES} ON {name} TO {_quote(platform_role)}"))
        if not app_role:
            continue
        grants = (TENANT_TABLE_PRIVILEGES,) if table in tenant else APP_PLATFORM_GRANTS.get(table, ())
        for grant in grants:
            privilege, _, columns = grant.partition(" ")
            connection.execute(text(f"GRANT {privilege} {columns} ON {name} TO {_quote(app_role)}"))
    _grant_functions(connection, app_role=app_role, platform_role=platform_role)


def _grant_functions(connection, *, app_role: str | None, platform_role: str | None) -> None:
    """The owner's functions the roles may call (each says why in its migration)."""
    exists = connection.execute(text("SELECT to_regprocedure('refresh_planner_statistics(text)') IS NOT NULL")).scalar()
    if not exists:
        return
    for role in (app_role, platform_role):
        if role:
            connection.execute(text(f"GRANT EXECUTE ON FUNCTION refresh_planner_statistics(text) TO {_quote(role)}"))
    if app_role:
        # Tables the current role (the owner) creates from now on start closed to the app role.
        connection.execute(
            text(
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {_quote(_schema(connection))} REVOKE ALL ON TABLES FROM {_quote(app_role)}"
            )
        )


def _schema(connection) -> str:
    return connection.scalar(text("SELECT current_schema()"))


def roles_from_config(config, connection) -> tuple[str | None, str | None]:
    """The app and platform role names, read from DATABASE_URL and PLATFORM_DATABASE_URL.

    A URL that is not PostgreSQL, or that connects as the migrating role itself (a one-role
    laptop setup), names no role to restrict.
    """
    current = connection.scalar(text("SELECT current_user"))

    def role(url: str | None) -> str | None:
        if not url or not url.startswith("postgresql"):
            return None
        name = make_url(url).username
        return name if name and name != current else None

    app_role = role(config.get("SQLALCHEMY_DATABASE_URI"))
    platform_role = role(config.get("PLATFORM_DATABASE_URL"))
    if app_role is None:
        log.warning("no separate app role in DATABASE_URL: table privileges were not restricted")
    return app_role, platform_role
