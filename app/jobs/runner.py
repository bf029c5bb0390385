"""The one function APScheduler calls: it logs the run, enters the job's scope and commits.

Per-tenant jobs run inside `tenant_context(tenant_id)`; platform jobs are dispatch loops that
enter each tenant's context themselves (see `app.jobs.dispatch`).

Before every run the scheduler process's fence is asked whether it still holds the leader
lock, and the run claims its (job id, scheduled time) in `job_runs`, which is unique: a
leader that lost its lock runs nothing, and no tick of a job runs twice, even while two
processes briefly both think they lead.
"""

import logging
import os
import socket
import traceback
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime

from apscheduler.util import ref_to_obj
from flask import Flask
from sqlalchemy.exc import IntegrityError

from app.core.context import platform_scope, tenant_context
from app.core.extensions import db
from app.core.transactions import commit_and_deliver
from app.core.types import utcnow
from app.jobs.models import JobRun, JobRunStatus

log = logging.getLogger(__name__)
_bound: dict = {}
# The time APScheduler meant this run for, set by the scheduler's executor around each run.
scheduled_run_time: ContextVar[datetime | None] = ContextVar("scheduled_run_time", default=None)


class RunRefused(Exception):
    """This process may not run the job now: it lost the leader lock, or the tick is taken."""


def bind_app(app: Flask, *, fence: Callable[[], bool] | None = None) -> None:
    """The scheduler process hands its app, and the question "do I still lead?", to the runner
    once, before jobs start."""
    _bound["app"] = app
    _bound["fence"] = fence


def process_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_job(job_id: str, func_ref: str, tenant_id: str | None = None, object_id: str | None = None, kwargs=None):
    app = _bound.get("app")
    if app is None:
        raise RuntimeError("run_job() called outside the scheduler process (bind_app() was not called)")
    with app.app_context():
        try:
            return execute(
                job_id,
                func_ref,
                tenant_id=tenant_id,
                object_id=object_id,
                kwargs=kwargs,
                scheduled_for=scheduled_run_time.get(),
                fence=_bound.get("fence"),
            )
        except RunRefused as refused:
            log.warning("job %s not run in %s: %s", job_id, process_id(), refused)
            return None
        finally:
            db.session.remove()


def execute(
    job_id: str,
    func_ref: str,
    *,
    tenant_id=None,
    object_id=None,
    kwargs=None,
    scheduled_for: datetime | None = None,
    fence: Callable[[], bool] | None = None,
):
    """Run one job body now, with a JobRun row around it (also used by `flask jobs run-now`).

    Raises RunRefused, without running anything, when `fence` says the leader lock is gone or
    another process already claimed this `scheduled_for` tick of the job.
    """
    if fence is not None and not fence():
        raise RunRefused("this process no longer holds the leader lock")
    run_id = _start(job_id, tenant_id, scheduled_for)
    try:
        body = ref_to_obj(func_ref)
        if tenant_id is not None:
            with tenant_context(uuid.UUID(str(tenant_id))):
                result = body(object_id, **(kwargs or {}))
                commit_and_deliver()
        else:
            result = body(**(kwargs or {}))
            commit_and_deliver()
    except Exception as exc:
        db.session.rollback()
        _finish(run_id, JobRunStatus.FAILED, error="".join(traceback.format_exception(exc))[-8000:])
        raise
    _finish(run_id, JobRunStatus.SUCCEEDED, result=result)
    return result


def _start(job_id: str, tenant_id, scheduled_for: datetime | None) -> uuid.UUID:
    with platform_scope():
        run = JobRun(
            job_id=job_id,
            tenant_id=uuid.UUID(str(tenant_id)) if tenant_id else None,
            process_id=process_id(),
            status=JobRunStatus.RUNNING,
            scheduled_for=scheduled_for,
        )
        db.session.add(run)
        try:
            db.session.commit()
        except IntegrityError as exc:
            db.session.rollback()
            raise RunRefused(f"its run for {scheduled_for:%Y-%m-%d %H:%M:%S} was already claimed") from exc
        return run.id


def _finish(run_id: uuid.UUID, status: str, *, result=None, error: str | None = None) -> None:
    with platform_scope():
        run = db.session.get(JobRun, run_id)
        run.status = status
        run.finished_at = utcnow()
        run.result = result if isinstance(result, dict) else ({} if result is None else {"value": str(result)})
        run.error = error
        db.session.commit()
