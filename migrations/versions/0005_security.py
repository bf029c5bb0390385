"""security: each scheduled tick of a job can be claimed once (scheduler fencing)

job_runs.scheduled_for is the time the scheduler meant a run for; (job_id, scheduled_for) is
unique, so a second scheduler process that reaches the same tick finds it already claimed.
Runs started by hand (`flask jobs run-now`) have no scheduled time and are never refused.

Row-level security and the roles' table privileges are not migrations: env.py re-applies
them to every table after each upgrade (app/tenants/rls.py, app/tenants/grants.py).

Revision ID: 0005_security
Revises: 0005_api
Create Date: 2026-12-02 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_security"
down_revision = "0005_api"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_job_runs_job_id_scheduled_for"), ["job_id", "scheduled_for"])


def downgrade():
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_job_runs_job_id_scheduled_for"), type_="unique")
        batch_op.drop_column("scheduled_for")
