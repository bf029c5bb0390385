"""filter-in-order indexes: a contact's stage in name order, a lead's status newest first

A page of contacts with a tag and a stage walked the whole name index and read each row to test
its stage: about 15,000 rows (12-20 ms) for one page of a tag at a million contacts. With
`(tenant_id, lifecycle_stage, full_name, id)` it walks only that stage's rows in name order and
tests each against the tag's links in an index (2,000 index entries, 7-12 ms under load). The
stage's own `(tenant_id, lifecycle_stage, id)` index stays: the filtered count merges its ids
with the tag's (a hash join over the wider index took twice as long). Leads' status tabs with a
tag are the same shape, in the leads list's own order (newest first).

Revision ID: 0023_filter_in_order_indexes
Revises: 0022_plan_descriptions
"""

from alembic import op

revision = "0023_filter_in_order_indexes"
down_revision = "0022_plan_descriptions"
branch_labels = None
depends_on = None

INDEXES = [
    ("contacts", "lifecycle_stage", "full_name"),
    ("leads", "status", "created_at"),
]


def upgrade():
    for table, column, sort_column in INDEXES:
        op.create_index(f"ix_{table}_tenant_{column}_{sort_column}", table, ["tenant_id", column, sort_column, "id"])


def downgrade():
    for table, column, sort_column in INDEXES:
        op.drop_index(f"ix_{table}_tenant_{column}_{sort_column}", table_name=table)
