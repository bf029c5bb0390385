"""PostgreSQL row-level security: every table with a tenant_id gets the same forced policy."""

from sqlalchemy import text

POLICY_NAME = "tenant_isolation"
TENANT_PREDICATE = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"


def tenant_tables(connection) -> list[str]:
    """Tables whose primary key includes tenant_id: exactly the tenant-owned ones."""
    rows = connection.execute(
        text(
            "SELECT DISTINCT tc.table_name FROM information_schema.table_constraints tc "
            "JOIN information_schema.key_column_usage k ON k.constraint_name = tc.constraint_name "
            "AND k.table_schema = tc.table_schema AND k.table_name = tc.table_name "
            "WHERE tc.table_schema = current_schema() AND tc.constraint_type = 'PRIMARY KEY' "
            "AND k.column_name = 'tenant_id' ORDER BY tc.table_name"
        )
    )
    return [row[0] for row in rows]


def ensure_row_level_security(connection) -> list[str]:
    """Enable and force RLS with the tenant policy on every tenant table; idempotent."""
    if connection.dialect.name != "postgresql":
        return []
    done = []
    for table in tenant_tables(connection):
        connection.execute(text(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY'))
        connection.execute(text(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY'))
        exists = connection.scalar(
            text("SELECT 1 FROM pg_policies WHERE tablename = :t AND policyname = :p"),
            {"t": table, "p": POLICY_NAME},
        )
        if not exists:
            connection.execute(
                text(
                    f'CREATE POLICY {POLICY_NAME} ON "{table}" '
                    f"USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
                )
            )
        done.append(table)
    return done
