"""What workflows keep about a record, for the privacy tools: its runs and the log of every
step they took (a step's input and result can quote the record: "Send welcome to ada@…").
`app/wiring.py` registers these as the privacy package's export and erase hooks."""

from sqlalchemy import select, update

from app.core.extensions import db
from app.core.models import tenant_join
from app.crm.automations.models import Workflow, WorkflowRun, WorkflowStepLog

ERASED = "Erased"


def _runs_of(record):
    return select(WorkflowRun.id).where(WorkflowRun.record_id == record.id)


def export_workflow_data(record_type, record) -> dict:
    """Privacy export hook: the record's runs, each with its steps."""
    runs = db.session.execute(
        select(WorkflowRun, Workflow.name)
        .join(Workflow, tenant_join(Workflow.id, WorkflowRun.workflow_id))
        .where(WorkflowRun.record_id == record.id)
        .order_by(WorkflowRun.started_at, WorkflowRun.id)
    ).all()
    steps: dict = {}
    for step in db.session.scalars(
        select(WorkflowStepLog)
        .where(WorkflowStepLog.run_id.in_(_runs_of(record)))
        .order_by(WorkflowStepLog.started_at, WorkflowStepLog.id)
    ):
        steps.setdefault(step.run_id, []).append(
            {
                "step": step.label,
                "type": step.step_type,
                "status": step.status,
                "input": step.input,
                "result": step.result,
                "error": step.error,
                "started_at": step.started_at,
            }
        )
    return {
        "workflow_runs": [
            {
                "workflow": name,
                "event": run.event_name,
                "status": run.status,
                "started_at": run.started_at,
                "finished_at": run.finished_at,
                "steps": steps.get(run.id, []),
            }
            for run, name in runs
        ]
    }


def erase_workflow_data(record_type, record) -> None:
    """Privacy erase hook: the runs keep their workflow, status and times (the workflow's
    numbers hold); the record's label and what each step read and wrote go."""
    db.session.execute(
        update(WorkflowStepLog)
        .where(WorkflowStepLog.run_id.in_(_runs_of(record)))
        .values(input={}, result={}, error=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(WorkflowRun)
        .where(WorkflowRun.record_id == record.id)
        .values(record_label=ERASED, error=None)
        .execution_options(synchronize_session=False)
    )
