"""Two real `flask jobs run` processes against one PostgreSQL database: one leads, the other
waits; every tick of a job runs exactly once, also across a change of leader."""

import math
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.core.extensions import db
from app.jobs.models import JobRun, SchedulerHeartbeat
from app.jobs.tenant_jobs import schedule_tenant_job
from tests.conftest import USE_POSTGRES, in_tenant, on_platform

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not USE_POSTGRES, reason="needs PostgreSQL (ATRIUM_TEST_DB=postgresql)"),
]

ROOT = Path(__file__).resolve().parents[2]
TICK_SECONDS = 2


def _start_scheduler(app, log_path, heartbeat: float = 0.5):
    env = {
        **os.environ,
        "ATRIUM_ENV": "testing",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "PLATFORM_DATABASE_URL": app.config["PLATFORM_DATABASE_URL"],
        "SCHEDULER_HEARTBEAT_SECONDS": str(heartbeat),
    }
    log = open(log_path, "w")  # noqa: SIM115 - closed when the process is reaped
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "run"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    process.log = log
    return process


def _stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    process.log.close()


def _roles(app) -> dict[int, str]:
    with on_platform(app):
        return {beat.pid: beat.role for beat in db.session.scalars(select(SchedulerHeartbeat))}


def _wait_for(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def test_two_schedulers_run_each_tick_exactly_once(app, tenant_a, tmp_path):
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=TICK_SECONDS)
    object_id = uuid.uuid4()
    with in_tenant(app, tenant_a.id):
        job_id = schedule_tenant_job(
            tenant_a.id,
            "tick",
            object_id,
            "tests.jobs.sample_jobs:record_tick",
            "interval",
            seconds=TICK_SECONDS,
            start_date=start,
        )

    first = _start_scheduler(app, tmp_path / "first.log")
    second = _start_scheduler(app, tmp_path / "second.log")
    try:
        roles = _wait_for(
            lambda: (r := _roles(app)) and len(r) == 2 and sorted(r.values()) == ["leader", "standby"] and r
        )
        time.sleep(3 * TICK_SECONDS)
        assert sorted(_roles(app).values()) == ["leader", "standby"]

        leader_pid = next(pid for pid, role in roles.items() if role == "leader")
        leader, standby = (first, second) if first.pid == leader_pid else (second, first)
        _stop(leader)
        _wait_for(lambda: _roles(app).get(standby.pid) == "leader")
        time.sleep(3 * TICK_SECONDS)
    finally:
        for process in (first, second):
            _stop(process)
    logs = "\n".join(path.read_text() for path in tmp_path.glob("*.log"))

    with in_tenant(app, tenant_a.id):
        runs = [
            event.details["at"]
            for event in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "test.tick"))
        ]
    ticks = [math.floor((at - start.timestamp()) / TICK_SECONDS) for at in runs]
    assert len(ticks) >= 5, logs
    assert len(ticks) == len(set(ticks)), f"a tick ran twice: {sorted(ticks)}\n{logs}"
    with on_platform(app):
        logged = db.session.scalars(select(JobRun).where(JobRun.job_id == job_id)).all()
        assert len(logged) == len(runs)
        assert {run.status for run in logged} == {"succeeded"}
        assert len({run.process_id for run in logged}) == 2  # both processes led, one after the other
        assert db.session.scalars(select(SchedulerHeartbeat)).all() == []  # each removed its row on exit


def _schedule_ticks(app, tenant_a):
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=TICK_SECONDS)
    with in_tenant(app, tenant_a.id):
        job_id = schedule_tenant_job(
            tenant_a.id,
            "tick",
            uuid.uuid4(),
            "tests.jobs.sample_jobs:record_tick",
            "interval",
            seconds=TICK_SECONDS,
            start_date=start,
        )
    return job_id, start


def _ticks_run(app, tenant_a, start) -> list[int]:
    with in_tenant(app, tenant_a.id):
        runs = [
            event.details["at"]
            for event in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "test.tick"))
        ]
    return [math.floor((at - start.timestamp()) / TICK_SECONDS) for at in runs]


