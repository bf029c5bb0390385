"""Personal data: the JSON export holds the record and its related rows; erasing empties it,
its activities and its history, deletes its files and leaves one audit row without the data."""

import json
import re
from io import BytesIO

import pytest
from sqlalchemy import select

from app.core.extensions import db
from tests.conftest import csrf_token_from, in_tenant
from tests.crm.factories import make_contact, make_tag
from tests.crm.imports.helpers import owner_of


def _person(app, tenant):
    from werkzeug.datastructures import FileStorage

    from app.crm.activities.services import log_activity
    from app.crm.attachments.services import attach_file
    from app.crm.contacts.record import CONTACTS

    tag = make_tag(app, tenant, name="VIP")
    contact_id = make_contact(
        app,
        tenant,
        first_name="Ada",
        last_name="Lovelace",
        title="Countess",
        emails=[{"email": "ada@example.test"}],
        phones=[{"number": "+14155550100"}],
        tag_ids=[str(tag)],
        consent={"email": {"status": "granted", "source": "form"}},
    )
    with in_tenant(app, tenant.id):
        owner = owner_of(tenant)
        log_activity({"type": "call", "contact_id": str(contact_id), "body": "Talked about her engine"}, actor=owner)
        contact = db.session.get(CONTACTS.model, (tenant.id, contact_id))
        attach_file(
            CONTACTS,
            contact,
            FileStorage(BytesIO(b"%PDF-1.4 notes"), filename="notes.pdf"),
            actor=owner,
            max_megabytes=1,
        )
    return contact_id


def test_export_holds_the_record_and_its_related_rows(app, tenant_a, client_for):
    contact_id = _person(app, tenant_a)
    response = client_for(tenant_a).get(f"/privacy/contact/{contact_id}/data.json")
    assert response.status_code == 200
    data = json.loads(response.get_data())
    assert data["record"]["emails"] == [{"email": "ada@example.test", "primary": True}]
    assert [item["body"] for item in data["activities"] if item["type"] == "call"] == ["Talked about her engine"]
    assert data["files"][0]["filename"] == "notes.pdf"
    assert any(event["name"] == "contact.created" for event in data["events"])
    assert client_for(tenant_a, "sales").get(f"/privacy/contact/{contact_id}/data.json").status_code == 403


