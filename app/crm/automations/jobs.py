"""Per-tenant job bodies of workflows (run by the scheduler inside the tenant's context)."""

from app.core.context import require_tenant_id
from app.core.extensions import db
from app.core.ids import parse_uuid
from app.crm.automations import engine, schedules
from app.crm.automations.models import WorkflowRun
from app.jobs.dispatch import for_each_tenant


def resume_run(object_id: str) -> dict:
    """`object_id` is "<run id>.<position>.<attempt>": carry on after a wait or a replay."""
    run_id = parse_uuid(str(object_id).split(".", 1)[0])
    run = db.session.get(WorkflowRun, (require_tenant_id(), run_id), with_for_update=True)
    if run is None:
        return {"status": "missing"}
    return {"status": engine.resume(run), "position": run.position}


def run_time_triggers() -> dict:
    """Platform job: date-reached, no-activity and scheduled workflows of every tenant."""
    return for_each_tenant(schedules.tenants_with_time_triggers(), lambda tenant_id: schedules.fire_time_triggers())
