"""Workflows count days in the workspace's time zone, as its people do: a task "due in 0 days"
is due on their today, and a date reached is their date, not UTC's."""

from datetime import UTC, date, datetime

from sqlalchemy import select

from app.core.extensions import db
from app.crm.automations.models import RunStatus
from tests.conftest import in_tenant
from tests.crm.automation.helpers import dispatch_events
from tests.crm.automation.workflow_helpers import make_workflow, runs_of
from tests.crm.factories import make_lead

# 20:30 UTC on Sunday 6 December is 09:30 on Monday 7 December in Auckland (NZDT, UTC+13).
AUCKLAND_MONDAY_MORNING = datetime(2026, 12, 6, 20, 30, tzinfo=UTC)


def test_a_task_due_today_from_a_workflow_is_due_on_the_workspaces_today(app, tenant_a, set_tenant, time_machine):
    from app.crm.tasks.models import Task

    set_tenant(tenant_a, timezone="Pacific/Auckland")
    time_machine.move_to(AUCKLAND_MONDAY_MORNING, tick=False)
    workflow_id = make_workflow(
        app,
        tenant_a,
        steps=[{"type": "create_task", "params": {"title": "Call them", "due_in_days": "0"}}],
    )
    make_lead(app, tenant_a, name="Kiri")
    dispatch_events(app, tenant_a)
    [run] = runs_of(app, tenant_a, workflow_id)
    assert run.status == RunStatus.SUCCEEDED, run.error
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(Task.due_date)) == date(2026, 12, 7)


def _run_time_triggers(app):
    from app.crm.automations.jobs import run_time_triggers

    with app.app_context():
        run_time_triggers()
        db.session.remove()


def test_a_date_reached_fires_on_the_workspaces_day_of_a_moment(app, tenant_a, set_tenant, time_machine):
    from app.crm.leads.models import Lead

    set_tenant(tenant_a, timezone="Pacific/Auckland")
    time_machine.move_to(AUCKLAND_MONDAY_MORNING, tick=False)
    workflow_id = make_workflow(
        app,
        tenant_a,
        trigger={"type": "date_reached", "record_type": "lead", "field": "converted_at", "days_before": 0},
        steps=[{"type": "create_note", "params": {"body": "Today is the day."}}],
    )
    today, yesterday = make_lead(app, tenant_a, name="Today"), make_lead(app, tenant_a, name="Yesterday")
    with in_tenant(app, tenant_a.id):
        # 23:00 on Monday 7 in Auckland is 10:00 UTC on Monday; 23:00 on Sunday 6 is 10:00 UTC on Sunday.
        db.session.get(Lead, (tenant_a.id, today)).converted_at = datetime(2026, 12, 7, 10, tzinfo=UTC)
        db.session.get(Lead, (tenant_a.id, yesterday)).converted_at = datetime(2026, 12, 6, 10, tzinfo=UTC)
    _run_time_triggers(app)
    assert [run.record_id for run in runs_of(app, tenant_a, workflow_id)] == [today]
    assert runs_of(app, tenant_a, workflow_id)[0].event_name == "date_reached:2026-12-07"


def test_a_date_reached_fires_on_the_workspaces_day_of_a_date(app, tenant_a, set_tenant, time_machine):
    from app.crm.deals.models import Deal
    from tests.crm.automation.test_sales_steps import make_deal

    set_tenant(tenant_a, timezone="Pacific/Auckland")
    time_machine.move_to(AUCKLAND_MONDAY_MORNING, tick=False)
    workflow_id = make_workflow(
        app,
        tenant_a,
        trigger={"type": "date_reached", "record_type": "deal", "field": "expected_close_date", "days_before": 1},
        steps=[{"type": "create_note", "params": {"body": "Closes tomorrow."}}],
    )
    tomorrow, today = make_deal(app, tenant_a, name="Tomorrow"), make_deal(app, tenant_a, name="Today")
    with in_tenant(app, tenant_a.id):
        db.session.get(Deal, (tenant_a.id, tomorrow)).expected_close_date = date(2026, 12, 8)
        db.session.get(Deal, (tenant_a.id, today)).expected_close_date = date(2026, 12, 7)
    _run_time_triggers(app)
    assert [run.record_id for run in runs_of(app, tenant_a, workflow_id)] == [tomorrow]


def test_a_daily_schedule_runs_at_the_hour_on_the_workspaces_clock(app, tenant_a, set_tenant, time_machine):
    set_tenant(tenant_a, timezone="Pacific/Auckland")
    workflow_id = make_workflow(
        app,
        tenant_a,
        trigger={"type": "schedule", "record_type": "lead", "hour": 9},
        steps=[{"type": "create_note", "params": {"body": "Morning check."}}],
    )
    lead_id = make_lead(app, tenant_a, name="Kiri")
    time_machine.move_to(datetime(2026, 12, 6, 19, 30, tzinfo=UTC), tick=False)  # 08:30 in Auckland
    _run_time_triggers(app)
    assert runs_of(app, tenant_a, workflow_id) == []
    time_machine.move_to(AUCKLAND_MONDAY_MORNING, tick=False)  # 09:30 in Auckland
    _run_time_triggers(app)
    _run_time_triggers(app)
    runs = runs_of(app, tenant_a, workflow_id)
    assert [(run.record_id, run.event_name) for run in runs] == [(lead_id, "schedule:2026-12-07")]


def test_a_daily_schedule_says_whose_clock_it_keeps(app, tenant_a, set_tenant, client_for):
    set_tenant(tenant_a, timezone="Pacific/Auckland")
    workflow_id = make_workflow(app, tenant_a, trigger={"type": "schedule", "record_type": "lead", "hour": 9})
    page = client_for(tenant_a).get(f"/automations/{workflow_id}").get_data(as_text=True)
    assert "Every day at 09:00 (Pacific/Auckland), for each lead" in page
