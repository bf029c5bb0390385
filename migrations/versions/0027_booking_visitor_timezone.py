"""booking visitor timezone: the zone a visitor chose their time in, kept on the booking so that
its later emails (moved, cancelled, by them or by the host) and its manage page use it too

Revision ID: 0027_booking_visitor_timezone
Revises: 0026_totp_last_step
"""

import sqlalchemy as sa
from alembic import op

revision = "0027_booking_visitor_timezone"
down_revision = "0026_totp_last_step"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("visitor_timezone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        batch.drop_column("visitor_timezone")
