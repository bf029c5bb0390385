"""perf: a trigram index for activity search (tenant_id first, GIN on PostgreSQL)

Activity search matches lower(subject || ' ' || body); on PostgreSQL the platform role asks
this index for candidate ids (see app.records.search), so a search over half a million
activities reads the index instead of every row.

Revision ID: 0014_perf
Revises: 0006_record_kit
"""

from alembic import op

revision = "0014_perf"
down_revision = "0013_automation"
branch_labels = None
depends_on = None


def upgrade():
    # Every declared sort walks a (tenant_id, column, id) index; a deal's probability had none.
    op.create_index("ix_deals_tenant_probability", "deals", ["tenant_id", "probability", "id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_activities_search_trgm ON activities "
            "USING gin (tenant_id, lower(subject || ' ' || body) gin_trgm_ops)"
        )
    else:
        op.execute("CREATE INDEX ix_activities_search_trgm ON activities (tenant_id, lower(subject || ' ' || body))")


def downgrade():
    op.drop_index("ix_deals_tenant_probability", table_name="deals")
    op.drop_index("ix_activities_search_trgm", table_name="activities")
