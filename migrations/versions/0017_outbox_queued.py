"""outbox: a partial index of the queued messages, for the outbox.deliver job

The scheduler's outbox.deliver job asks every few seconds, across tenants, which queued
messages are due (requests no longer send their own email); an index of the queued rows only
(tenant_id first, like every tenant index) answers that without reading the sent ones.

Revision ID: 0017_outbox_queued
Revises: 0016_forms_deal
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_outbox_queued"
down_revision = "0016_forms_deal"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_outbox_messages_queued",
        "outbox_messages",
        ["tenant_id", "next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("status = 'queued'"),
        sqlite_where=sa.text("status = 'queued'"),
    )


def downgrade():
    op.drop_index("ix_outbox_messages_queued", table_name="outbox_messages")
