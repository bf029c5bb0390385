"""The scheduler process: wait for the leader lock, run APScheduler, beat a heartbeat.

Only the leader runs jobs. Every heartbeat it also wakes APScheduler, so jobs other processes
wrote to the job store (per-tenant jobs scheduled in requests) are picked up within one beat.

The lock is checked before every pass over the job store and again before every run (not
only at heartbeats): when the leader's lock connection drops, the standby takes over at
once, and the old leader must not run, or even advance, a single job in the meantime.
"""

import logging
import threading
from contextlib import contextmanager
from datetime import UTC, timedelta

from apscheduler.executors.base import run_job
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import delete
from sqlalchemy.exc import OperationalError

from app.core.context import platform_scope
from app.core.extensions import db
from app.core.types import utcnow
from app.jobs.leader import make_leader_lock
from app.jobs.models import SchedulerHeartbeat
from app.jobs.registry import PLATFORM_JOBS, RUNNER_REF, make_trigger
from app.jobs.runner import bind_app, process_id, scheduled_run_time

log = logging.getLogger(__name__)
STALE_HEARTBEAT = timedelta(days=1)
STORE_RETRY_SECONDS = 5


class FencedScheduler(BackgroundScheduler):
    """Looks at the job store only while `fence()` says this process still leads."""

    def __init__(self, *args, fence, **kwargs):
        self.fence = fence
        super().__init__(*args, **kwargs)

    def _process_jobs(self):
        if not self.fence():
            # Neither run nor reschedule anything: the new leader owns the store now.
            self._logger.warning("the leader lock is lost; not processing jobs")
            return None
        try:
            return super()._process_jobs()
        except JobLookupError as gone:
            # A running instance removed its own job (an import that finished) between the
            # moment APScheduler read the due jobs and the moment it stored the job's next run.
            # Uncaught, this ends the scheduler's thread and no job runs again; the jobs already
            # handled in this pass are stored, so look at the store again straight away.
            self._logger.info("job %s was removed while it was due; looking again", gone)
            return 0
        except OperationalError:
            # The job store could not be read or written for a moment (SQLite's lock held past
            # its busy timeout by a long batch, a dropped connection): uncaught, this too ends
            # the thread and no job runs again. A due job not yet advanced simply runs next pass.
            self._logger.exception("the job store is unavailable; looking again in %s s", STORE_RETRY_SECONDS)
            return STORE_RETRY_SECONDS


def _run_at_its_time(job, jobstore_alias, run_times, logger_name):
    """Runs in the pool thread: tell the runner which tick this is (coalesced: the last)."""
    token = scheduled_run_time.set(run_times[-1] if run_times else None)
    try:
        return run_job(job, jobstore_alias, run_times, logger_name)
    finally:
        scheduled_run_time.reset(token)


class TickExecutor(ThreadPoolExecutor):
    """APScheduler's thread pool, handing each run its scheduled time (see the runner)."""

    def _do_submit_job(self, job, run_times):
        def callback(future):
            exc = future.exception()
            if exc:
                self._run_job_error(job.id, exc, exc.__traceback__)
            else:
                self._run_job_success(job.id, future.result())

        future = self._pool.submit(_run_at_its_time, job, job._jobstore_alias, run_times, self._logger.name)
        future.add_done_callback(callback)


def build_scheduler(app, fence=lambda: True) -> BackgroundScheduler:
    with app.app_context():
        engine = db.engines.get("platform") or db.engine
    return FencedScheduler(
        fence=fence,
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename="apscheduler_jobs")},
        executors={"default": TickExecutor(app.config["SCHEDULER_THREADS"])},
        job_defaults={
            "coalesce": True,
            "misfire_grace_time": app.config["SCHEDULER_MISFIRE_GRACE_SECONDS"],
            "max_instances": 1,
        },
        timezone=UTC,
    )


