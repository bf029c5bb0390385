"""tag link types: each tag link carries its record's type, so a tag filter names the type

A tag filter asked for "companies whose id is among this tag's links". The planner could not
tell how many of those links were companies: with a tag carried by 18,000 contacts and no
company, it guessed 2,000 matches and walked all 50,000 companies by name looking for the
first page (290 ms); a lead list did the same. The links now carry the type of their record,
with statistics over (tag, type), and the filter says "links of this tag to companies": the
planner sees that there are none (or few) and starts from the links.

The ORM writes only a link's keys, so the database fills the type in from `records` when a
link is written without one (a BEFORE INSERT trigger on PostgreSQL, an AFTER INSERT one on
SQLite, which cannot change the row it inserts). A bulk load that knows the types (the
benchmark's generator) names them and the trigger leaves them alone.

Revision ID: 0021_tag_link_types
Revises: 0020_tag_record_counts
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_tag_link_types"
down_revision = "0020_tag_record_counts"
branch_labels = None
depends_on = None

POSTGRES_FUNCTION = """
CREATE FUNCTION type_tag_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT type INTO NEW.record_type FROM records WHERE tenant_id = NEW.tenant_id AND id = NEW.record_id;
    RETURN NEW;
END
$$
"""

POSTGRES_TRIGGER = (
    "CREATE TRIGGER record_tags_typed BEFORE INSERT ON record_tags "
    "FOR EACH ROW WHEN (NEW.record_type IS NULL) EXECUTE FUNCTION type_tag_link()"
)

SQLITE_TRIGGER = """CREATE TRIGGER record_tags_typed AFTER INSERT ON record_tags WHEN NEW.record_type IS NULL BEGIN
    UPDATE record_tags SET record_type = (
        SELECT type FROM records WHERE records.tenant_id = NEW.tenant_id AND records.id = NEW.record_id
    ) WHERE tenant_id = NEW.tenant_id AND record_id = NEW.record_id AND tag_id = NEW.tag_id;
END"""

# Per-tag, per-type counts for the planner. A thousand entries cover every (tag, type) pair of
# a workspace with a few hundred tags; rarer pairs are estimated as rare, which is right.
POSTGRES_STATISTICS = [
    "CREATE STATISTICS st_record_tags_tag_type (mcv, dependencies) ON tag_id, record_type FROM record_tags",
    "ALTER STATISTICS st_record_tags_tag_type SET STATISTICS 1000",
]


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    # Plain ALTERs, no batch copy: on SQLite a copied table would lose 0020's count triggers.
    op.add_column("record_tags", sa.Column("record_type", sa.String(length=32), nullable=True))
    if postgres:
        # The owner is bound by the forced tenant policy too: every workspace's links are typed
        # as the owner, and the migration environment forces the policy again afterwards.
        for table in ("records", "record_tags"):
            op.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
    op.execute(
        "UPDATE record_tags SET record_type = (SELECT type FROM records "
        "WHERE records.tenant_id = record_tags.tenant_id AND records.id = record_tags.record_id)"
    )
    op.drop_index("ix_record_tags_tenant_tag", table_name="record_tags")
    op.create_index(
        "ix_record_tags_tenant_tag_type", "record_tags", ["tenant_id", "tag_id", "record_type", "record_id"]
    )
    if postgres:
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
        for statement in POSTGRES_STATISTICS:
            op.execute(statement)
        op.execute("ANALYZE record_tags")
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("DROP STATISTICS st_record_tags_tag_type")
        op.execute("DROP TRIGGER record_tags_typed ON record_tags")
        op.execute("DROP FUNCTION type_tag_link()")
    else:
        op.execute("DROP TRIGGER record_tags_typed")
    op.drop_index("ix_record_tags_tenant_tag_type", table_name="record_tags")
    op.create_index("ix_record_tags_tenant_tag", "record_tags", ["tenant_id", "tag_id", "record_id"])
    op.drop_column("record_tags", "record_type")
