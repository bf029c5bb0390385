"""schedule hours local: a daily workflow's hour is now read on the workspace's clock, so the
hours saved as UTC are turned into the same moment of the workspace's day

"Every day at 9 UTC" in Pacific/Auckland becomes "every day at 22" there: the workflow keeps
running when it ran the day before the change. The offset is the zone's today, the best a single
stored hour can keep (it follows the workspace's clock across daylight saving from now on).

Revision ID: 0024_schedule_hours_local
Revises: 0023_filter_in_order_indexes
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0024_schedule_hours_local"
down_revision = "0023_filter_in_order_indexes"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
workflows = sa.table(
    "workflows",
    sa.column("tenant_id", sa.Uuid),
    sa.column("id", sa.Uuid),
    sa.column("trigger", JSON),
)
tenants = sa.table("tenants", sa.column("id", sa.Uuid), sa.column("timezone", sa.String))


def _offset_hours(timezone: str) -> int:
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    return round(datetime.now(UTC).astimezone(zone).utcoffset().total_seconds() / 3600)


def _shift(direction: int) -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        # The owner is bound by the forced tenant policy too: every workspace's workflows are
        # read as the owner, and the migration environment forces the policy again afterwards.
        op.execute('ALTER TABLE "workflows" NO FORCE ROW LEVEL SECURITY')
    rows = connection.execute(
        sa.select(workflows.c.tenant_id, workflows.c.id, workflows.c.trigger, tenants.c.timezone).join(
            tenants, tenants.c.id == workflows.c.tenant_id
        )
    )
    for tenant_id, workflow_id, trigger, timezone in rows.all():
        if not isinstance(trigger, dict) or trigger.get("type") != "schedule":
            continue
        offset = _offset_hours(timezone)
        if not offset:
            continue
        hour = (int(trigger.get("hour") or 0) + direction * offset) % 24
        connection.execute(
            workflows.update()
            .where(workflows.c.tenant_id == tenant_id, workflows.c.id == workflow_id)
            .values(trigger={**trigger, "hour": hour})
        )


def upgrade() -> None:
    _shift(+1)


def downgrade() -> None:
    _shift(-1)