def sync_platform_jobs(scheduler: BackgroundScheduler) -> list[str]:
    """Add each platform job, or replace it when its schedule changed; unchanged ones keep
    their next run time, so a restart does not skip a nightly run that is due."""
    changed = []
    for spec in PLATFORM_JOBS:
        trigger = make_trigger(spec.trigger, **spec.trigger_args)
        args = [spec.id, spec.func_ref]
        existing = scheduler.get_job(spec.id)
        if existing is not None and str(existing.trigger) == str(trigger) and list(existing.args) == args:
            continue
        scheduler.add_job(RUNNER_REF, trigger, id=spec.id, name=spec.id, args=args, replace_existing=True)
        changed.append(spec.id)
    return changed


@contextmanager
def _heartbeat_transaction(app, failure: str):
    """Commit what the block writes to the heartbeat table, in a session of its own. A failure
    is logged, never raised: the heartbeat only reports, and must not stop the scheduler."""
    with app.app_context(), platform_scope():
        try:
            yield
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception(failure)
        finally:
            db.session.remove()


def beat(app, role: str, *, started_at, leader_since) -> None:
    """Write this process's heartbeat row (and drop rows of processes long gone)."""
    with _heartbeat_transaction(app, "could not write the scheduler heartbeat"):
        now = utcnow()
        row = db.session.get(SchedulerHeartbeat, process_id())
        if row is None:
            hostname, _, pid = process_id().rpartition(":")
            row = SchedulerHeartbeat(process_id=process_id(), hostname=hostname, pid=int(pid), started_at=started_at)
            db.session.add(row)
        row.role, row.beat_at, row.leader_since = role, now, leader_since
        db.session.execute(delete(SchedulerHeartbeat).where(SchedulerHeartbeat.beat_at < now - STALE_HEARTBEAT))


def take_over_heartbeats(app) -> None:
    """The new leader holds the lock, so no other row may still say "leader": that process
    lost its lock (it beats again as standby) or died without removing its row (kill -9)."""
    with _heartbeat_transaction(app, "could not clear the previous leader's heartbeat"):
        db.session.execute(
            delete(SchedulerHeartbeat).where(
                SchedulerHeartbeat.role == "leader", SchedulerHeartbeat.process_id != process_id()
            )
        )


def forget(app) -> None:
    with _heartbeat_transaction(app, "could not remove the scheduler heartbeat"):
        db.session.execute(delete(SchedulerHeartbeat).where(SchedulerHeartbeat.process_id == process_id()))


def run_scheduler(app, stop: threading.Event, *, heartbeat_seconds: float | None = None) -> None:
    """Block until `stop` is set: standby while another process leads, jobs while leading."""
    interval = heartbeat_seconds or app.config["SCHEDULER_HEARTBEAT_SECONDS"]
    lock = make_leader_lock(app)
    bind_app(app, fence=lock.holds)
    scheduler = None
    started_at, leader_since = utcnow(), None
    log.info("scheduler %s started; waiting for the leader lock", process_id())
    try:
        while not stop.is_set():
            if scheduler is None and lock.acquire():
                take_over_heartbeats(app)
                scheduler = build_scheduler(app, fence=lock.holds)
                scheduler.start(paused=True)
                changed = sync_platform_jobs(scheduler)
                scheduler.resume()
                leader_since = utcnow()
                log.info("scheduler %s is the leader (jobs updated: %s)", process_id(), ", ".join(changed) or "none")
            elif scheduler is not None and not lock.healthy():
                log.error("scheduler %s lost the leader lock; stopping its jobs", process_id())
                scheduler.shutdown(wait=True)
                scheduler, leader_since = None, None
                lock.release()
            elif scheduler is not None:
                scheduler.wakeup()
            beat(
                app, "leader" if scheduler is not None else "standby", started_at=started_at, leader_since=leader_since
            )
            stop.wait(interval)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=True)
        lock.close()
        forget(app)
        log.info("scheduler %s stopped", process_id())
