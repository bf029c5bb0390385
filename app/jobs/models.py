"""Platform tables of the scheduler: the job store, the run log and process heartbeats."""

import uuid
from datetime import datetime

from sqlalchemy import Column, Float, Index, Integer, LargeBinary, String, Table, Text, Unicode, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.ids import uuid7
from app.core.models import Base, PlatformModel
from app.core.types import JSONType, utcnow

# APScheduler's SQLAlchemyJobStore layout, declared here so that the migration creates it (the
# app and platform roles may not create tables) and so per-tenant jobs can be written in the
# caller's transaction.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)


class JobRunStatus:
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class JobRun(PlatformModel, Base):
    """One execution of a scheduled job: when, where, and what came of it."""

    __tablename__ = "job_runs"
    __table_args__ = (
        Index("ix_job_runs_job_started", "job_id", "started_at"),
        Index("ix_job_runs_status_started", "status", "started_at"),
        # One run per tick: a second scheduler that reaches the same tick finds it claimed.
        UniqueConstraint("job_id", "scheduled_for"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    job_id: Mapped[str] = mapped_column(String(191))
    tenant_id: Mapped[uuid.UUID | None]
    process_id: Mapped[str] = mapped_column(String(128), default="")
    # The time the scheduler meant the run for (None for `flask jobs run-now`).
    scheduled_for: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default=JobRunStatus.RUNNING)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    result: Mapped[dict] = mapped_column(JSONType, default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class SchedulerHeartbeat(PlatformModel, Base):
    """One row per `jobs run` process: the leader runs jobs, the others wait for its lock."""

    __tablename__ = "scheduler_heartbeats"

    process_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255), default="")
    pid: Mapped[int] = mapped_column(Integer, default=0)
    role: Mapped[str] = mapped_column(String(16), default="standby")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    beat_at: Mapped[datetime] = mapped_column(default=utcnow)
    leader_since: Mapped[datetime | None]
