"""plans: usage snapshots, status history, scheduler tables

usage_snapshots and tenant_status_changes are tenant tables (RLS is applied by env.py);
apscheduler_jobs is APScheduler's SQLAlchemyJobStore layout, created here because the app and
platform roles may not create tables; job_runs and scheduler_heartbeats are platform tables.

Revision ID: 0002_plans
Revises: 0001_core
Create Date: 2026-11-21 14:14:57.094861
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002_plans"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(length=191), nullable=False),
        sa.Column("next_run_time", sa.Float(precision=25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apscheduler_jobs")),
    )
    with op.batch_alter_table("apscheduler_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_apscheduler_jobs_next_run_time"), ["next_run_time"], unique=False)

    op.create_table(
        "job_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.String(length=191), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=True),
        sa.Column("process_id", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
    )
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.create_index("ix_job_runs_job_started", ["job_id", "started_at"], unique=False)
        batch_op.create_index("ix_job_runs_status_started", ["status", "started_at"], unique=False)

    op.create_table(
        "scheduler_heartbeats",
        sa.Column("process_id", sa.String(length=128), nullable=False),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("leader_since", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("process_id", name=op.f("pk_scheduler_heartbeats")),
    )
    op.create_table(
        "tenant_status_changes",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("status_from", sa.String(length=16), nullable=True),
        sa.Column("status_to", sa.String(length=16), nullable=True),
        sa.Column("plan_from", sa.String(length=32), nullable=True),
        sa.Column("plan_to", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("actor_label", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_tenant_status_changes_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_tenant_status_changes")),
    )
    with op.batch_alter_table("tenant_status_changes", schema=None) as batch_op:
        batch_op.create_index("ix_tenant_status_changes_tenant_created", ["tenant_id", "created_at"], unique=False)

    op.create_table(
        "usage_snapshots",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("resource", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("limit_value", sa.BigInteger(), nullable=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_usage_snapshots_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_usage_snapshots")),
        sa.UniqueConstraint(
            "tenant_id", "resource", "period", name=op.f("uq_usage_snapshots_tenant_id_resource_period")
        ),
    )


def downgrade():
    op.drop_table("usage_snapshots")
    with op.batch_alter_table("tenant_status_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_tenant_status_changes_tenant_created")

    op.drop_table("tenant_status_changes")
    op.drop_table("scheduler_heartbeats")
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_job_runs_status_started")
        batch_op.drop_index("ix_job_runs_job_started")

    op.drop_table("job_runs")
    with op.batch_alter_table("apscheduler_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_apscheduler_jobs_next_run_time"))

    op.drop_table("apscheduler_jobs")
