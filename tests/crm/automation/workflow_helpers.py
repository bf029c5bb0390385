"""Build workflows through the services, as a tenant's owner."""

from sqlalchemy import select

from app.auth.models import User
from app.core.extensions import db
from app.crm.automations.models import WorkflowRun, WorkflowStepLog
from app.crm.automations.services import create_workflow
from tests.conftest import in_tenant


def owner_of(tenant):
    return db.session.get(User, (tenant.id, tenant.users["owner"]))


def make_workflow(app, tenant, *, trigger=None, steps=(), conditions=None, active=True, name="New lead routine"):
    data = {
        "name": name,
        "trigger": trigger or {"type": "record_created", "record_type": "lead"},
        "steps": list(steps),
        "conditions": conditions or {},
        "is_active": active,
    }
    with in_tenant(app, tenant.id):
        return create_workflow(data, actor=owner_of(tenant)).id


def runs_of(app, tenant, workflow_id=None) -> list[WorkflowRun]:
    with in_tenant(app, tenant.id):
        stmt = select(WorkflowRun).order_by(WorkflowRun.started_at, WorkflowRun.id)
        if workflow_id is not None:
            stmt = stmt.where(WorkflowRun.workflow_id == workflow_id)
        rows = list(db.session.scalars(stmt))
        db.session.expunge_all()
    return rows


def step_logs(app, tenant, run_id) -> list[WorkflowStepLog]:
    with in_tenant(app, tenant.id):
        rows = list(
            db.session.scalars(
                select(WorkflowStepLog)
                .where(WorkflowStepLog.run_id == run_id)
                .order_by(WorkflowStepLog.started_at, WorkflowStepLog.id)
            )
        )
        db.session.expunge_all()
    return rows
