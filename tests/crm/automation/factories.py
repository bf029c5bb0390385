"""Factories for the generated cross-tenant test: forms, submissions, workflows, runs,
webhook subscriptions and deliveries, each built through the services in one tenant."""

from sqlalchemy import select

from app.core.extensions import db
from app.crm.automations.models import WorkflowRun
from tests.conftest import in_tenant
from tests.factories import arg_factory, endpoint_factory


@arg_factory("form_id")
def make_web_form(app, tenant):
    from tests.crm.automation.forms_helpers import make_form

    return make_form(app, tenant)


def _submission(app, tenant) -> dict:
    from app.crm.forms.intake import receive_submission
    from app.crm.forms.models import WebForm

    form_id = make_web_form(app, tenant)
    with in_tenant(app, tenant.id):
        form = db.session.get(WebForm, (tenant.id, form_id))
        # The time trap marks it spam, which still stores it: all the route needs.
        submission = receive_submission(form, {"email": "ada@example.com"}, ip_address="192.0.2.1", user_agent="test")
        return {"form_id": form_id, "submission_id": submission.id}


@endpoint_factory("forms.submission")
@endpoint_factory("api_forms.get_submission")
def submission_of_form(app, tenant):
    return _submission(app, tenant)


@endpoint_factory("public_forms.confirm")
def confirmation_link(app, tenant):
    return {"form_id": make_web_form(app, tenant), "token": "not-a-real-token"}


@arg_factory("workflow_id")
def make_web_workflow(app, tenant):
    from tests.crm.automation.workflow_helpers import make_workflow

    return make_workflow(app, tenant, steps=[{"id": "note1", "type": "create_note", "params": {"body": "Hi"}}])


def _run(app, tenant) -> dict:
    from app.crm.automations.engine import handle_event
    from app.crm.leads.models import Lead
    from tests.crm.factories import make_lead

    workflow_id = make_web_workflow(app, tenant)
    lead_id = make_lead(app, tenant)
    with in_tenant(app, tenant.id):
        from app.core.events import DomainEvent

        event = db.session.scalar(
            select(DomainEvent).where(DomainEvent.record_id == lead_id, DomainEvent.name == "lead.created")
        )
        assert db.session.get(Lead, (tenant.id, lead_id)) is not None
        handle_event(event)
        run = db.session.scalar(select(WorkflowRun).where(WorkflowRun.workflow_id == workflow_id))
        return {"workflow_id": workflow_id, "run_id": run.id}


@endpoint_factory("automations.run")
@endpoint_factory("automations.replay")
@endpoint_factory("api_automations.get_run")
@endpoint_factory("api_automations.replay")
def run_of_workflow(app, tenant):
    return _run(app, tenant)


@endpoint_factory("automations.remove_step")
@endpoint_factory("automations.move_step")
def step_of_workflow(app, tenant):
    return {"workflow_id": make_web_workflow(app, tenant), "step_id": "note1"}


@arg_factory("webhook_id")
def make_subscription(app, tenant):
    from app.auth.models import User
    from app.crm.webhooks.services import create_subscription

    with in_tenant(app, tenant.id):
        actor = db.session.get(User, (tenant.id, tenant.users["owner"]))
        data = {"name": "Sync", "url": "https://93.184.215.14/hook", "event_types": ["contact.created"]}
        return create_subscription(data, actor=actor).id


@endpoint_factory("webhooks.replay")
@endpoint_factory("api_webhooks.replay")
def delivery_of_subscription(app, tenant):
    from app.crm.webhooks.models import WebhookSubscription
    from app.crm.webhooks.services import send_test_event
    from tests.crm.automation.workflow_helpers import owner_of

    subscription_id = make_subscription(app, tenant)
    with in_tenant(app, tenant.id):
        subscription = db.session.get(WebhookSubscription, (tenant.id, subscription_id))
        delivery = send_test_event(subscription, actor=owner_of(tenant))
        return {"webhook_id": subscription_id, "delivery_id": delivery.id}


def seeded_ids(app, tenant) -> dict:
    """One of each (a form with a submission, a workflow with a run, a webhook with a
    delivery) for the API's generated tests: {url argument: id}."""
    return {**_submission(app, tenant), **_run(app, tenant), **delivery_of_subscription(app, tenant)}
