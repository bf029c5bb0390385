"""A contact form can also open a deal: set in the builder or the API, made through the deals
record type for the contact a submission creates or matches, with the form's attribution."""

import pytest
from sqlalchemy import select

from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.crm.contacts.models import Contact
from app.crm.deals.models import Deal
from app.crm.forms.attribution import get_attribution
from app.crm.forms.models import FormSubmission, SubmissionStatus, WebForm
from tests.conftest import host_client, in_tenant
from tests.crm.automation.forms_helpers import CONTACT_FIELDS, LEAD_FIELDS, fill_and_send, make_form
from tests.crm.conftest import seed_demo


def _stages(app, tenant) -> dict:
    from app.crm.deals.services.pipelines import default_pipeline

    with in_tenant(app, tenant.id):
        return {stage.name: str(stage.id) for stage in default_pipeline().stages}


def _deals(app, tenant) -> list[Deal]:
    with in_tenant(app, tenant.id):
        rows = list(db.session.scalars(select(Deal).order_by(Deal.created_at)))
        for deal in rows:
            deal.contact_ids = [link.contact_id for link in deal.contact_links]
            deal.stage_name = deal.stage.name
        db.session.expunge_all()
    return rows


def _quote_form(app, tenant, **deal):
    stages = _stages(app, tenant)
    return make_form(
        app,
        tenant,
        name="Request a quote",
        creates="contact",
        fields=CONTACT_FIELDS,
        deal={"stage_id": stages["Proposal"], "value": "1200", **deal},
    )


def test_a_submission_opens_a_deal_for_its_contact_with_the_forms_attribution(app, tenant_a, tenant_b):
    form_id = _quote_form(app, tenant_a)
    client = host_client(app, tenant_a.base_url)
    sent = fill_and_send(
        client, form_id, {"first_name": "Ada", "email": "ada@example.com"}, query="?utm_campaign=spring&utm_medium=cpc"
    )
    assert sent.status_code == 200
    [deal] = _deals(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        contact_id = db.session.scalar(select(Contact.id))
        submission = db.session.scalar(select(FormSubmission))
        assert (submission.status, submission.record_id) == (SubmissionStatus.ACCEPTED, contact_id)
        assert get_attribution(deal.id).first_touch["utm_campaign"] == "spring"
        assert get_attribution(deal.id).first_touch["form"] == "Request a quote"
    assert deal.contact_ids == [contact_id]
    assert (deal.stage_name, str(deal.value), deal.source) == ("Proposal", "1200.00", "paid_ads")
    assert deal.name == "Ada – Request a quote"
    assert _deals(app, tenant_b) == []


def test_a_matched_contact_gets_one_open_deal_not_one_per_submission(app, tenant_a):
    form_id = _quote_form(app, tenant_a)
    client = host_client(app, tenant_a.base_url)
    for _ in range(2):
        fill_and_send(client, form_id, {"first_name": "Ada", "email": "ada@example.com"})
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(db.func.count(Contact.id))) == 1
    assert len(_deals(app, tenant_a)) == 1


def test_without_room_for_a_deal_the_submission_waits_whole(app, tenant_a, set_tenant):
    form_id = _quote_form(app, tenant_a)
    set_tenant(tenant_a, limit_overrides={"deals": 0})
    fill_and_send(host_client(app, tenant_a.base_url), form_id, {"first_name": "Ada", "email": "ada@example.com"})
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(FormSubmission.status)) == SubmissionStatus.WAITLISTED
        assert db.session.scalar(select(Contact.id)) is None  # no contact without its deal
    set_tenant(tenant_a, limit_overrides={})
    with in_tenant(app, tenant_a.id):
        from app.crm.forms.intake import process_waitlist

        assert process_waitlist()["accepted"] == 1
    assert len(_deals(app, tenant_a)) == 1


