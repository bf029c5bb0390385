"""A job asked for "now" (a workspace export, a duplicates scan) is a late-run job, like a
wait's resume or a campaign's start: asked for while no scheduler ran longer than the misfire
grace time, it still runs once one starts. APScheduler dropped it instead, leaving the export
"Preparing" for ever (and refusing another) and the scan never done."""

import pickle

import pytest
from sqlalchemy import select

from app.core.context import tenant_context
from app.core.errors import PermissionDenied
from app.core.extensions import db
from app.jobs.models import apscheduler_jobs
from tests.conftest import csrf_token_from, in_tenant


def _grace_times(app, tenant, kind: str) -> set:
    with app.app_context(), tenant_context(tenant.id):
        states = db.session.scalars(
            select(apscheduler_jobs.c.job_state).where(apscheduler_jobs.c.id.startswith(f"tenant:{tenant.id}:{kind}:"))
        ).all()
        db.session.rollback()
    assert states, f"no {kind} job was scheduled"
    return {pickle.loads(state)["misfire_grace_time"] for state in states}


def test_a_workspace_export_still_runs_after_an_outage(app, tenant_a, client_for):
    client = client_for(tenant_a)
    page = client.get("/settings/export").get_data(as_text=True)
    assert client.post("/settings/export", data={"csrf_token": csrf_token_from(page)}).status_code == 302
    assert _grace_times(app, tenant_a, "workspace-export") == {None}


def test_a_duplicates_scan_still_runs_after_an_outage(app, tenant_a, client_for):
    client = client_for(tenant_a)
    page = client.get("/duplicates").get_data(as_text=True)
    assert client.post("/duplicates/scan", data={"csrf_token": csrf_token_from(page)}).status_code == 302
    assert _grace_times(app, tenant_a, "duplicates") == {None}


def test_only_a_reviewer_may_ask_for_a_duplicates_scan(app, tenant_a):
    from app.auth.models import User
    from app.crm.duplicates.services import request_duplicates_scan

    with in_tenant(app, tenant_a.id):
        viewer = db.session.get(User, (tenant_a.id, tenant_a.users["viewer"]))
        with pytest.raises(PermissionDenied):
            request_duplicates_scan(actor=viewer)


def test_an_export_whose_job_was_lost_no_longer_blocks_a_new_one(app, tenant_a, client_for):
    """An export asked for before run-now jobs ran late lost its job in an outage: it said
    "Preparing" for ever, and every new request was refused as "already being prepared"."""
    from sqlalchemy import delete

    from app.crm.exports.models import WorkspaceExport

    client = client_for(tenant_a)
    page = client.get("/settings/export").get_data(as_text=True)
    assert client.post("/settings/export", data={"csrf_token": csrf_token_from(page)}).status_code == 302
    with in_tenant(app, tenant_a.id):
        db.session.execute(delete(apscheduler_jobs).where(apscheduler_jobs.c.id.startswith(f"tenant:{tenant_a.id}:")))
        db.session.commit()
    again = client.post("/settings/export", data={"csrf_token": csrf_token_from(page)}, follow_redirects=True)
    assert "already being prepared" not in again.get_data(as_text=True)
    with in_tenant(app, tenant_a.id):
        statuses = [
            row.status for row in db.session.scalars(select(WorkspaceExport).order_by(WorkspaceExport.created_at))
        ]
    assert statuses == ["failed", "queued"]
    assert _grace_times(app, tenant_a, "workspace-export") == {None}
