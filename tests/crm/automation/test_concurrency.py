"""Races on PostgreSQL: 50 triggers at once enroll a record once; activating workflows and
creating forms at the plan's limit lets exactly one through."""

import threading

import pytest
from sqlalchemy import select

from app.core.context import tenant_context
from app.core.events import DomainEvent, emit
from app.core.extensions import db
from app.crm.automations.engine import handle_event
from app.crm.automations.models import RunStatus, Workflow
from app.crm.automations.services import set_workflow_active
from app.crm.forms.services import create_form
from app.crm.leads.models import Lead
from tests.conftest import USE_POSTGRES, in_tenant
from tests.crm.automation.forms_helpers import LEAD_FIELDS
from tests.crm.automation.workflow_helpers import make_workflow, owner_of, runs_of
from tests.crm.factories import make_lead
from tests.plans.concurrency import race_creates

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(not USE_POSTGRES, reason="needs PostgreSQL")]
TRIGGERS = 50


def test_fifty_concurrent_triggers_enroll_a_record_once(app, tenant_a):
    """Fifty events about one lead handled at once (as many at a time as the pool allows):
    only the database's partial unique index keeps it to one run."""
    workflow_id = make_workflow(
        app,
        tenant_a,
        trigger={"type": "record_updated", "record_type": "lead"},
        steps=[{"type": "wait", "params": {"amount": 1, "unit": "days"}}],
    )
    lead_id = make_lead(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        record = db.session.get(Lead, (tenant_a.id, lead_id))
        event_ids = [
            emit("lead.updated", record=record, record_type="lead", changes={"title": {"old": "", "new": f"T{n}"}}).id
            for n in range(TRIGGERS)
        ]
    barrier = threading.Barrier(TRIGGERS)
    started, errors, lock = [], [], threading.Lock()

    def trigger(event_id):
        with app.app_context(), tenant_context(tenant_a.id):
            try:
                event = db.session.get(DomainEvent, (tenant_a.id, event_id))
                db.session.commit()  # back to the pool: 50 threads share its 15 connections
                barrier.wait(timeout=60)
                count = handle_event(event)
                db.session.commit()
                with lock:
                    started.append(count)
            except Exception as exc:
                db.session.rollback()
                with lock:
                    errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=trigger, args=(event_id,)) for event_id in event_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert errors == []
    assert sum(started) == 1
    runs = runs_of(app, tenant_a, workflow_id)
    assert [run.status for run in runs] == [RunStatus.WAITING]


def test_concurrent_activations_at_the_limit_let_one_through(app, tenant_a, set_tenant):
    set_tenant(tenant_a, limit_overrides={"automations": 1})
    ids = [make_workflow(app, tenant_a, name=f"W{n}", active=False) for n in range(20)]

    def activate(index):
        workflow = db.session.get(Workflow, (tenant_a.id, ids[index]))
        set_workflow_active(workflow, True, actor=owner_of(tenant_a))

    outcome = race_creates(app, tenant_a.id, activate, attempts=20)
    assert outcome["errors"] == []
    assert (outcome["succeeded"], outcome["refused"]) == (1, 19)
    with in_tenant(app, tenant_a.id):
        assert len(list(db.session.scalars(select(Workflow).where(Workflow.is_active)))) == 1


def test_concurrent_form_creates_at_the_limit_let_one_through(app, tenant_a, set_tenant):
    set_tenant(tenant_a, limit_overrides={"forms": 1})

    def create(index):
        create_form({"name": f"Form {index}", "fields": LEAD_FIELDS}, actor=owner_of(tenant_a))

    outcome = race_creates(app, tenant_a.id, create, attempts=20)
    assert outcome["errors"] == []
    assert (outcome["succeeded"], outcome["refused"]) == (1, 19)
