"""planner statistics: a function the app role may call to ANALYZE a table it writes in bulk

A new workspace importing its contacts into a table that already holds other workspaces' rows
is, to the planner, a tenant of a handful of rows until the next ANALYZE (autovacuum waits for
10 % of the table to change). Its batch lookups by e-mail then walk the tenant's whole
(tenant_id, contact_id) index instead of probing (tenant_id, email). ANALYZE needs the table's
owner; this function runs it as the owner for the app role, on tables of the public schema only.

Revision ID: 0018_planner_statistics
Revises: 0017_outbox_queued
"""

from alembic import op

revision = "0018_planner_statistics"
down_revision = "0017_outbox_queued"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE FUNCTION refresh_planner_statistics(table_name text) RETURNS void
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename = table_name) THEN
                RAISE EXCEPTION 'no table %', table_name;
            END IF;
            EXECUTE format('ANALYZE public.%I', table_name);
        END
        $$
        """
    )
    op.execute("REVOKE ALL ON FUNCTION refresh_planner_statistics(text) FROM PUBLIC")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION refresh_planner_statistics(text)")