@pytest.mark.parametrize(
    ("creates", "deal", "message"),
    [
        ("lead", {"stage_id": "Proposal"}, "Only a form that creates contacts"),
        ("contact", {"stage_id": "Closed won"}, "Choose an open stage"),
        ("contact", {"stage_id": "Proposal", "value": "-5"}, "at least 0"),
        ("contact", {"stage_id": "Proposal", "value": "1.500,50"}, "such as 1500 or 1,500.50"),
        ("contact", {"stage_id": "Proposal", "value": "1,5"}, "such as 1500 or 1,500.50"),
        ("contact", {"stage_id": "Proposal", "value": "12.345"}, "at most 2 decimals"),
        ("contact", {"pipeline_id": "00000000-0000-0000-0000-000000000000"}, "Choose the pipeline"),
        ("contact", {"stage": "Proposal"}, "Send {pipeline_id"),
    ],
)
def test_a_bad_deal_option_is_refused(app, tenant_a, creates, deal, message):
    stages = _stages(app, tenant_a)
    if "stage_id" in deal:
        deal = {**deal, "stage_id": stages[deal["stage_id"]]}
    fields = CONTACT_FIELDS if creates == "contact" else LEAD_FIELDS
    with pytest.raises(ValidationFailed) as refused:
        make_form(app, tenant_a, creates=creates, fields=fields, deal=deal)
    assert any(message in text for text in refused.value.details["deal"])


def test_the_builder_sets_shows_and_clears_the_deal_option(app, tenant_a, client_for):
    stages = _stages(app, tenant_a)
    client = client_for(tenant_a)
    assert b'id="deal-stage_id"' in client.get("/forms/new").data
    base = {
        "name": "Request a quote",
        "creates": "contact",
        "submit_label": "Send",
        "is_active": "y",
        "fields-0-label": "Email",
        "fields-0-maps_to": "email",
        "fields-0-type": "email",
        "fields-0-required": "y",
    }
    refused = client.post("/forms", data={**base, "creates": "lead", "deal-stage_id": stages["Proposal"]})
    assert refused.status_code == 422
    assert "Only a form that creates contacts" in refused.get_data(as_text=True)
    created = client.post("/forms", data={**base, "deal-stage_id": stages["Proposal"], "deal-value": "2,500"})
    assert created.status_code == 302
    form_id = created.headers["Location"].rsplit("/", 1)[1]
    with in_tenant(app, tenant_a.id):
        form = db.session.scalar(select(WebForm))
        assert form.deal["stage_id"] == stages["Proposal"]
        assert form.deal["value"] == "2500.00"
    shown = client.get(f"/forms/{form_id}").get_data(as_text=True)
    assert "and a deal in Proposal" in shown
    assert ", worth $2,500" in shown  # in the workspace's currency, not "worth 2500.00"
    edit = client.get(f"/forms/{form_id}/edit").get_data(as_text=True)
    assert f'<option value="{stages["Proposal"]}" selected>' in edit
    assert client.post(f"/forms/{form_id}/edit", data={**base, "deal-stage_id": ""}).status_code == 302
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(WebForm)).deal == {}


def test_the_api_reads_and_writes_the_deal_option(app, tenant_a, tenant_b, api_client_for):
    stages = _stages(app, tenant_a)
    api = api_client_for(tenant_a)
    created = api.post(
        "/api/v1/forms",
        json={
            "name": "Request a quote",
            "creates": "contact",
            "fields": CONTACT_FIELDS,
            "deal": {"stage_id": stages["Negotiation"], "value": 900},
        },
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["deal"]["stage_id"] == stages["Negotiation"]
    assert body["deal"]["value"] == "900.00"
    foreign_stage = _stages(app, tenant_b)["Proposal"]
    refused = api.patch(f"/api/v1/forms/{body['id']}", json={"deal": {"stage_id": foreign_stage}})
    assert refused.status_code == 422  # another workspace's stage is not found here
    cleared = api.patch(f"/api/v1/forms/{body['id']}", json={"deal": None})
    assert cleared.get_json()["deal"] == {}
    schema = api.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert "deal" in schema["WebForm"]["properties"]


def test_the_demo_has_a_workshop_form_that_opened_deals(app, make_tenant, monkeypatch):
    from app.crm.automations import demo
    from app.crm.automations.demo import seed_automation_demo
    from app.crm.deals.demo import seed_deals_demo

    monkeypatch.setattr(demo, "_webhook", lambda tenant, owner: None)  # it resolves a public host
    tenant = make_tenant("acme", roles=("owner", "sales"))
    with in_tenant(app, tenant.id):
        seed_demo(tenant.id, seed_deals_demo, seed_automation_demo)
        form = db.session.scalar(select(WebForm).where(WebForm.name == "Book a strategy workshop"))
        deals = list(db.session.scalars(select(Deal).where(Deal.name.like("% – Book a strategy workshop"))))
        assert form.deal["value"] == "4500.00"
        assert len(deals) == 2
        assert all(get_attribution(deal.id).first_touch["form"] == form.name for deal in deals)
