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


def test_what_a_demo_submission_made_is_dated_when_it_came(app, demo_tenant):
    from datetime import timedelta

    from app.crm.activities.models import Activity
    from app.crm.automations.models import WorkflowRun
    from app.crm.forms.models import FormSubmission
    from app.crm.leads.models import Lead

    with in_tenant(app, demo_tenant.id):
        submissions = db.session.scalars(select(FormSubmission).where(FormSubmission.record_id.is_not(None))).all()
        assert len({submission.created_at.date() for submission in submissions}) > 3  # weeks of arrivals
        for submission in submissions:
            made = [
                submission.created_at,
                *db.session.scalars(
                    select(WorkflowRun.started_at).where(
                        WorkflowRun.record_id == submission.record_id, WorkflowRun.event_name == "form.submitted"
                    )
                ),
            ]
            lead = db.session.get(Lead, (demo_tenant.id, submission.record_id))
            if lead is not None:
                made.append(lead.created_at)
                made.append(
                    db.session.scalar(
                        select(Activity.occurred_at).where(
                            Activity.record_id == lead.id, Activity.details["action"].as_string() == "lead.created"
                        )
                    )
                )
            # The record, its timeline and its workflow run follow within a minute, not today.
            assert max(made) - submission.created_at < timedelta(minutes=1), submission.email


def test_the_demo_clock_runs_on_from_the_moment_it_is_set_to():
    from datetime import UTC, datetime, timedelta

    from app.core.types import clock_set_to, utcnow

    then = datetime(2026, 11, 9, 7, 2, tzinfo=UTC)
    with clock_set_to(then):
        first, second = utcnow(), utcnow()
    assert timedelta(0) <= first - then < timedelta(seconds=1)
    assert second >= first
    assert utcnow() - datetime.now(UTC) < timedelta(seconds=1)
