"""seed-demo's lead capture and workflows read as a working CRM: each form's numbers count the
submissions it lists."""

import pytest
from sqlalchemy import func, select

from app.core.extensions import db
from tests.conftest import in_tenant
from tests.crm.conftest import seed_demo


@pytest.fixture
def demo_tenant(app, make_tenant, monkeypatch):
    from app.crm.automations import demo
    from app.crm.automations.demo import seed_automation_demo
    from app.crm.deals.demo import seed_deals_demo

    monkeypatch.setattr(demo, "_webhook", lambda tenant, owner: None)  # it resolves a public host
    tenant = make_tenant("acme", roles=("owner", "manager", "sales"))
    with in_tenant(app, tenant.id):
        seed_demo(tenant.id, seed_deals_demo, seed_automation_demo, seed_automation_demo)  # idempotent
    return tenant


def test_every_demo_form_counts_the_submissions_it_lists(app, demo_tenant):
    from app.crm.forms.models import FormSubmission, SubmissionStatus, WebForm
    from app.crm.forms.services import form_stats

    with in_tenant(app, demo_tenant.id):
        forms = list(db.session.scalars(select(WebForm).order_by(WebForm.name)))
        assert len(forms) == 3
        for form in forms:
            taken = db.session.scalar(
                select(func.count(FormSubmission.id)).where(
                    FormSubmission.form_id == form.id, FormSubmission.status != SubmissionStatus.SPAM
                )
            )
            stats = form_stats(form)
            assert taken > 0, form.name
            assert stats["total_submissions"] == taken, form.name
            assert stats["total_views"] > taken, form.name


def test_the_demo_run_log_shows_runs_with_their_steps(app, demo_tenant):
    from app.core.events import DeliveryStatus, EventDelivery
    from app.crm.automations.models import RunStatus, Workflow, WorkflowRun
    from app.crm.automations.runs import list_runs, run_steps

    with in_tenant(app, demo_tenant.id):
        runs = list_runs(limit=100).items
        by_workflow = {}
        for run in runs:
            by_workflow.setdefault(run.workflow.name, []).append(run)
            assert run_steps(run), run.workflow.name
        routed = by_workflow["Route quote requests"]
        assert len(routed) >= 5
        assert all(run.status == RunStatus.SUCCEEDED for run in routed)
        assert all(run.record_type == "lead" for run in routed)
        assert {step.status for run in routed for step in run_steps(run)} == {"ok"}
        assert [run.status for run in by_workflow["Qualified lead follow-up"]] == [RunStatus.WAITING]
        assert by_workflow["Tag newsletter subscribers"]
        assert all(run.record_type == "contact" for run in by_workflow["Tag newsletter subscribers"])
        assert db.session.scalar(select(func.count(Workflow.id))) == 4
        assert len(runs) == len({(run.workflow_id, run.record_id) for run in runs})
        pending = db.session.scalar(
            select(func.count(EventDelivery.id)).where(
                EventDelivery.consumer == "automations", EventDelivery.status == DeliveryStatus.PENDING
            )
        )
        assert pending == 0
        assert db.session.scalar(select(func.count(WorkflowRun.id)).where(WorkflowRun.is_test)) == 0