def _lock_backend_pid(app) -> int | None:
    from sqlalchemy import create_engine, text

    from app.jobs.leader import ADVISORY_LOCK_KEY

    engine = create_engine(app.config["TEST_ADMIN_DATABASE_URL"])
    with engine.connect() as connection:
        pid = connection.scalar(
            text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "AND classid::bigint = :high AND objid::bigint = :low"
            ),
            {"high": ADVISORY_LOCK_KEY >> 32, "low": ADVISORY_LOCK_KEY & 0xFFFFFFFF},
        )
    engine.dispose()
    return pid


def _terminate_backend(app, pid: int) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(app.config["TEST_ADMIN_DATABASE_URL"])
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    engine.dispose()


def test_a_leader_cut_off_from_its_lock_runs_no_tick_the_new_leader_runs(app, tenant_a, tmp_path):
    """The old leader beats only every 8 s: it must notice the lost lock before each run, not
    at its next heartbeat, or it runs the same ticks as the standby that took over at once."""
    _, start = _schedule_ticks(app, tenant_a)
    old = _start_scheduler(app, tmp_path / "old.log", heartbeat=8)
    new = None
    try:
        _wait_for(lambda: _roles(app).get(old.pid) == "leader")
        new = _start_scheduler(app, tmp_path / "new.log", heartbeat=0.3)
        _wait_for(lambda: _roles(app).get(new.pid) == "standby")
        time.sleep(2 * TICK_SECONDS)
        _terminate_backend(app, _wait_for(lambda: _lock_backend_pid(app)))  # the lock's connection drops
        _wait_for(lambda: _roles(app).get(new.pid) == "leader")
        time.sleep(4 * TICK_SECONDS)  # within the old leader's heartbeat interval
        _wait_for(lambda: _roles(app).get(old.pid) == "standby")
    finally:
        for process in (old, new):
            if process is not None:
                _stop(process)
    logs = "\n".join(path.read_text() for path in tmp_path.glob("*.log"))
    ticks = _ticks_run(app, tenant_a, start)
    assert len(ticks) >= 4, logs
    assert len(ticks) == len(set(ticks)), f"a tick ran twice: {sorted(ticks)}\n{logs}"
    assert "the leader lock is lost" in logs


def test_a_killed_leader_is_not_left_showing_as_leader(app, tmp_path):
    first = _start_scheduler(app, tmp_path / "first.log")
    second = _start_scheduler(app, tmp_path / "second.log")
    try:
        roles = _wait_for(lambda: (r := _roles(app)) and sorted(r.values()) == ["leader", "standby"] and r)
        killed_pid = next(pid for pid, role in roles.items() if role == "leader")
        killed, survivor = (first, second) if first.pid == killed_pid else (second, first)
        killed.send_signal(signal.SIGKILL)  # no chance to remove its heartbeat row
        killed.wait()
        _wait_for(lambda: _roles(app).get(survivor.pid) == "leader")
        roles = _roles(app)
        assert roles.get(killed_pid) != "leader", roles
        assert list(roles.values()).count("leader") == 1
    finally:
        for process in (first, second):
            _stop(process)


def test_the_scheduler_beside_the_server_sends_a_requests_email_within_seconds(app, tenant_a, client_for, tmp_path):
    """`make run`'s setup: the request only queues the invitation; the running scheduler's
    outbox.deliver job puts it in the dev mailbox a few seconds later."""
    from app.messaging.models import DevMailboxMessage, OutboxMessage

    scheduler = _start_scheduler(app, tmp_path / "scheduler.log")
    try:
        _wait_for(lambda: "leader" in _roles(app).values())
        response = client_for(tenant_a).post(
            "/settings/users/invite", data={"email": "new@example.com", "role": "sales"}
        )
        assert response.status_code == 302
        queued_at = time.monotonic()

        def delivered():
            with on_platform(app):
                return db.session.scalar(
                    select(DevMailboxMessage.id).where(DevMailboxMessage.to_address == "new@example.com")
                )

        _wait_for(delivered, timeout=15)
        assert time.monotonic() - queued_at < 10
    finally:
        _stop(scheduler)
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(OutboxMessage.status)) == "sent"
