"""Triggers that fire with time rather than with an event: a date field is reached, a record
has been left alone for N days, or a schedule (every day at an hour, UTC).

The `automations.time_triggers` platform job looks every 15 minutes at the tenants that have
such workflows. Each trigger fires once per occasion, and the run says which one
(`date_reached:2026-12-24`, `no_activity:2026-11-30T09:12`, `schedule:2026-12-02`), which is
how a later pass knows it has already fired.
"""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.core.extensions import db
from app.core.types import utcnow
from app.crm.automations import engine
from app.crm.automations.conditions import conditions_pass, record_values
from app.crm.automations.models import Workflow, WorkflowRun
from app.records.registry import find_record_type

TIME_TRIGGERS = ("date_reached", "no_activity", "schedule")
MAX_RECORDS_PER_PASS = 500


def date_fields(record_type) -> dict[str, str]:
    """{name: label} of the record's own date and date-time columns a trigger can watch."""
    return {
        field.name: field.label
        for field in record_type.fields
        if getattr(field, "kind", "") in ("date", "datetime") and hasattr(record_type.model, field.name)
    }


def _time_workflows() -> list[Workflow]:
    return [workflow for workflow in engine.active_workflows() if (workflow.trigger or {}).get("type") in TIME_TRIGGERS]


def _fired(workflow, occasions: list[str]) -> set[tuple]:
    """(record id, occasion) pairs this workflow already ran for."""
    if not occasions:
        return set()
    rows = db.session.execute(
        select(WorkflowRun.record_id, WorkflowRun.event_name).where(
            WorkflowRun.workflow_id == workflow.id, WorkflowRun.event_name.in_(occasions)
        )
    )
    return {(record_id, name) for record_id, name in rows}


def _candidates(workflow, record_type, now: datetime) -> list[tuple[object, str]]:
    """(record, occasion) pairs due now for one workflow."""
    trigger, model = workflow.trigger, record_type.model
    if trigger["type"] == "date_reached":
        column = getattr(model, trigger["field"])
        day = (now + timedelta(days=int(trigger.get("days_before") or 0))).date()
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        stmt = select(model).where(column >= start, column < start + timedelta(days=1))
        if getattr(record_type.field(trigger["field"]), "kind", "") == "date":
            stmt = select(model).where(column == day)
        return [
            (record, f"date_reached:{day.isoformat()}")
            for record in db.session.scalars(stmt.limit(MAX_RECORDS_PER_PASS))
        ]
    if trigger["type"] == "no_activity":
        cutoff = now - timedelta(days=int(trigger.get("days") or 1))
        stmt = select(model).where(model.updated_at < cutoff).order_by(model.updated_at).limit(MAX_RECORDS_PER_PASS)
        return [
            (record, f"no_activity:{record.updated_at.isoformat(timespec='minutes')}")
            for record in db.session.scalars(stmt)
        ]
    if trigger["type"] == "schedule":
        if now.hour < int(trigger.get("hour") or 0):
            return []
        stmt = select(model).order_by(model.id).limit(MAX_RECORDS_PER_PASS)
        return [(record, f"schedule:{now.date().isoformat()}") for record in db.session.scalars(stmt)]
    return []


def fire_time_triggers(now: datetime | None = None) -> int:
    """One pass for the tenant in context: enroll (and run) what is due. Returns runs started."""
    now = now or utcnow()
    started = 0
    for workflow in _time_workflows():
        record_type = find_record_type(workflow.trigger.get("record_type"))
        if record_type is None:
            continue
        due = _candidates(workflow, record_type, now)
        fired = _fired(workflow, sorted({occasion for _, occasion in due}))
        for record, occasion in due:
            if (record.id, occasion) in fired:
                continue
            if not conditions_pass(workflow.conditions, record_values(record_type, record)):
                continue
            run = engine.enroll(workflow, record_type, record, occasion=occasion)
            if run is not None:
                started += 1
                engine.execute(run, now=now)
    return started


def tenants_with_time_triggers():
    return (
        select(Workflow.tenant_id)
        .where(Workflow.is_active, func.coalesce(Workflow.trigger["type"].as_string(), "").in_(TIME_TRIGGERS))
        .distinct()
    )
