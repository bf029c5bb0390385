"""Workflows and attribution with deals, tasks and messages: the campaign of a form reaches the
won deal, a won deal creates a follow-up task, a step moves a deal, emails go from a template
only with consent."""

from sqlalchemy import select

from app.core.extensions import db
from app.crm.automations.models import RunStatus
from tests.conftest import host_client, in_tenant
from tests.crm.automation.forms_helpers import fill_and_send, make_form
from tests.crm.automation.helpers import dispatch_events
from tests.crm.automation.workflow_helpers import make_workflow, owner_of, runs_of, step_logs


def stage_of_kind(kind: str):
    from app.crm.deals.models import Stage
    from app.crm.deals.services.pipelines import default_pipeline

    pipeline = default_pipeline()
    return db.session.scalar(
        select(Stage).where(Stage.pipeline_id == pipeline.id, Stage.kind == kind).order_by(Stage.position)
    )


def make_deal(app, tenant, **data):
    from app.records.registry import get_record_type
    from app.records.services import create_record

    with in_tenant(app, tenant.id):
        return create_record(
            get_record_type("deal"), {"name": "Website redesign", "value": "12000", **data}, actor=owner_of(tenant)
        ).id


def win(app, tenant, deal_id):
    from app.crm.deals.models import Deal
    from app.records.registry import get_record_type
    from app.records.services import update_record

    with in_tenant(app, tenant.id):
        deal = db.session.get(Deal, (tenant.id, deal_id))
        update_record(get_record_type("deal"), deal, {"stage_id": str(stage_of_kind("won").id)}, actor=owner_of(tenant))


def test_the_campaign_that_brought_a_lead_is_on_its_won_deal(app, tenant_a, client_for):
    from app.crm.leads.models import Lead
    from app.crm.leads.services import convert_lead

    form_id = make_form(app, tenant_a)
    fill_and_send(
        host_client(app, tenant_a.base_url),
        form_id,
        {"name": "Grace Hopper", "email": "grace@example.com"},
        query="?utm_source=google&utm_medium=cpc&utm_campaign=winter-offer",
    )
    with in_tenant(app, tenant_a.id):
        lead = db.session.scalar(select(Lead))
        deal_id = convert_lead(lead, actor=owner_of(tenant_a), create_deal=True).deal.id
    win(app, tenant_a, deal_id)
    page = client_for(tenant_a).get(f"/deals/{deal_id}").get_data(as_text=True)
    assert 'data-testid="attribution"' in page
    assert 'data-testid="first-campaign">winter-offer<' in page


def test_a_won_deal_creates_a_follow_up_task_for_its_owner(app, tenant_a):
    from app.crm.tasks.models import Task

    workflow_id = make_workflow(
        app,
        tenant_a,
        trigger={"type": "event", "event": "deal.won"},
        steps=[
            {
                "type": "create_task",
                "params": {"title": "Send the welcome pack", "due_in_days": "3", "assignee": "owner_of_record"},
            }
        ],
    )
    deal_id = make_deal(app, tenant_a, owner_id=str(tenant_a.users["sales"]))
    win(app, tenant_a, deal_id)
    dispatch_events(app, tenant_a)
    [run] = runs_of(app, tenant_a, workflow_id)
    assert run.status == RunStatus.SUCCEEDED, run.error
    with in_tenant(app, tenant_a.id):
        task = db.session.scalar(select(Task))
        assert (task.title, task.related_id, task.owner_id) == (
            "Send the welcome pack",
            deal_id,
            tenant_a.users["sales"],
        )


