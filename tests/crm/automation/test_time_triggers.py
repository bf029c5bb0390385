"""Workflows started by time: a date field reached, no activity for N days, a daily schedule;
each fires once per occasion, from the platform job."""

from datetime import timedelta

from sqlalchemy import update

from app.core.extensions import db
from app.core.types import utcnow
from app.crm.automations.jobs import run_time_triggers
from app.crm.automations.models import RunStatus
from app.crm.leads.models import Lead
from tests.conftest import in_tenant
from tests.crm.automation.workflow_helpers import make_workflow, runs_of
from tests.crm.factories import make_lead

NOTE = [{"type": "create_note", "params": {"body": "Time to call."}}]


def run_job(app):
    with app.app_context():
        result = run_time_triggers()
        db.session.remove()
    return result


def set_lead(app, tenant, lead_id, **values):
    with in_tenant(app, tenant.id):
        db.session.execute(update(Lead).where(Lead.id == lead_id).values(**values))


def test_a_date_reached_fires_once_for_the_records_of_that_day(app, tenant_a):
    workflow_id = make_workflow(
        app,
        tenant_a,
        trigger={"type": "date_reached", "record_type": "lead", "field": "first_response_at", "days_before": 3},
        steps=NOTE,
    )
    due, later = make_lead(app, tenant_a, name="Due"), make_lead(app, tenant_a, name="Later")
    set_lead(app, tenant_a, due, first_response_at=utcnow() + timedelta(days=3))
    set_lead(app, tenant_a, later, first_response_at=utcnow() + timedelta(days=9))
    run_job(app)
    run_job(app)
    runs = runs_of(app, tenant_a, workflow_id)
    assert [(run.record_id, run.status) for run in runs] == [(due, RunStatus.SUCCEEDED)]
    assert runs[0].event_name.startswith("date_reached:")


def _log_call(app, tenant, lead_id, when):
    from app.crm.activities.services import log_activity
    from tests.crm.automation.workflow_helpers import owner_of

    with in_tenant(app, tenant.id):
        log_activity(
            {"type": "call", "record_id": str(lead_id), "occurred_at": when.isoformat()}, actor=owner_of(tenant)
        )


def test_no_activity_fires_once_per_quiet_spell(app, tenant_a, tenant_b):
    workflow_id = make_workflow(
        app, tenant_a, trigger={"type": "no_activity", "record_type": "lead", "days": 7}, steps=NOTE
    )
    quiet, busy = make_lead(app, tenant_a, name="Quiet"), make_lead(app, tenant_a, name="Busy")
    edited, fresh = make_lead(app, tenant_a, name="Edited"), make_lead(app, tenant_a, name="Fresh")
    long_ago = utcnow() - timedelta(days=10)
    for lead_id in (quiet, busy, edited):
        set_lead(app, tenant_a, lead_id, created_at=long_ago, updated_at=long_ago)
    _log_call(app, tenant_a, quiet, utcnow() - timedelta(days=9))
    _log_call(app, tenant_a, busy, utcnow() - timedelta(days=2))
    # Editing a field is not activity: only logged calls, emails, meetings, notes and tasks are.
    set_lead(app, tenant_a, edited, updated_at=utcnow())
    other_tenant = make_lead(app, tenant_b, name="Quiet")
    set_lead(app, tenant_b, other_tenant, created_at=long_ago, updated_at=long_ago)
    run_job(app)
    run_job(app)
    runs = runs_of(app, tenant_a, workflow_id)
    assert sorted(run.record_id for run in runs) == sorted([quiet, edited])
    assert fresh not in {run.record_id for run in runs}
    assert runs_of(app, tenant_b) == []


def test_no_activity_fires_again_after_a_new_quiet_spell(app, tenant_a, time_machine):
    workflow_id = make_workflow(
        app,
        tenant_a,
        trigger={"type": "no_activity", "record_type": "lead", "days": 7},
        steps=NOTE,
    )
    lead_id = make_lead(app, tenant_a, name="Quiet")
    set_lead(app, tenant_a, lead_id, created_at=utcnow() - timedelta(days=10))
    run_job(app)
    assert len(runs_of(app, tenant_a, workflow_id)) == 1
    _log_call(app, tenant_a, lead_id, utcnow())
    run_job(app)
    assert len(runs_of(app, tenant_a, workflow_id)) == 1  # the call starts a new spell
    time_machine.move_to(utcnow() + timedelta(days=8))
    run_job(app)
    run_job(app)
    assert len(runs_of(app, tenant_a, workflow_id)) == 2


