"""forms deal: a web form can also open a deal for the contact a submission makes or matches

`web_forms.deal` holds the option ({"pipeline_id", "stage_id", "value"}; empty: no deal).

Revision ID: 0016_forms_deal
Revises: 0015_orders
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0016_forms_deal"
down_revision = "0015_orders"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("web_forms") as batch_op:
        batch_op.add_column(
            sa.Column(
                "deal",
                sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                nullable=False,
                server_default=sa.text("'{}'"),
            )
        )


def downgrade():
    with op.batch_alter_table("web_forms") as batch_op:
        batch_op.drop_column("deal")
