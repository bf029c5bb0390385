"""Triggers that fire with time rather than with an event: a date field is reached, a record
has been left alone for N days (no logged activity since), or a schedule (every day at an hour,
in the workspace's time zone).

The `automations.time_triggers` platform job looks every 15 minutes at the tenants that have
such workflows. Each trigger fires once per occasion, and the run says which one
(`date_reached:2026-12-24`, `no_activity:2026-11-30T09:12`, `schedule:2026-12-02`), which is
how a later pass knows it has already fired (for no_activity: a run started since the record's
last touch). What already fired is left out in SQL and the rest is read in keyset pages, so
however many records are due, every one fires in time.
"""

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, select

from app.core.extensions import db
from app.core.types import utcnow
from app.crm.activities.capability import last_activity_at
from app.crm.automations import engine
from app.crm.automations.conditions import conditions_pass, record_values
from app.crm.automations.models import Workflow, WorkflowRun
from app.records.normalize import tenant_zone
from app.records.registry import find_record_type

TIME_TRIGGERS = ("date_reached", "no_activity", "schedule")
# Runs one workflow starts in one pass, and the size of the keyset pages its candidates are
# read in; what is left waits for the next pass (15 minutes), which starts where it is due.
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


def _runs_of(workflow, model, *where):
    """SQL: this workflow already ran (for real, not a test) for the outer record row."""
    return exists().where(
        WorkflowRun.tenant_id == model.tenant_id,
        WorkflowRun.workflow_id == workflow.id,
        WorkflowRun.record_id == model.id,
        WorkflowRun.is_test.is_(False),
        *where,
    )


def last_touched(record_type):
    """SQL: since when a record has been left alone: its last logged activity (calls, emails,
    meetings, notes, tasks; not system events), or when it was created; a type without a
    timeline falls back to its last change."""
    model = record_type.model
    if not record_type.has("timeline"):
        return model.updated_at
    return func.coalesce(last_activity_at(model), model.created_at)


def _due(workflow, record_type, now: datetime):
    """(statement of the records due and not yet fired for, occasion of a row) for one workflow:
    what already fired is left out in SQL, so every due record is reached page by page."""
    trigger, model = workflow.trigger, record_type.model
    # Days and hours are the workspace's: "at 09:00" is 09:00 on its clock, "today" its day.
    zone = tenant_zone()
    local = now.astimezone(zone)
    if trigger["type"] == "date_reached":
        column = getattr(model, trigger["field"])
        day = (local + timedelta(days=int(trigger.get("days_before") or 0))).date()
        occasion = f"date_reached:{day.isoformat()}"
        if getattr(record_type.field(trigger["field"]), "kind", "") == "date":
            reached = column == day
        else:
            start = datetime(day.year, day.month, day.day, tzinfo=zone)
            reached = and_(column >= start, column < start + timedelta(days=1))
        stmt = select(model).where(reached, ~_runs_of(workflow, model, WorkflowRun.event_name == occasion))
        return stmt, lambda row: occasion
    if trigger["type"] == "no_activity":
        cutoff = now - timedelta(days=int(trigger.get("days") or 1))
        touched = last_touched(record_type).label("touched")
        # One run per quiet spell: a run started after the last touch is this spell's.
        stmt = select(model, touched).where(
            touched < cutoff, ~_runs_of(workflow, model, WorkflowRun.started_at >= touched)
        )
        return stmt, lambda row: f"no_activity:{row.touched.isoformat(timespec='minutes')}"
    if trigger["type"] == "schedule":
        if local.hour < int(trigger.get("hour") or 0):
            return None, None
        occasion = f"schedule:{local.date().isoformat()}"
        stmt = select(model).where(~_runs_of(workflow, model, WorkflowRun.event_name == occasion))
        return stmt, lambda row: occasion
    return None, None


def _candidates(workflow, record_type, now: datetime):
    """(record, occasion) pairs due now for one workflow, in keyset pages of the record id."""
    stmt, occasion_of = _due(workflow, record_type, now)
    if stmt is None:
        return
    model, after = record_type.model, None
    while True:
        page = stmt.order_by(model.id).limit(MAX_RECORDS_PER_PASS)
        if after is not None:
            page = page.where(model.id > after)
        rows = db.session.execute(page).all()
        for row in rows:
            yield row[0], occasion_of(row)
        if len(rows) < MAX_RECORDS_PER_PASS:
            return
        after = rows[-1][0].id


def fire_time_triggers(now: datetime | None = None) -> int:
    """One pass for the tenant in context: enroll (and run) what is due, at most
    MAX_RECORDS_PER_PASS runs per workflow. Returns runs started."""
    now = now or utcnow()
    started = 0
    for workflow in _time_workflows():
        record_type = find_record_type(workflow.trigger.get("record_type"))
        if record_type is None:
            continue
        started_here = 0
        for record, occasion in _candidates(workflow, record_type, now):
            if not conditions_pass(workflow.conditions, record_values(record_type, record)):
                # Not a match now; keep the session from growing over a long scan.
                if record not in db.session.dirty:
                    db.session.expunge(record)
                continue
            run = engine.enroll(workflow, record_type, record, occasion=occasion)
            if run is not None:
                started_here += 1
                engine.execute(run, now=now)
            if started_here >= MAX_RECORDS_PER_PASS:
                break
        started += started_here
    return started


def tenants_with_time_triggers():
    return (
        select(Workflow.tenant_id)
        .where(Workflow.is_active, func.coalesce(Workflow.trigger["type"].as_string(), "").in_(TIME_TRIGGERS))
        .distinct()
    )
