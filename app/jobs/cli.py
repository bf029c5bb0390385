"""`flask jobs …`: run the scheduler process, list jobs, run one job now."""

import logging
import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from app.core.context import platform_scope
from app.core.extensions import db
from app.core.process import tune_garbage_collection
from app.core.text import plural
from app.jobs.models import JobRun, apscheduler_jobs
from app.jobs.registry import PLATFORM_JOBS, get_platform_job
from app.jobs.runner import execute
from app.jobs.scheduler import run_scheduler


@click.group("jobs")
def jobs() -> None:
    """The scheduler process and its jobs."""


@jobs.command("run")
@click.option("--heartbeat", type=float, default=None, help="Seconds between heartbeats (default from config).")
@with_appcontext
def run(heartbeat: float | None) -> None:
    """Run the scheduler until SIGTERM/Ctrl-C; a second process waits for the leader lock."""

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    tune_garbage_collection()
    run_scheduler(current_app._get_current_object(), stop, heartbeat_seconds=heartbeat)


@jobs.command("list")
@with_appcontext
def list_jobs() -> None:
    """Show the platform jobs, their last run, and how many per-tenant jobs are stored."""
    with platform_scope():
        for spec in PLATFORM_JOBS:
            last = db.session.scalar(
                select(JobRun).where(JobRun.job_id == spec.id).order_by(JobRun.started_at.desc()).limit(1)
            )
            when = f"{last.started_at:%Y-%m-%d %H:%M:%S} {last.status}" if last else "never run"
            click.echo(f"{spec.id:28} {spec.trigger:8} {when}")
        tenant_jobs = db.session.scalar(
            select(func.count()).select_from(apscheduler_jobs).where(apscheduler_jobs.c.id.startswith("tenant:"))
        )
    click.echo(f"{plural(tenant_jobs, 'per-tenant job')} stored")


@jobs.command("run-now")
@click.argument("job_id")
@with_appcontext
def run_now(job_id: str) -> None:
    """Run one platform job once, in this process (logged like a scheduled run)."""

    spec = get_platform_job(job_id)
    if spec is None:
        raise click.BadParameter(f"choose one of {', '.join(j.id for j in PLATFORM_JOBS)}", param_hint="JOB_ID")
    try:
        result = execute(spec.id, spec.func_ref)
    except Exception as exc:
        raise click.ClickException(f"{spec.id} failed: {exc} (see the jobs page for the traceback)") from exc
    click.echo(f"{spec.id}: {result}")
