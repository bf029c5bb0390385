"""Per-tenant jobs: schedule, replace and cancel by id `tenant:{tenant_id}:{kind}:{object_id}`,
and load the row a job body works on.

The job row is written through the caller's session, so a job scheduled in a request that
rolls back is never stored. The scheduler notices new rows at its next heartbeat.
"""

import pickle
import re
import uuid
from datetime import UTC, datetime

from apscheduler.job import Job
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.util import datetime_to_utc_timestamp, utc_timestamp_to_datetime
from flask import current_app
from sqlalchemy import delete, select, update

from app.core.context import CrossTenantWrite, get_current_tenant_id, require_tenant_id
from app.core.errors import Conflict, ValidationFailed
from app.core.extensions import db
from app.core.ids import parse_uuid
from app.jobs.models import apscheduler_jobs
from app.jobs.registry import RUNNER_REF, make_trigger

KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_.-]{0,39}$")
_job_factory: list[BackgroundScheduler] = []


def tenant_job_id(tenant_id, kind: str, object_id) -> str:
    return f"tenant:{uuid.UUID(str(tenant_id))}:{kind}:{object_id}"


def get_locked_job_row(model, object_id):
    """The current tenant's `model` row a job body works on, locked until the job's transaction
    ends (so a second run of the same job waits instead of acting twice); None once it is gone.

    `object_id` starts with the row's id; what follows its first "." (a position, an attempt)
    only tells the rescheduled jobs of one row apart.
    """
    row_id = parse_uuid(str(object_id).split(".", 1)[0])
    return db.session.get(model, (require_tenant_id(), row_id), with_for_update=True)


def _check_tenant(tenant_id) -> uuid.UUID:
    tenant_id = uuid.UUID(str(tenant_id))
    current = get_current_tenant_id()
    if current is not None and current != tenant_id:
        raise CrossTenantWrite("a tenant may only schedule its own jobs")
    return tenant_id


def _unstarted_scheduler() -> BackgroundScheduler:
    """Jobs need a scheduler for their time zone; this one is never started."""
    if not _job_factory:
        _job_factory.append(BackgroundScheduler(timezone=UTC))
    return _job_factory[0]


def schedule_tenant_job(
    tenant_id,
    kind: str,
    object_id,
    func_ref: str,
    trigger: str = "date",
    *,
    kwargs: dict | None = None,
    replace: bool = True,
    late_runs: bool = False,
    **trigger_args,
) -> str:
    """Run `func_ref(object_id, **kwargs)` in the tenant's context when `trigger` fires.

    `trigger` is "date" (run_date=…), "interval" (minutes=…) or "cron" (hour=…). With
    `replace` an existing job of the same id is rescheduled, otherwise it is a Conflict.
    With `late_runs` a run missed while no scheduler was up still happens when one starts,
    however late (a reminder); otherwise it is skipped after the misfire grace time.
    """
    tenant_id = _check_tenant(tenant_id)
    if not KIND_PATTERN.match(kind or ""):
        raise ValueError(f"invalid job kind {kind!r}")
    job_id = tenant_job_id(tenant_id, kind, object_id)
    try:
        fire = make_trigger(trigger, **trigger_args)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("Invalid schedule.", details={"schedule": [str(exc)]}) from exc
    next_run = fire.get_next_fire_time(None, datetime.now(UTC))
    if next_run is None:
        raise ValidationFailed("Invalid schedule.", details={"schedule": ["This schedule never fires."]})
    job = Job(
        _unstarted_scheduler(),
        id=job_id,
        name=job_id,
        func=RUNNER_REF,
        args=(job_id, func_ref, str(tenant_id), str(object_id), kwargs or {}),
        kwargs={},
        trigger=fire,
        executor="default",
        misfire_grace_time=None if late_runs else current_app.config["SCHEDULER_MISFIRE_GRACE_SECONDS"],
        coalesce=True,
        max_instances=1,
        next_run_time=next_run,
    )
    values = {
        "next_run_time": datetime_to_utc_timestamp(next_run),
        "job_state": pickle.dumps(job.__getstate__(), pickle.HIGHEST_PROTOCOL),
    }
    exists = db.session.scalar(select(apscheduler_jobs.c.id).where(apscheduler_jobs.c.id == job_id))
    if exists and not replace:
        raise Conflict("This job is already scheduled.")
    if exists:
        db.session.execute(update(apscheduler_jobs).where(apscheduler_jobs.c.id == job_id).values(**values))
    else:
        db.session.execute(apscheduler_jobs.insert().values(id=job_id, **values))
    return job_id


def run_tenant_job_now(tenant_id, kind: str, object_id, func_ref: str) -> str:
    """Run `func_ref(object_id)` as soon as the scheduler picks it up (an export, a scan someone
    asked for). It is a late-run job: asked for while no scheduler ran, it runs once one starts,
    however late; dropped, the row waiting for it would say "Preparing" for ever. Asked for
    again before it ran, it stays one job."""
    return schedule_tenant_job(tenant_id, kind, object_id, func_ref, "date", run_date=datetime.now(UTC), late_runs=True)


def cancel_tenant_job(tenant_id, kind: str, object_id) -> bool:
    """Remove the job; False when there was none."""
    job_id = tenant_job_id(_check_tenant(tenant_id), kind, object_id)
    result = db.session.execute(delete(apscheduler_jobs).where(apscheduler_jobs.c.id == job_id))
    return result.rowcount > 0


def cancel_all_tenant_jobs(tenant_id) -> int:
    """Remove every job of the tenant (when the tenant is deleted, say)."""
    prefix = f"tenant:{_check_tenant(tenant_id)}:"
    result = db.session.execute(delete(apscheduler_jobs).where(apscheduler_jobs.c.id.startswith(prefix)))
    return result.rowcount


def next_run_of_tenant_job(tenant_id, kind: str, object_id) -> datetime | None:
    job_id = tenant_job_id(_check_tenant(tenant_id), kind, object_id)
    timestamp = db.session.scalar(select(apscheduler_jobs.c.next_run_time).where(apscheduler_jobs.c.id == job_id))
    return utc_timestamp_to_datetime(timestamp) if timestamp is not None else None
