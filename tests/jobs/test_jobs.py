"""Scheduled jobs: their bodies, the run log, per-tenant jobs and the leader lock."""

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.jobstores.memory import MemoryJobStore
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app.core.audit import AuditEvent
from app.core.context import CrossTenantWrite, platform_scope
from app.core.extensions import db
from app.core.types import utcnow
from app.jobs import tenant_jobs
from app.jobs.dispatch import JobPartlyFailed
from app.jobs.leader import FileLock
from app.jobs.models import JobRun, apscheduler_jobs
from app.jobs.runner import execute
from app.jobs.scheduler import FencedScheduler
from app.messaging.models import OutboxMessage
from app.messaging.services import queue_email
from app.plans import jobs as plan_jobs
from app.plans.models import StatusChange, UsageMeter, UsageSnapshot
from app.plans.services import increment_meter
from app.tenants.models import Tenant
from tests.conftest import in_tenant, on_platform


def _tenant(app, handle):
    with on_platform(app):
        tenant = db.session.get(Tenant, handle.id)
        db.session.expunge(tenant)
        return tenant


def test_trial_expiry_moves_the_tenant_to_free_and_active(app, make_tenant, set_tenant):
    ended = make_tenant("ended", plan="normal", status="trialing")
    running = make_tenant("running", plan="normal", status="trialing")
    set_tenant(ended, trial_ends_at=utcnow() - timedelta(minutes=1))
    set_tenant(running, trial_ends_at=utcnow() + timedelta(days=3))
    with app.app_context():
        result = execute("plans.expire_trials", "app.plans.jobs:expire_trials")
    assert result == {"tenants": 1, "changed": 1, "failed": 0}
    after = _tenant(app, ended)
    assert (after.plan_code, after.status, after.trial_ends_at) == ("free", "active", None)
    assert _tenant(app, running).status == "trialing"
    with in_tenant(app, ended.id):
        change = db.session.scalar(select(StatusChange))
        assert (change.event, change.plan_from, change.plan_to) == ("trial_ended", "normal", "free")
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "subscription.trial_ended"))


def test_past_due_grace_end_is_marked_once(app, make_tenant, set_tenant):
    late = make_tenant("late")
    set_tenant(late, status="past_due", past_due_since=utcnow() - timedelta(days=8))
    with app.app_context():
        assert plan_jobs.end_past_due_grace()["changed"] == 1
        assert plan_jobs.end_past_due_grace()["changed"] == 0
    with in_tenant(app, late.id):
        events = db.session.scalars(select(StatusChange.event)).all()
    assert events == ["grace_ended"]
    assert "read-only" in _tenant(app, late).status_reason


def test_meter_roll_over_snapshots_the_closed_period_and_starts_the_new_one_at_zero(app, tenant_a):
    last_month = datetime(2026, 10, 15, tzinfo=UTC)
    now = datetime(2026, 11, 1, 0, 5, tzinfo=UTC)
    with in_tenant(app, tenant_a.id):
        increment_meter("emails_per_month", 40, now=last_month)
        increment_meter("api_calls_per_day", 7, now=now - timedelta(days=1))
    with in_tenant(app, tenant_a.id):
        from app.plans.usage import roll_over_meters

        assert roll_over_meters(now) == 2
        snapshots = dict(db.session.execute(select(UsageSnapshot.period, UsageSnapshot.value)).all())
        assert snapshots == {"2026-10": 40, "2026-10-31": 7}
        current = dict(
            db.session.execute(
                select(UsageMeter.metric, UsageMeter.count).where(UsageMeter.period.in_(["2026-11", "2026-11-01"]))
            ).all()
        )
        assert current == {"emails_per_month": 0, "sms_per_month": 0, "api_calls_per_day": 0}
        assert roll_over_meters(now) == 0  # idempotent


def test_nightly_snapshot_records_usage_with_its_limit_per_tenant(app, tenant_a, tenant_b):
    with app.app_context():
        assert execute("plans.snapshot_usage", "app.plans.jobs:snapshot_usage")["tenants"] == 2
    with in_tenant(app, tenant_a.id):
        users = db.session.scalar(select(UsageSnapshot).where(UsageSnapshot.resource == "users"))
        assert (users.value, users.limit_value) == (4, 50)


