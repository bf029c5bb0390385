"""plan descriptions: the catalogue's Premium and Enterprise blurbs sold a help desk, AI
insights, a custom domain and white labelling, none of which exists

Only a description still as the catalogue first wrote it is replaced: one the platform's owners
edited in the console is theirs.

Revision ID: 0022_plan_descriptions
Revises: 0021_tag_link_types
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_plan_descriptions"
down_revision = "0021_tag_link_types"
branch_labels = None
depends_on = None

# code: (the first catalogue's text, today's)
DESCRIPTIONS = {
    "premium": (
        "For agencies running support and insights at scale.",
        "For agencies running many clients, campaigns and automations.",
    ),
    "enterprise": (
        "Unlimited seats and records, your own domain and brand.",
        "Unlimited seats, records and pipelines for the largest agencies.",
    ),
}

plans = sa.table("plans", sa.column("code", sa.String), sa.column("description", sa.String))


def _replace(position_from: int, position_to: int) -> None:
    for code, texts in DESCRIPTIONS.items():
        op.execute(
            plans.update()
            .where(plans.c.code == code, plans.c.description == texts[position_from])
            .values(description=texts[position_to])
        )


def upgrade() -> None:
    _replace(0, 1)


def downgrade() -> None:
    _replace(1, 0)