def test_a_daily_schedule_runs_each_matching_record_once_a_day(app, tenant_a):
    workflow_id = make_workflow(
        app,
        tenant_a,
        trigger={"type": "schedule", "record_type": "lead", "hour": 0},
        conditions={"match": "all", "rules": [{"field": "status", "op": "equals", "value": "new"}]},
        steps=NOTE,
    )
    fresh = make_lead(app, tenant_a, name="Fresh")
    make_lead(app, tenant_a, name="Lost", status="lost", lost_reason="Budget")
    run_job(app)
    run_job(app)
    assert [run.record_id for run in runs_of(app, tenant_a, workflow_id)] == [fresh]


def test_time_triggers_are_checked_when_saved(app, tenant_a, client_for):
    response = client_for(tenant_a).post(
        "/automations",
        data={
            "name": "x",
            "trigger_type": "date_reached",
            "record_type": "lead",
            "trigger_field": "name",
            "match": "all",
        },
    )
    assert response.status_code == 422
    assert b"date fields" in response.data


def test_a_schedule_reaches_every_matching_record_past_one_pass(app, tenant_a, monkeypatch):
    from app.crm.automations import schedules

    monkeypatch.setattr(schedules, "MAX_RECORDS_PER_PASS", 3)
    workflow_id = make_workflow(
        app,
        tenant_a,
        trigger={"type": "schedule", "record_type": "lead", "hour": 0},
        conditions={"match": "all", "rules": [{"field": "status", "op": "equals", "value": "new"}]},
        steps=NOTE,
    )
    # Non-matching records first: a pass reading only its first page would never get past them.
    lost = [make_lead(app, tenant_a, name=f"Lost {index}", status="lost", lost_reason="Budget") for index in range(4)]
    fresh = [make_lead(app, tenant_a, name=f"Fresh {index}") for index in range(7)]
    counts = []
    for _ in range(4):
        run_job(app)
        counts.append(len(runs_of(app, tenant_a, workflow_id)))
    assert counts == [3, 6, 7, 7]  # at most three runs a pass, until every match has fired
    fired = [run.record_id for run in runs_of(app, tenant_a, workflow_id)]
    assert sorted(fired) == sorted(fresh)
    assert not set(fired) & set(lost)


def test_a_date_reached_fires_for_every_record_of_the_day_past_one_pass(app, tenant_a, monkeypatch):
    from app.crm.automations import schedules

    monkeypatch.setattr(schedules, "MAX_RECORDS_PER_PASS", 2)
    workflow_id = make_workflow(
        app,
        tenant_a,
        trigger={"type": "date_reached", "record_type": "lead", "field": "converted_at", "days_before": 0},
        steps=NOTE,
    )
    due = [make_lead(app, tenant_a, name=f"Due {index}") for index in range(5)]
    for lead_id in due:
        set_lead(app, tenant_a, lead_id, converted_at=utcnow())
    for _ in range(4):
        run_job(app)
    fired = [run.record_id for run in runs_of(app, tenant_a, workflow_id)]
    assert sorted(fired) == sorted(due)  # each once


def test_time_triggers_start_nothing_in_a_suspended_workspace_or_without_automations(app, tenant_a, set_tenant):
    """Events stopped starting runs when the workspace became read-only or its plan lost
    automations, but the 15-minute job still started scheduled and date workflows there."""
    workflow_id = make_workflow(
        app, tenant_a, trigger={"type": "schedule", "record_type": "lead", "hour": 0}, steps=NOTE
    )
    make_lead(app, tenant_a, name="Fresh")
    set_tenant(tenant_a, status="suspended")
    run_job(app)
    set_tenant(tenant_a, status="active", plan="free")
    run_job(app)
    assert runs_of(app, tenant_a, workflow_id) == []
    set_tenant(tenant_a, plan="normal")
    run_job(app)
    assert len(runs_of(app, tenant_a, workflow_id)) == 1


def test_a_daily_schedule_keeps_the_workspaces_clock(app, tenant_a, set_tenant, time_machine):
    """ "Every day at 09:00" ran at 09:00 UTC: 22:00 the evening before in Pacific/Auckland."""
    from datetime import UTC, datetime

    set_tenant(tenant_a, timezone="Pacific/Auckland")
    workflow_id = make_workflow(
        app, tenant_a, trigger={"type": "schedule", "record_type": "lead", "hour": 9}, steps=NOTE
    )
    make_lead(app, tenant_a, name="Fresh")
    time_machine.move_to(datetime(2026, 3, 10, 19, 30, tzinfo=UTC))  # 08:30 on the 11th there
    run_job(app)
    assert runs_of(app, tenant_a, workflow_id) == []
    time_machine.move_to(datetime(2026, 3, 10, 20, 30, tzinfo=UTC))  # 09:30 there
    run_job(app)
    [run] = runs_of(app, tenant_a, workflow_id)
    assert run.event_name == "schedule:2026-03-11"