def test_a_failing_tenant_does_not_stop_the_others(app, tenant_a, tenant_b, monkeypatch):
    from app.plans import usage

    real = usage.snapshot_usage

    def fail_for_alpha(now=None):
        from app.core.context import require_tenant_id

        if require_tenant_id() == tenant_a.id:
            raise RuntimeError("alpha is broken")
        return real(now)

    monkeypatch.setattr(usage, "snapshot_usage", fail_for_alpha)
    with app.app_context(), pytest.raises(JobPartlyFailed):
        execute("plans.snapshot_usage", "app.plans.jobs:snapshot_usage")
    with in_tenant(app, tenant_b.id):
        assert db.session.scalar(select(func.count()).select_from(UsageSnapshot)) > 0
    with on_platform(app):
        run = db.session.scalar(select(JobRun))
        assert run.status == "failed"
        assert "1 of 2 tenants failed" in run.error


def _queue(app, tenant, attempts=0):
    with in_tenant(app, tenant.id):
        message = queue_email(
            "someone@example.com",
            "invitation",
            subject="Hello",
            context={"agency": "A", "inviter": "B", "role": "Sales", "link": "http://x", "expires_at": utcnow()},
        )
        message.attempts = attempts
        message.next_attempt_at = utcnow() - timedelta(seconds=1)
        message.created_at = utcnow() - timedelta(minutes=5)
        return message.id


def _message(app, tenant, message_id):
    with in_tenant(app, tenant.id):
        message = db.session.get(OutboxMessage, (tenant.id, message_id))
        return message.status, message.attempts, message.last_error


def test_outbox_retry_sends_due_messages(app, tenant_a):
    message_id = _queue(app, tenant_a, attempts=1)
    with app.app_context():
        result = execute("outbox.retry", "app.messaging.jobs:retry_outbox")
    assert result["sent"] == 1
    assert _message(app, tenant_a, message_id)[:2] == ("sent", 2)


def test_outbox_deliver_sends_what_a_request_queued_moments_ago(app, tenant_a, client_for):
    response = client_for(tenant_a).post("/settings/users/invite", data={"email": "new@example.com", "role": "sales"})
    assert response.status_code == 302
    with in_tenant(app, tenant_a.id):
        [message] = db.session.scalars(select(OutboxMessage)).all()
        assert (message.status, message.attempts) == ("queued", 0)  # no provider call in the request
        message_id = message.id
    with app.app_context():
        result = execute("outbox.deliver", "app.messaging.jobs:deliver_outbox")
    assert result["sent"] == 1  # at once: no waiting period for new messages
    assert _message(app, tenant_a, message_id)[:2] == ("sent", 1)


