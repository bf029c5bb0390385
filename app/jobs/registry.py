"""The platform's recurring jobs, and how jobs are described to APScheduler.

Every job APScheduler stores calls one function, `app.jobs.runner:run_job`, with the job's id
and the `"module:function"` reference of its body; the runner logs the run and sets the scope.
"""

from dataclasses import dataclass, field
from datetime import UTC

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

RUNNER_REF = "app.jobs.runner:run_job"


@dataclass(frozen=True)
class PlatformJob:
    id: str
    func_ref: str
    trigger: str  # "interval" or "cron"
    trigger_args: dict = field(default_factory=dict)
    description: str = ""


PLATFORM_JOBS: list[PlatformJob] = [
    PlatformJob(
        "events.dispatch",
        "app.core.events:dispatch_pending_events",
        "interval",
        {"seconds": 5},
        "Hands stored domain events to their after-commit consumers, once each, in order per record.",
    ),
    PlatformJob(
        "outbox.deliver",
        "app.messaging.jobs:deliver_outbox",
        "interval",
        {"seconds": 5},
        "Sends the emails and SMS requests queued (a request never calls a provider), and retries due ones.",
    ),
    PlatformJob(
        "outbox.retry",
        "app.messaging.jobs:retry_outbox",
        "interval",
        {"seconds": 60},
        "Reconciles sends a stopped process left claimed (asks Twilio; sets aside emails SendGrid "
        "never confirmed); retries queued messages with exponential backoff and dead-letters them "
        "after the last attempt.",
    ),
    PlatformJob(
        "plans.expire_trials",
        "app.plans.jobs:expire_trials",
        "interval",
        {"minutes": 15},
        "Moves agencies whose trial has ended to the Free plan.",
    ),
    PlatformJob(
        "plans.end_past_due_grace",
        "app.plans.jobs:end_past_due_grace",
        "interval",
        {"hours": 1},
        "Marks past-due agencies read-only once their grace period is over.",
    ),
    PlatformJob(
        "plans.roll_over_meters",
        "app.plans.jobs:roll_over_meters",
        "cron",
        {"hour": 0, "minute": 5},
        "Closes finished meter periods into usage history and opens the new ones at zero.",
    ),
    PlatformJob(
        "plans.snapshot_usage",
        "app.plans.jobs:snapshot_usage",
        "cron",
        {"hour": 2, "minute": 30},
        "Records each agency's usage for the usage chart and the console.",
    ),
    PlatformJob(
        "jobs.prune_runs",
        "app.jobs.maintenance:prune_job_runs",
        "cron",
        {"hour": 3, "minute": 15},
        "Deletes job-run log rows older than 30 days.",
    ),
]


def register_platform_job(job: PlatformJob) -> None:
    """Other packages (billing, CRM) add their recurring jobs here."""
    if all(existing.id != job.id for existing in PLATFORM_JOBS):
        PLATFORM_JOBS.append(job)


def get_platform_job(job_id: str) -> PlatformJob | None:
    return next((job for job in PLATFORM_JOBS if job.id == job_id), None)


def make_trigger(kind: str, **trigger_args):
    """An APScheduler trigger in UTC: "date" (run_date=…), "interval" (seconds=…) or "cron" (hour=…)."""

    triggers = {"date": DateTrigger, "interval": IntervalTrigger, "cron": CronTrigger}
    if kind not in triggers:
        raise ValueError(f"unknown trigger {kind!r}; use one of {', '.join(triggers)}")
    return triggers[kind](timezone=UTC, **trigger_args)
