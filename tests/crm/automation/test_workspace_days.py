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