def test_outbox_deliver_leaves_a_message_until_its_time(app, tenant_a):
    message_id = _queue(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        db.session.get(OutboxMessage, (tenant_a.id, message_id)).next_attempt_at = utcnow() + timedelta(minutes=5)
    with app.app_context():
        result = execute("outbox.deliver", "app.messaging.jobs:deliver_outbox")
    assert result["sent"] == 0
    assert _message(app, tenant_a, message_id)[:2] == ("queued", 0)


def test_a_job_sends_what_it_queued_right_after_its_own_commit(app, tenant_a):
    with app.app_context():
        message_id = execute(
            "tenant-test", "tests.jobs.sample_jobs:queue_welcome", tenant_id=tenant_a.id, object_id="ada"
        )
    assert _message(app, tenant_a, uuid.UUID(message_id))[:2] == ("sent", 1)


def test_outbox_retry_backs_off_then_dead_letters(app, tenant_a, httpserver):
    httpserver.expect_request("/v3/mail/send").respond_with_json({"errors": ["down"]}, status=500)
    app.config.update(SENDGRID_API_KEY="SG.test", SENDGRID_API_BASE=httpserver.url_for("").rstrip("/"))
    try:
        first = _queue(app, tenant_a, attempts=0)
        last = _queue(app, tenant_a, attempts=app.config["OUTBOX_MAX_ATTEMPTS"] - 1)
        with app.app_context():
            result = execute("outbox.retry", "app.messaging.jobs:retry_outbox")
    finally:
        app.config.update(SENDGRID_API_KEY=None)
    assert result["queued"] == 1
    assert result["dead"] == 1
    status, attempts, error = _message(app, tenant_a, first)
    assert (status, attempts) == ("queued", 1)
    assert "500" in error
    assert _message(app, tenant_a, last)[0] == "dead"


def test_tenant_job_ids_name_tenant_kind_and_object(app, tenant_a):
    object_id = uuid.uuid4()
    with in_tenant(app, tenant_a.id):
        job_id = tenant_jobs.schedule_tenant_job(
            tenant_a.id,
            "reminder",
            object_id,
            "tests.jobs.sample_jobs:record_tick",
            "date",
            run_date=utcnow() + timedelta(hours=1),
        )
    assert job_id == f"tenant:{tenant_a.id}:reminder:{object_id}"
    with on_platform(app):
        assert db.session.scalar(select(apscheduler_jobs.c.id)) == job_id


def test_tenant_jobs_are_replaced_and_cancelled(app, tenant_a):
    in_an_hour, tomorrow = utcnow() + timedelta(hours=1), utcnow() + timedelta(days=1)
    with in_tenant(app, tenant_a.id):
        tenant_jobs.schedule_tenant_job(
            tenant_a.id, "reminder", 7, "tests.jobs.sample_jobs:record_tick", run_date=in_an_hour
        )
        tenant_jobs.schedule_tenant_job(
            tenant_a.id, "reminder", 7, "tests.jobs.sample_jobs:record_tick", run_date=tomorrow
        )
        assert abs((tenant_jobs.next_run_of_tenant_job(tenant_a.id, "reminder", 7) - tomorrow).total_seconds()) < 1
    with in_tenant(app, tenant_a.id):
        assert tenant_jobs.cancel_tenant_job(tenant_a.id, "reminder", 7) is True
        assert tenant_jobs.cancel_tenant_job(tenant_a.id, "reminder", 7) is False
    with on_platform(app):
        assert db.session.scalar(select(func.count()).select_from(apscheduler_jobs)) == 0


def test_a_tenant_cannot_schedule_jobs_for_another(app, tenant_a, tenant_b):
    with in_tenant(app, tenant_a.id), pytest.raises(CrossTenantWrite):
        tenant_jobs.schedule_tenant_job(
            tenant_b.id, "reminder", 1, "tests.jobs.sample_jobs:record_tick", run_date=utcnow()
        )


def test_a_job_scheduled_in_a_rolled_back_transaction_is_not_stored(app, tenant_a):
    with app.app_context():
        from app.core.context import tenant_context

        with tenant_context(tenant_a.id):
            tenant_jobs.schedule_tenant_job(
                tenant_a.id, "reminder", 1, "tests.jobs.sample_jobs:record_tick", run_date=utcnow() + timedelta(hours=1)
            )
            db.session.rollback()
    with on_platform(app):
        assert db.session.scalar(select(func.count()).select_from(apscheduler_jobs)) == 0


def test_a_tenant_job_runs_in_its_tenant_context_and_is_logged(app, tenant_a):
    with app.app_context():
        result = execute(
            "tenant:x:tick:1", "tests.jobs.sample_jobs:record_tick", tenant_id=str(tenant_a.id), object_id="1"
        )
    assert result == {"tenant": str(tenant_a.id)}
    with in_tenant(app, tenant_a.id):
        assert (
            db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "test.tick")) == 1
        )
    with on_platform(app):
        run = db.session.scalar(select(JobRun))
        assert (run.status, run.tenant_id, run.result) == ("succeeded", tenant_a.id, result)


def test_a_failing_job_is_logged_with_its_error(app, tenant_a):
    with app.app_context(), pytest.raises(RuntimeError):
        execute("tenant:x:boom:9", "tests.jobs.sample_jobs:explode", tenant_id=str(tenant_a.id), object_id="9")
    with on_platform(app):
        run = db.session.scalar(select(JobRun))
        assert run.status == "failed"
        assert "failed on purpose" in run.error
        assert run.finished_at is not None


def test_a_second_file_lock_holder_waits(tmp_path):
    first, second = FileLock(str(tmp_path / "lock")), FileLock(str(tmp_path / "lock"))
    assert first.acquire() is True
    assert second.acquire() is False
    first.release()
    assert second.acquire() is True
    second.close()


