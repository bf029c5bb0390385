"""numbers searchable: quotes, orders and invoices numbered before numbering refreshed their
search text are found by their number too

A document's search text was written while it was a draft, before it had a number; numbering now
rewrites it, and this adds the number to the documents numbered before that.

Revision ID: 0025_numbers_searchable
Revises: 0024_schedule_hours_local
"""

from alembic import op

revision = "0025_numbers_searchable"
down_revision = "0024_schedule_hours_local"
branch_labels = None
depends_on = None

TABLES = ("quotes", "orders", "invoices")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        if postgres:
            # The owner is bound by the forced tenant policy too: every workspace's documents are
            # updated as the owner, and the migration environment forces the policy again afterwards.
            op.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
        op.execute(
            f"UPDATE {table} SET search_text = TRIM(search_text || ' ' || LOWER(number)) "
            f"WHERE number IS NOT NULL AND search_text NOT LIKE '%' || LOWER(number) || '%'"
        )


def downgrade() -> None:
    """The number stays searchable: nothing to undo."""