def test_a_step_moves_a_new_deal_to_a_stage(app, tenant_a):
    from app.crm.deals.models import Deal

    with in_tenant(app, tenant_a.id):
        stage = stage_of_kind("open")
        later = db.session.scalars(
            select(type(stage)).where(type(stage).pipeline_id == stage.pipeline_id).order_by(type(stage).position)
        ).all()[1]
        target_id = later.id
    make_workflow(
        app,
        tenant_a,
        trigger={"type": "record_created", "record_type": "deal"},
        steps=[{"type": "move_deal_stage", "params": {"stage_id": str(target_id)}}],
    )
    deal_id = make_deal(app, tenant_a)
    dispatch_events(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        assert db.session.get(Deal, (tenant_a.id, deal_id)).stage_id == target_id


def _emailing_new_contacts(app, tenant):
    """A template, and a workflow that e-mails it to every contact made: (template, workflow)."""
    from tests.crm.messaging.helpers import make_template

    template_id = make_template(app, tenant)
    workflow_id = make_workflow(
        app,
        tenant,
        trigger={"type": "record_created", "record_type": "contact"},
        steps=[{"type": "send_email", "params": {"template_id": str(template_id)}}],
    )
    return template_id, workflow_id


def test_an_email_step_sends_the_template_only_with_consent(app, tenant_a):
    from app.crm.messaging.models import Message
    from tests.crm.messaging.helpers import make_consenting_contact

    _, workflow_id = _emailing_new_contacts(app, tenant_a)
    make_consenting_contact(app, tenant_a, email="yes@example.com")
    make_consenting_contact(app, tenant_a, email="no@example.com", email_consent="withdrawn", first_name="Bo")
    dispatch_events(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        assert [message.to_address for message in db.session.scalars(select(Message))] == ["yes@example.com"]
    runs = runs_of(app, tenant_a, workflow_id)
    assert [run.status for run in runs] == [RunStatus.SUCCEEDED, RunStatus.SUCCEEDED]
    results = [step_logs(app, tenant_a, run.id)[0].result for run in runs]
    assert sum("skipped" in result for result in results) == 1


def test_an_opened_email_starts_a_workflow_on_its_contact(app, tenant_a):
    from app.crm.contacts.models import Contact
    from app.crm.messaging.models import Message, MessageStatus
    from app.crm.messaging.sending import advance, send_message
    from tests.crm.factories import make_tag
    from tests.crm.messaging.helpers import make_consenting_contact, make_template

    tag_id = make_tag(app, tenant_a, name="Engaged")
    template_id = make_template(app, tenant_a)
    contact_id = make_consenting_contact(app, tenant_a)
    workflow_id = make_workflow(
        app,
        tenant_a,
        trigger={"type": "event", "event": "email.opened"},
        steps=[{"type": "add_tag", "params": {"tag_id": str(tag_id)}}],
    )
    with in_tenant(app, tenant_a.id):
        message = send_message(
            {"channel": "email", "template_id": str(template_id), "contact_id": str(contact_id)},
            actor=owner_of(tenant_a),
        )
        message_id = message.id
    dispatch_events(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        advance(db.session.get(Message, (tenant_a.id, message_id)), MessageStatus.OPENED)
    dispatch_events(app, tenant_a)
    [run] = runs_of(app, tenant_a, workflow_id)
    assert (run.status, run.record_id, run.event_name) == (RunStatus.SUCCEEDED, contact_id, "email.opened")
    with in_tenant(app, tenant_a.id):
        assert [tag.name for tag in db.session.get(Contact, (tenant_a.id, contact_id)).tags] == ["Engaged"]


def test_an_email_step_whose_template_was_deleted_fails_saying_so(app, tenant_a, client_for):
    """It failed as "Send an email: unexpected error", its log reading "NotFound: 404 Not Found:
    The requested URL was not found on the server…"."""
    from app.crm.messaging.message_templates import delete_template
    from app.crm.messaging.models import MessageTemplate
    from tests.crm.messaging.helpers import make_consenting_contact

    template_id, workflow_id = _emailing_new_contacts(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        delete_template(db.session.get(MessageTemplate, (tenant_a.id, template_id)), actor=owner_of(tenant_a))
    make_consenting_contact(app, tenant_a, email="yes@example.com")
    dispatch_events(app, tenant_a)
    [run] = runs_of(app, tenant_a, workflow_id)
    assert (run.status, run.error) == (RunStatus.FAILED, "Send an email: The template no longer exists.")
    assert step_logs(app, tenant_a, run.id)[0].error == "The template no longer exists."