def test_platform_jobs_are_stored_once_and_kept_on_restart(app):
    from app.jobs.registry import PLATFORM_JOBS
    from app.jobs.scheduler import build_scheduler, sync_platform_jobs

    scheduler = build_scheduler(app)
    scheduler.start(paused=True)
    try:
        assert sorted(sync_platform_jobs(scheduler)) == sorted(job.id for job in PLATFORM_JOBS)
        assert sync_platform_jobs(scheduler) == []
        job = scheduler.get_job("plans.snapshot_usage")
        assert job.coalesce is True
        assert job.misfire_grace_time == app.config["SCHEDULER_MISFIRE_GRACE_SECONDS"]
    finally:
        scheduler.shutdown(wait=False)
    with app.app_context(), platform_scope():
        assert db.session.scalar(select(func.count()).select_from(apscheduler_jobs)) == len(PLATFORM_JOBS)


def test_jobs_run_now_cli_runs_and_logs_a_job(app, tenant_a):
    result = app.test_cli_runner().invoke(args=["jobs", "run-now", "plans.snapshot_usage"])
    assert result.exit_code == 0, result.output
    assert "'tenants': 1" in result.output
    listing = app.test_cli_runner().invoke(args=["jobs", "list"])
    assert "plans.snapshot_usage" in listing.output
    assert "succeeded" in listing.output


def test_old_job_runs_are_pruned(app):
    with on_platform(app):
        db.session.add(JobRun(job_id="old", status="succeeded", started_at=utcnow() - timedelta(days=40)))
        db.session.add(JobRun(job_id="recent", status="succeeded", started_at=utcnow() - timedelta(days=1)))
    with app.app_context():
        assert execute("jobs.prune_runs", "app.jobs.maintenance:prune_job_runs") == {"deleted": 1}
    with on_platform(app):
        assert sorted(db.session.scalars(select(JobRun.job_id))) == ["jobs.prune_runs", "recent"]


class _StoreWhereADueJobEnds(MemoryJobStore):
    """What an import's last run does to the store: its job is gone by the time the scheduler,
    having read it as due, stores its next run."""

    def get_due_jobs(self, now):
        due = super().get_due_jobs(now)
        if any(job.id == "finishing" for job in due):
            self.remove_job("finishing")
        return due


def test_a_job_removed_while_it_is_due_does_not_stop_the_scheduler():
    ran = []
    scheduler = FencedScheduler(fence=lambda: True, jobstores={"default": _StoreWhereADueJobEnds()}, timezone=UTC)
    scheduler.start(paused=True)
    try:
        now = datetime.now(UTC)
        for job_id in ("finishing", "other"):
            scheduler.add_job(ran.append, "interval", minutes=5, args=[job_id], id=job_id, next_run_time=now)
        scheduler.resume()
        deadline = time.monotonic() + 5
        while "other" not in ran and time.monotonic() < deadline:
            time.sleep(0.02)
        # The job that ended is not stored again; the scheduler goes on with the others.
        assert "other" in ran
        assert scheduler._thread.is_alive()
        assert [job.id for job in scheduler.get_jobs()] == ["other"]
    finally:
        scheduler.shutdown(wait=False)


class _StoreLockedOnce(MemoryJobStore):
    """A job store that, once, cannot store a job's next run: SQLite's lock held past its busy
    timeout by a long import batch in the dev server."""

    failed = False

    def update_job(self, job):
        if not self.failed:
            self.failed = True
            raise OperationalError("UPDATE apscheduler_jobs …", {}, Exception("database is locked"))
        return super().update_job(job)


def test_a_job_store_locked_for_a_moment_does_not_stop_the_scheduler(monkeypatch):
    """The store's error ended APScheduler's thread: no job ran again until a restart (an
    import reverting in the dev server stayed "Reverting" for good)."""
    from app.jobs import scheduler as scheduler_module

    monkeypatch.setattr(scheduler_module, "STORE_RETRY_SECONDS", 0.05)
    ran = []
    store = _StoreLockedOnce()
    scheduler = FencedScheduler(fence=lambda: True, jobstores={"default": store}, timezone=UTC)
    scheduler.start(paused=True)
    try:
        scheduler.add_job(
            ran.append, "interval", seconds=0.2, args=["tick"], id="tick", next_run_time=datetime.now(UTC)
        )
        scheduler.resume()
        deadline = time.monotonic() + 5
        while len(ran) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert store.failed
        assert scheduler._thread.is_alive()
        assert len(ran) >= 2
    finally:
        scheduler.shutdown(wait=False)
