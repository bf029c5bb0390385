"""A run waiting when its workflow is turned off, or its workspace can no longer run
workflows, does not carry on by itself: it stops, says why, and can be replayed later."""

from datetime import timedelta

import pytest

from app.core.extensions import db
from app.crm.automations.models import RunStatus, Workflow
from app.crm.automations.services import set_workflow_active
from tests.conftest import in_tenant
from tests.crm.automation.helpers import dispatch_events, run_due_jobs
from tests.crm.automation.test_workflows import lead
from tests.crm.automation.workflow_helpers import make_workflow, owner_of, runs_of

STEPS = [
    {"type": "wait", "params": {"amount": 2, "unit": "days"}},
    {"type": "create_note", "params": {"body": "Two days later: follow up."}},
]


def _waiting_run(app, tenant):
    from tests.crm.factories import make_lead

    workflow_id = make_workflow(app, tenant, steps=STEPS)
    lead_id = make_lead(app, tenant)
    dispatch_events(app, tenant)
    [run] = runs_of(app, tenant, workflow_id)
    assert run.status == RunStatus.WAITING
    return workflow_id, lead_id, run


def _turn(app, tenant, workflow_id, active: bool):
    with in_tenant(app, tenant.id):
        set_workflow_active(db.session.get(Workflow, (tenant.id, workflow_id)), active, actor=owner_of(tenant))


def test_a_run_waiting_in_a_workflow_turned_off_stops_there(app, tenant_a, client_for):
    workflow_id, lead_id, run = _waiting_run(app, tenant_a)
    _turn(app, tenant_a, workflow_id, False)
    run_due_jobs(app, tenant_a, now=run.resume_at + timedelta(seconds=1))
    [stopped] = runs_of(app, tenant_a, workflow_id)
    assert stopped.status == RunStatus.FAILED
    assert stopped.error == "Stopped after its wait: the workflow was turned off."
    assert lead(app, tenant_a, lead_id).note_bodies == []
    client = client_for(tenant_a)
    replay = f"/automations/{workflow_id}/runs/{run.id}/replay"
    assert client.post(replay).status_code == 303  # refused: turn it on first
    _turn(app, tenant_a, workflow_id, True)
    assert client.post(replay).status_code == 302
    run_due_jobs(app, tenant_a)
    assert runs_of(app, tenant_a, workflow_id)[0].status == RunStatus.SUCCEEDED
    assert lead(app, tenant_a, lead_id).note_bodies == ["Two days later: follow up."]


@pytest.mark.parametrize("change", [{"status": "suspended"}, {"plan": "free"}])
def test_a_run_waiting_in_a_workspace_that_can_no_longer_run_workflows_stops_there(app, tenant_a, set_tenant, change):
    workflow_id, lead_id, run = _waiting_run(app, tenant_a)
    set_tenant(tenant_a, **change)
    run_due_jobs(app, tenant_a, now=run.resume_at + timedelta(seconds=1))
    [stopped] = runs_of(app, tenant_a, workflow_id)
    assert stopped.status == RunStatus.FAILED
    assert stopped.error == "Stopped after its wait: the workspace cannot run workflows now (its plan or its status)."
    assert lead(app, tenant_a, lead_id).note_bodies == []
