"""PostgreSQL row-level security: every tenant table gets the same forced policy.

A tenant table is one whose primary key includes tenant_id, or one of the few tables keyed
by an outside id (Stripe's) whose every row still belongs to one tenant. The platform tables
that tenant requests touch also get row policies for the app role (PLATFORM_ROW_POLICIES);
they are enabled but not forced, so the owner and the platform role are not bound by them.
"""

from sqlalchemy import text

POLICY_NAME = "tenant_isolation"
CURRENT_TENANT = "NULLIF(current_setting('app.tenant_id', true), '')"
TENANT_PREDICATE = f"tenant_id = {CURRENT_TENANT}::uuid"

# Keyed by Stripe's ids (unique across tenants), but each row is one tenant's billing
# state, read and written by that tenant's own requests (the billing page, checkout).
TENANT_TABLES_KEYED_OTHERWISE = frozenset({"billing_customers", "billing_subscriptions"})

UNATTRIBUTED_FAILURE = "tenant_id IS NULL AND result = 'failed'"

# table -> [(policy name, command, USING, WITH CHECK)] for the app role on platform tables.
PLATFORM_ROW_POLICIES = {
    # A tenant request sees and updates only its own tenant's row (host resolution goes
    # through `domains` first, so it never needs another tenant's row).
    "tenants": [
        ("tenant_reads_itself", "SELECT", f"id = {CURRENT_TENANT}::uuid", None),
        ("tenant_updates_itself", "UPDATE", f"id = {CURRENT_TENANT}::uuid", f"id = {CURRENT_TENANT}::uuid"),
    ],
    # Per-tenant job ids start with `tenant:{tenant_id}:`; a request reaches only its own.
    "apscheduler_jobs": [
        (
            "tenant_jobs",
            "ALL",
            f"id LIKE 'tenant:' || {CURRENT_TENANT} || ':%'",
            f"id LIKE 'tenant:' || {CURRENT_TENANT} || ':%'",
        ),
    ],
    # The Stripe webhook's failure log upserts on the app engine; it only ever deals with
    # failed events that were never attributed to a tenant, so that is all it can see.
    "stripe_events": [
        ("webhook_failures_read", "SELECT", UNATTRIBUTED_FAILURE, None),
        ("webhook_failures_insert", "INSERT", None, UNATTRIBUTED_FAILURE),
        ("webhook_failures_update", "UPDATE", UNATTRIBUTED_FAILURE, UNATTRIBUTED_FAILURE),
    ],
}


def all_tables(connection) -> list[str]:
    rows = connection.execute(
        text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    )
    return [row[0] for row in rows]


def tenant_tables(connection) -> list[str]:
    """Every tenant-owned table: tenant_id in the primary key, or listed above."""
    rows = connection.execute(
        text(
            "SELECT DISTINCT tc.table_name FROM information_schema.table_constraints tc "
            "JOIN information_schema.key_column_usage k ON k.constraint_name = tc.constraint_name "
            "AND k.table_schema = tc.table_schema AND k.table_name = tc.table_name "
            "WHERE tc.table_schema = current_schema() AND tc.constraint_type = 'PRIMARY KEY' "
            "AND k.column_name = 'tenant_id' ORDER BY tc.table_name"
        )
    )
    keyed = {row[0] for row in rows}
    existing = set(all_tables(connection))
    return sorted(keyed | (TENANT_TABLES_KEYED_OTHERWISE & existing))


def _policy_exists(connection, table: str, name: str) -> bool:
    return bool(
        connection.scalar(
            text(
                "SELECT 1 FROM pg_policies WHERE schemaname = current_schema() AND tablename = :t AND policyname = :p"
            ),
            {"t": table, "p": name},
        )
    )


def ensure_row_level_security(connection) -> list[str]:
    """Enable and force RLS with the tenant policy on every tenant table, and add the app
    role's row policies on platform tables; idempotent."""
    if connection.dialect.name != "postgresql":
        return []
    done = []
    for table in tenant_tables(connection):
        connection.execute(text(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY'))
        connection.execute(text(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY'))
        if not _policy_exists(connection, table, POLICY_NAME):
            connection.execute(
                text(
                    f'CREATE POLICY {POLICY_NAME} ON "{table}" '
                    f"USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
                )
            )
        done.append(table)
    existing = set(all_tables(connection))
    for table, policies in PLATFORM_ROW_POLICIES.items():
        if table not in existing:
            continue
        connection.execute(text(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY'))
        for name, command, using, check in policies:
            if _policy_exists(connection, table, name):
                continue
            clause = (f"USING ({using})" if using else "") + (f" WITH CHECK ({check})" if check else "")
            connection.execute(text(f'CREATE POLICY {name} ON "{table}" FOR {command} {clause}'))
    return done
