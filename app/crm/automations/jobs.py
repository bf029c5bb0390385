"""Per-tenant job bodies of workflows (run by the scheduler inside the tenant's context)."""

from app.crm.automations import engine, schedules
from app.crm.automations.models import WorkflowRun
from app.jobs.dispatch import for_each_tenant
from app.jobs.registry import PlatformJob
from app.jobs.tenant_jobs import get_locked_job_row

TIME_TRIGGERS_JOB = PlatformJob(
    "automations.time_triggers",
    "app.crm.automations.jobs:run_time_triggers",
    "interval",
    {"minutes": 15},
    "Starts workflows whose date is reached, whose records went quiet, or whose daily hour came.",
)


def resume_run(object_id: str) -> dict:
    """`object_id` is "<run id>.<position>.<attempt>": carry on after a wait or a replay."""
    run = get_locked_job_row(WorkflowRun, object_id)
    if run is None:
        return {"status": "missing"}
    return {"status": engine.resume(run), "position": run.position}


def run_time_triggers() -> dict:
    """Platform job: date-reached, no-activity and scheduled workflows of every tenant."""
    return for_each_tenant(schedules.tenants_with_time_triggers(), lambda tenant_id: schedules.fire_time_triggers())
