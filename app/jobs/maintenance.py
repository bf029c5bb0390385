"""Housekeeping of the scheduler's own tables."""

from datetime import timedelta

from sqlalchemy import delete

from app.core.context import platform_scope
from app.core.extensions import db
from app.core.types import utcnow
from app.jobs.models import JobRun

JOB_RUN_RETENTION_DAYS = 30


def prune_job_runs() -> dict:
    """Drop run-log rows older than the retention period (the jobs page shows recent ones)."""
    with platform_scope():
        result = db.session.execute(
            delete(JobRun).where(JobRun.started_at < utcnow() - timedelta(days=JOB_RUN_RETENTION_DAYS))
        )
        db.session.commit()
    return {"deleted": result.rowcount}
