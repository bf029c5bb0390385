"""Workflows, their runs (one per enrolled record) and the log of every step a run took."""

import uuid
from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantScoped, Timestamps, tenant_foreign_key, tenant_relationship
from app.core.statuses import StatusBadge
from app.core.types import JSONType, utcnow


class RunStatus:
    RUNNING = "running"
    WAITING = "waiting"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"  # stopped by the loop guard before its first step
    ACTIVE = (RUNNING, WAITING)
    LABELS = {
        RUNNING: "Running",
        WAITING: "Waiting",
        SUCCEEDED: "Succeeded",
        FAILED: "Failed",
        SKIPPED: "Skipped",
    }
    COLORS = {RUNNING: "primary", WAITING: "info", SUCCEEDED: "success", FAILED: "danger", SKIPPED: "secondary"}


class Workflow(TenantScoped, Timestamps, Base):
    __tablename__ = "workflows"
    __repr_label__ = ("name",)

    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(500), default="")
    is_active: Mapped[bool] = mapped_column(default=False)
    # {"type": "record_created" | "record_updated" | "field_changed" | "form_submitted" | "event",
    #  "record_type", "field", "value", "form_id", "event"}
    trigger: Mapped[dict] = mapped_column(JSONType, default=dict)
    # {"match": "all" | "any", "rules": [{"field", "op", "value"}], "groups": [<the same>]}
    conditions: Mapped[dict] = mapped_column(JSONType, default=dict)
    # [{"id", "type", "params", "then": [...], "else": [...]}]; branches nest.
    steps: Mapped[list] = mapped_column(JSONType, default=list)
    # Signs what its webhook steps send, like a webhook subscription's secret.
    secret: Mapped[str] = mapped_column(String(80))
    # Where the next round-robin assignment continues.
    round_robin_position: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[uuid.UUID | None]


class WorkflowRun(TenantScoped, StatusBadge, Base):
    """One record going through one workflow, from its trigger to its last step."""

    __tablename__ = "workflow_runs"
    __table_args__ = (
        tenant_foreign_key("workflow_id", "workflows", ondelete="CASCADE"),
        Index("ix_workflow_runs_tenant_workflow", "tenant_id", "workflow_id", "started_at", "id"),
        Index("ix_workflow_runs_tenant_record", "tenant_id", "record_id", "workflow_id", "started_at"),
        # A record is enrolled in a workflow at most once at a time: the database refuses a
        # second active run, however many triggers race for it.
        Index(
            "uq_workflow_runs_active_enrolment",
            "tenant_id",
            "workflow_id",
            "record_id",
            unique=True,
            postgresql_where=text("status IN ('running', 'waiting') AND is_test = false"),
            sqlite_where=text("status IN ('running', 'waiting') AND is_test = 0"),
        ),
    )

    workflow_id: Mapped[uuid.UUID]
    workflow = tenant_relationship("Workflow", "workflow_id")
    record_type: Mapped[str | None] = mapped_column(String(32))
    record_id: Mapped[uuid.UUID | None]
    record_label: Mapped[str] = mapped_column(String(300), default="")
    event_id: Mapped[uuid.UUID | None]
    event_name: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.RUNNING)
    statuses = RunStatus
    is_test: Mapped[bool] = mapped_column(default=False)
    # How many automation runs led to the event that started this one (the loop guard's count).
    depth: Mapped[int] = mapped_column(Integer, default=0)
    # The steps as they were at enrolment, flattened; `position` is the next one to run.
    program: Mapped[list] = mapped_column(JSONType, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    resume_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)

    @property
    def is_live(self) -> bool:
        return self.status in RunStatus.ACTIVE


class WorkflowStepLog(TenantScoped, Base):
    """What one step of a run did: its input, result or error, and how long it took."""

    __tablename__ = "workflow_step_logs"
    __table_args__ = (
        tenant_foreign_key("run_id", "workflow_runs", ondelete="CASCADE"),
        Index("ix_workflow_step_logs_tenant_run", "tenant_id", "run_id", "started_at", "id"),
    )

    run_id: Mapped[uuid.UUID]
    position: Mapped[int] = mapped_column(Integer)
    step_type: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(16))  # ok, failed, waiting, skipped
    input: Mapped[dict] = mapped_column(JSONType, default=dict)
    result: Mapped[dict] = mapped_column(JSONType, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