def test_erase_removes_personal_data_everywhere_but_keeps_an_audit_row(app, tenant_a, client_for):
    from app.core.audit import AuditEvent
    from app.core.events import DomainEvent
    from app.crm.activities.models import Activity
    from app.crm.attachments.models import Attachment
    from app.crm.contacts.models import Contact, ContactEmail

    contact_id = _person(app, tenant_a)
    client = client_for(tenant_a)
    page = client.get(f"/contacts/{contact_id}").get_data(as_text=True)
    assert 'data-testid="privacy-erase"' in page
    assert client_for(tenant_a, "sales").post(f"/privacy/contact/{contact_id}/erase").status_code == 403
    response = client.post(f"/privacy/contact/{contact_id}/erase", data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    with in_tenant(app, tenant_a.id):
        contact = db.session.get(Contact, (tenant_a.id, contact_id))
        assert (contact.first_name, contact.last_name, contact.title, contact.search_text) == ("", "", "", "")
        assert contact.tags == []
        assert contact.email_consent == "unknown"
        assert db.session.scalar(select(ContactEmail.id)) is None
        assert db.session.scalar(select(Attachment.id)) is None
        bodies = " ".join(db.session.scalars(select(Activity.body)))
        details = json.dumps([row.details for row in db.session.scalars(select(Activity))])
        payloads = json.dumps([row.payload for row in db.session.scalars(select(DomainEvent))])
        audits = list(db.session.scalars(select(AuditEvent).where(AuditEvent.target_id == contact_id)))
        audited = json.dumps([(audit.target_label, audit.details) for audit in audits])
        actions = [audit.action for audit in audits]
    for text in (bodies, details, payloads, audited):
        assert "Lovelace" not in text
        assert "ada@example.test" not in text
        assert "engine" not in text
    assert "personal_data.erased" in actions


def _kept_elsewhere(app, tenant, contact_id) -> str:
    """What other packages keep about Ada: a form submission and its attribution, an email and
    an SMS conversation, a workflow run's step log, a webhook delivery, and an import that
    updated her (its `before` snapshot holds "Lovelace"). Returns the import's id."""
    from app.core.ids import uuid7
    from app.crm.automations.models import Workflow, WorkflowRun, WorkflowStepLog
    from app.crm.forms.attribution import touch_attribution
    from app.crm.forms.intake import receive_submission
    from app.crm.forms.models import WebForm
    from app.crm.messaging.models import Conversation, Message
    from app.crm.webhooks.models import WebhookDelivery, WebhookSubscription
    from tests.crm.automation.forms_helpers import make_form
    from tests.crm.imports.helpers import queue, run_job, upload

    import_id = upload(app, tenant, b"First name,Last name,Title,Email\nAda,Byron,Countess,ada@example.test\n")
    queue(app, tenant, import_id, dedupe="update")
    assert run_job(app, tenant, import_id)["updated"] == 1
    form_id = make_form(app, tenant)
    with in_tenant(app, tenant.id):
        form = db.session.get(WebForm, (tenant.id, form_id))
        submission = receive_submission(
            form,
            {"email": "ada@example.test", "name": "Ada Lovelace"},
            ip_address="192.0.2.77",
            user_agent="Analytical Engine/1.0",
        )
        submission.record_type, submission.record_id = "contact", contact_id
        submission.data = {"name": "Ada Lovelace", "email": "ada@example.test"}
        touch_attribution("contact", contact_id, {"landing_page": "https://example.test/?who=lovelace"})
        db.session.add(
            Message(
                channel="email",
                contact_id=contact_id,
                to_address="ada@example.test",
                subject="About your engine",
                body_text="Dear Ada Lovelace",
            )
        )
        db.session.add(Conversation(contact_id=contact_id, phone="+14155550100", last_preview="Lovelace here"))
        workflow = Workflow(name="Welcome", secret="s" * 20)
        subscription = WebhookSubscription(name="Sync", url="https://hooks.example.test/in", secret="s" * 20)
        db.session.add_all([workflow, subscription])
        db.session.flush()
        run = WorkflowRun(workflow_id=workflow.id, record_type="contact", record_id=contact_id, record_label="Ada")
        db.session.add(run)
        db.session.flush()
        db.session.add(
            WorkflowStepLog(
                run_id=run.id,
                position=0,
                step_type="send_email",
                status="ok",
                input={"to": "ada@example.test"},
                result={"subject": "Welcome, Ada Lovelace"},
            )
        )
        db.session.add(
            WebhookDelivery(
                id=uuid7(),
                subscription_id=subscription.id,
                event_type="contact.updated",
                payload={
                    "type": "contact.updated",
                    "record_type": "contact",
                    "record_id": str(contact_id),
                    "summary": "Contact Ada Lovelace updated",
                    "record": {"last_name": "Lovelace", "emails": [{"email": "ada@example.test"}]},
                },
                response_body="ok Lovelace",
            )
        )
        db.session.commit()
    return import_id


def test_export_holds_what_other_packages_keep_about_the_person(app, tenant_a, client_for):
    contact_id = _person(app, tenant_a)
    _kept_elsewhere(app, tenant_a, contact_id)
    data = json.loads(client_for(tenant_a).get(f"/privacy/contact/{contact_id}/data.json").get_data())
    assert [item["ip_address"] for item in data["form_submissions"]] == ["192.0.2.77"]
    assert data["attribution"]["first_touch"]["landing_page"].endswith("lovelace")
    assert [item["to"] for item in data["messages"]] == ["ada@example.test"]
    assert [item["phone"] for item in data["conversations"]] == ["+14155550100"]
    assert data["workflow_runs"][0]["steps"][0]["input"] == {"to": "ada@example.test"}
    assert data["webhook_deliveries"][0]["payload"]["record"]["last_name"] == "Lovelace"
    assert data["import_rows"][0]["before"]["last_name"] == "Lovelace"


def test_erase_scrubs_what_other_packages_keep_and_a_revert_cannot_bring_it_back(app, tenant_a, client_for):
    from app.crm.automations.models import WorkflowRun, WorkflowStepLog
    from app.crm.contacts.models import Contact
    from app.crm.forms.models import FormSubmission, RecordAttribution
    from app.crm.imports.models import ImportRow
    from app.crm.imports.services import get_import, revert_import
    from app.crm.messaging.models import Conversation, Message
    from app.crm.webhooks.models import WebhookDelivery
    from tests.crm.imports.helpers import run_job

    contact_id = _person(app, tenant_a)
    import_id = _kept_elsewhere(app, tenant_a, contact_id)
    client = client_for(tenant_a)
    page = client.get(f"/contacts/{contact_id}").get_data(as_text=True)
    response = client.post(f"/privacy/contact/{contact_id}/erase", data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    with in_tenant(app, tenant_a.id):
        kept = json.dumps(
            [
                [
                    (row.email, row.ip_address, row.user_agent, row.data)
                    for row in db.session.scalars(select(FormSubmission))
                ],
                [(row.to_address, row.subject, row.body_text) for row in db.session.scalars(select(Message))],
                [(row.phone, row.last_preview) for row in db.session.scalars(select(Conversation))],
                [(row.record_label, row.error) for row in db.session.scalars(select(WorkflowRun))],
                [(row.input, row.result) for row in db.session.scalars(select(WorkflowStepLog))],
                [(row.payload, row.response_body) for row in db.session.scalars(select(WebhookDelivery))],
                [(row.before, row.cells) for row in db.session.scalars(select(ImportRow))],
            ]
        )
        assert db.session.scalar(select(RecordAttribution.id)) is None
        assert db.session.scalar(select(FormSubmission.status)) is not None  # the form's numbers hold
        assert db.session.scalar(select(WebhookDelivery.payload))["record_id"] == str(contact_id)
    for text in ("Lovelace", "ada@example.test", "192.0.2.77", "Analytical", "+14155550100", "engine"):
        assert text not in kept
    with in_tenant(app, tenant_a.id):
        revert_import(get_import(import_id), actor=owner_of(tenant_a))
    assert run_job(app, tenant_a, import_id)["status"] == "reverted"
    with in_tenant(app, tenant_a.id):
        contact = db.session.get(Contact, (tenant_a.id, contact_id))
        assert (contact.first_name, contact.last_name, contact.title) == ("", "", "")


def test_a_lead_exports_and_erases_through_the_hooks(app, tenant_a, client_for):
    from tests.crm.factories import make_record

    record_id = make_record(app, tenant_a, "lead")
    client = client_for(tenant_a)
    assert 'data-testid="privacy-panel"' in client.get(f"/leads/{record_id}").get_data(as_text=True)
    data = json.loads(client.get(f"/privacy/lead/{record_id}/data.json").get_data())
    assert data["form_submissions"] == []
    assert data["workflow_runs"] == []
    assert "messages" not in data  # only contacts have messages
    token = csrf_token_from(client.get("/contacts").get_data(as_text=True))
    assert client.post(f"/privacy/lead/{record_id}/erase", data={"csrf_token": token}).status_code == 302


@pytest.mark.parametrize(
    "type_name", ["company", "product", "deal", "meeting", "task", "quote", "invoice", "subscription"]
)
def test_records_that_are_not_about_a_person_offer_no_erasure(app, tenant_a, client_for, type_name):
    """Erasing an invoice, a quote or a deal would destroy business records: only a contact's
    or a lead's page offers the personal data tools, and the routes answer 404 for the rest."""
    from app.records.registry import get_record_type
    from tests.crm.factories import make_record

    record_id = make_record(app, tenant_a, type_name)
    client = client_for(tenant_a)
    plural = get_record_type(type_name).plural
    assert 'data-testid="privacy-panel"' not in client.get(f"/{plural}/{record_id}").get_data(as_text=True)
    assert client.get(f"/privacy/{type_name}/{record_id}/data.json").status_code == 404
    token = csrf_token_from(client.get("/contacts").get_data(as_text=True))
    assert client.post(f"/privacy/{type_name}/{record_id}/erase", data={"csrf_token": token}).status_code == 404


def test_an_erased_person_is_no_longer_offered_as_a_duplicate(app, tenant_a, client_for):
    """The pair stood for a shared e-mail the erasure removed: left, it listed the erased
    record as "Unnamed contact", to be merged."""
    from tests.crm.duplicates.factories import make_pair

    make_pair(app, tenant_a)
    client = client_for(tenant_a)
    listing = client.get("/duplicates").get_data(as_text=True)
    erased_id = re.search(r'href="/contacts/([0-9a-f-]+)"', listing).group(1)
    page = client.get(f"/contacts/{erased_id}").get_data(as_text=True)
    client.post(f"/privacy/contact/{erased_id}/erase", data={"csrf_token": csrf_token_from(page)})
    assert 'data-testid="duplicate-pair"' not in client.get("/duplicates").get_data(as_text=True)


def test_a_read_only_workspace_can_still_erase_a_persons_data(app, tenant_a, client_for, set_tenant):
    """A workspace suspended or behind on payment still owes a person the erasure they ask for:
    the Erase button was shown there and answered with the read-only error page."""
    from app.crm.contacts.models import Contact

    contact_id = _person(app, tenant_a)
    set_tenant(tenant_a, status="suspended")
    client = client_for(tenant_a)
    page = client.get(f"/contacts/{contact_id}").get_data(as_text=True)
    assert 'data-testid="privacy-erase"' in page
    response = client.post(f"/privacy/contact/{contact_id}/erase", data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    with in_tenant(app, tenant_a.id):
        assert db.session.get(Contact, (tenant_a.id, contact_id)).last_name == ""
    # Everything else stays refused.
    assert client.post(f"/contacts/{contact_id}/delete", data={"csrf_token": csrf_token_from(page)}).status_code == 403
