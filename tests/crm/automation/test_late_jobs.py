"""A wait's resume and a webhook's retry are late-run jobs, like reminders: missed while no
scheduler ran (an outage longer than the misfire grace time), they still run once one starts.
APScheduler dropped them instead, leaving the run "Waiting" and the delivery "Retrying" forever."""

import pickle

import pytest
from sqlalchemy import select

from app.core.context import tenant_context
from app.core.extensions import db
from app.jobs.models import apscheduler_jobs
from tests.crm.automation.helpers import dispatch_events
from tests.crm.automation.test_webhooks import hook_url, subscribe
from tests.crm.automation.workflow_helpers import make_workflow
from tests.crm.factories import make_contact, make_lead


@pytest.fixture
def receiver(app, monkeypatch, httpserver):
    monkeypatch.setitem(app.config, "SSRF_ALLOWED_ADDRESSES", ["127.0.0.1"])
    return httpserver


def _grace_times(app, tenant, kind: str) -> set:
    with app.app_context(), tenant_context(tenant.id):
        states = db.session.scalars(
            select(apscheduler_jobs.c.job_state).where(apscheduler_jobs.c.id.startswith(f"tenant:{tenant.id}:{kind}:"))
        ).all()
        db.session.rollback()
    assert states, f"no {kind} job was scheduled"
    return {pickle.loads(state)["misfire_grace_time"] for state in states}


def test_a_waits_resume_still_runs_after_an_outage(app, tenant_a):
    make_workflow(app, tenant_a, steps=[{"type": "wait", "params": {"amount": 2, "unit": "days"}}])
    make_lead(app, tenant_a)
    dispatch_events(app, tenant_a)
    assert _grace_times(app, tenant_a, "automation.resume") == {None}


def test_a_webhook_retry_still_runs_after_an_outage(app, tenant_a, receiver):
    receiver.expect_request("/hook").respond_with_data("down", status=500)
    subscribe(app, tenant_a, hook_url(receiver))
    make_contact(app, tenant_a)
    dispatch_events(app, tenant_a)
    assert _grace_times(app, tenant_a, "webhook.delivery") == {None}
