"""booking type video url: a booking page's video link, given to each meeting booked on it (its
invitation, its .ics and the visitor's manage page)

Revision ID: 0028_booking_type_video_url
Revises: 0027_booking_visitor_timezone
"""

import sqlalchemy as sa
from alembic import op

revision = "0028_booking_type_video_url"
down_revision = "0027_booking_visitor_timezone"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("booking_types") as batch:
        batch.add_column(sa.Column("video_url", sa.String(length=2000), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("booking_types") as batch:
        batch.drop_column("video_url")
