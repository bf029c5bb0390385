"""Personal data: the JSON export holds the record and its related rows; erasing empties it,
its activities and its history, deletes its files and leaves one audit row without the data."""

import json
from io import BytesIO

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
