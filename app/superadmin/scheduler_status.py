"""The console's jobs page: heartbeats, each job's last run, failures, dead-letter emails."""

from datetime import timedelta

from apscheduler.util import utc_timestamp_to_datetime
from flask import abort, current_app
from sqlalchemy import func, select

from app.core.errors import Conflict
from app.core.extensions import db
from app.core.types import utcnow
from app.jobs.models import JobRun, JobRunStatus, SchedulerHeartbeat, apscheduler_jobs
from app.jobs.registry import PLATFORM_JOBS
from app.messaging.models import OutboxMessage, OutboxStatus
from app.superadmin.access import record_platform_audit
from app.tenants.models import Tenant

DEAD_SHOWN = 50
# Messages the outbox will not send again by itself: out of attempts, or maybe sent already.
NEEDS_AN_OPERATOR = (OutboxStatus.DEAD, OutboxStatus.UNCONFIRMED)
FAILURES_SHOWN = 20


def scheduler_health() -> dict:
    beats = db.session.scalars(select(SchedulerHeartbeat).order_by(SchedulerHeartbeat.started_at)).all()
    interval = current_app.config["SCHEDULER_HEARTBEAT_SECONDS"]
    fresh_after = utcnow() - timedelta(seconds=max(3 * interval, 30))
    leaders = [beat for beat in beats if beat.role == "leader" and beat.beat_at >= fresh_after]
    return {
        "beats": beats,
        "fresh_after": fresh_after,
        "healthy": bool(leaders),
        "leader": leaders[0] if leaders else None,
    }


def job_table() -> list[dict]:
    """Each platform job with its next run, its last run and its last failure (three queries)."""
    ids = [job.id for job in PLATFORM_JOBS]
    next_runs = dict(
        db.session.execute(
            select(apscheduler_jobs.c.id, apscheduler_jobs.c.next_run_time).where(apscheduler_jobs.c.id.in_(ids))
        ).all()
    )
    latest = (
        select(JobRun.job_id, func.max(JobRun.started_at).label("started_at"))
        .where(JobRun.job_id.in_(ids))
        .group_by(JobRun.job_id)
        .subquery()
    )
    last_runs = {
        run.job_id: run
        for run in db.session.scalars(
            select(JobRun).join(latest, (JobRun.job_id == latest.c.job_id) & (JobRun.started_at == latest.c.started_at))
        )
    }
    last_failures = dict(
        db.session.execute(
            select(JobRun.job_id, func.max(JobRun.started_at))
            .where(JobRun.job_id.in_(ids), JobRun.status == JobRunStatus.FAILED)
            .group_by(JobRun.job_id)
        ).all()
    )
    return [
        {
            "spec": spec,
            "next_run": utc_timestamp_to_datetime(next_runs[spec.id]) if next_runs.get(spec.id) else None,
            "last_run": last_runs.get(spec.id),
            "last_failure": last_failures.get(spec.id),
        }
        for spec in PLATFORM_JOBS
    ]


def recent_failures() -> list[JobRun]:
    return db.session.scalars(
        select(JobRun)
        .where(JobRun.status == JobRunStatus.FAILED)
        .order_by(JobRun.started_at.desc())
        .limit(FAILURES_SHOWN)
    ).all()


def tenant_job_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(apscheduler_jobs).where(apscheduler_jobs.c.id.startswith("tenant:"))
    )


def outbox_summary() -> dict:
    counts = dict(db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    dead = db.session.execute(
        select(OutboxMessage, Tenant.slug)
        .join(Tenant, Tenant.id == OutboxMessage.tenant_id)
        .where(OutboxMessage.status.in_(NEEDS_AN_OPERATOR))
        .order_by(OutboxMessage.updated_at.desc())
        .limit(DEAD_SHOWN)
    ).all()
    return {"counts": counts, "dead": dead}


def retry_dead_message(tenant_id, message_id) -> OutboxMessage:
    """Put a dead-lettered (or unconfirmed) email back in the queue with a fresh set of
    attempts; the scheduler's `outbox.deliver` job sends it within seconds of this request's
    commit. For an unconfirmed one the operator accepts that it may arrive twice."""
    message = db.session.get(OutboxMessage, (tenant_id, message_id))
    if message is None:
        abort(404)
    if message.status not in NEEDS_AN_OPERATOR:
        raise Conflict("Only dead-lettered or unconfirmed messages can be sent again.")
    previous = message.status
    message.status = OutboxStatus.QUEUED
    message.attempts = 0
    message.next_attempt_at = utcnow()
    record_platform_audit(
        "outbox.message_retried",
        tenant_id=tenant_id,
        details={
            "message_id": str(message_id),
            "to": message.payload.get("to"),
            "was": previous,
            "last_error": message.last_error,
        },
    )
    return message
