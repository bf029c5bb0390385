"""totp last step: the time step of the last code that signed each person in, so that the same
code (seen over a shoulder, relayed by a phishing page) cannot sign in a second time

Revision ID: 0026_totp_last_step
Revises: 0025_numbers_searchable
"""

import sqlalchemy as sa
from alembic import op

revision = "0026_totp_last_step"
down_revision = "0025_numbers_searchable"
branch_labels = None
depends_on = None

TABLES = ("users", "platform_admins")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("totp_last_step")
