"""Drive what the scheduler would: hand stored events to their consumers, run due per-tenant jobs."""

import pickle

from apscheduler.util import datetime_to_utc_timestamp
from sqlalchemy import delete, select

from app.core.context import tenant_context
from app.core.events import dispatch_tenant_events
from app.core.extensions import db
from app.core.types import utcnow
from app.jobs.models import apscheduler_jobs
from app.jobs.runner import execute


def dispatch_events(app, tenant) -> int:
    with app.app_context():
        handled = dispatch_tenant_events(tenant.id)
        db.session.remove()
    return handled


def scheduled_jobs(app, tenant, kind: str | None = None) -> list[dict]:
    """The tenant's stored jobs: {id, run_at (UTC timestamp), func_ref, object_id}."""
    prefix = f"tenant:{tenant.id}:" + (f"{kind}:" if kind else "")
    with app.app_context(), tenant_context(tenant.id):
        rows = db.session.execute(
            select(apscheduler_jobs.c.id, apscheduler_jobs.c.next_run_time, apscheduler_jobs.c.job_state).where(
                apscheduler_jobs.c.id.startswith(prefix)
            )
        ).all()
        db.session.rollback()
    jobs = []
    for row in rows:
        args = pickle.loads(row.job_state)["args"]
        jobs.append({"id": row.id, "run_at": row.next_run_time, "func_ref": args[1], "object_id": args[3]})
    return sorted(jobs, key=lambda job: job["run_at"])


def run_due_jobs(app, tenant, *, now=None, kind: str | None = None) -> int:
    """Run (and remove, as APScheduler does with fired date jobs) every job due by `now`."""
    cutoff = datetime_to_utc_timestamp(now or utcnow())
    due = [job for job in scheduled_jobs(app, tenant, kind) if job["run_at"] <= cutoff + 0.001]
    for job in due:
        with app.app_context(), tenant_context(tenant.id):
            db.session.execute(delete(apscheduler_jobs).where(apscheduler_jobs.c.id == job["id"]))
            db.session.commit()
        with app.app_context():
            execute(job["id"], job["func_ref"], tenant_id=str(tenant.id), object_id=job["object_id"])
            db.session.remove()
    return len(due)


def settle(app, tenant, rounds: int = 5) -> None:
    """Events to consumers and due jobs, until nothing is left to do now."""
    for _ in range(rounds):
        if not (dispatch_events(app, tenant) + run_due_jobs(app, tenant)):
            return
