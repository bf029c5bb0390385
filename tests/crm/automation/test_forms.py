"""Web forms: public submission creates or updates a lead or contact through the kit's
validator, spam defences, attribution carried to converted contacts, the waitlist over the
plan's limit, double opt-in, the builder and the API."""

import html
import re

import pytest
import time_machine
from sqlalchemy import select

from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.types import utcnow
from app.crm.contacts.models import Contact
from app.crm.forms import intake
from app.crm.forms.attribution import get_attribution
from app.crm.forms.models import FormSubmission, SubmissionStatus, WebForm
from app.crm.forms.services import create_form
from app.crm.leads.models import Lead
from app.messaging.models import OutboxMessage
from tests.conftest import host_client, in_tenant
from tests.crm.automation.forms_helpers import (
    CONTACT_FIELDS,
    LEAD_FIELDS,
    fill_and_send,
    hidden_inputs,
    make_form,
    visit,
)
from tests.crm.automation.workflow_helpers import owner_of


def public_client(app, tenant):
    return host_client(app, tenant.base_url)


def submissions(app, tenant) -> list[FormSubmission]:
    with in_tenant(app, tenant.id):
        rows = list(db.session.scalars(select(FormSubmission).order_by(FormSubmission.created_at)))
        db.session.expunge_all()
    return rows


def leads(app, tenant) -> list[Lead]:
    with in_tenant(app, tenant.id):
        rows = list(db.session.scalars(select(Lead).order_by(Lead.created_at)))
        db.session.expunge_all()
    return rows


def test_submission_creates_a_lead_with_its_attribution(app, tenant_a):
    form_id = make_form(app, tenant_a)
    client = public_client(app, tenant_a)
    query = "?utm_source=google&utm_medium=cpc&utm_campaign=spring-sale&gclid=abc123"
    response = fill_and_send(
        client,
        form_id,
        {"name": "Grace Hopper", "email": "Grace@Example.com", "company_name": "Navy"},
        query=query,
        headers={
            "User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile/15E148",
            "Referer": "https://news.example/",
        },
    )
    assert response.status_code == 200
    assert b"Thank you" in response.data
    [lead] = leads(app, tenant_a)
    assert (lead.name, lead.email, lead.company_name, lead.source) == (
        "Grace Hopper",
        "grace@example.com",
        "Navy",
        "paid_ads",
    )
    [submission] = submissions(app, tenant_a)
    assert submission.status == SubmissionStatus.ACCEPTED
    assert submission.record_id == lead.id
    assert submission.attribution["utm_campaign"] == "spring-sale"
    assert submission.attribution["gclid"] == "abc123"
    assert "utm_source=google" in submission.attribution["landing_page"]
    assert submission.device == "mobile"
    assert submission.ip_address == "127.0.0.1"
    with in_tenant(app, tenant_a.id):
        attribution = get_attribution(lead.id)
        assert attribution.first_touch["utm_campaign"] == "spring-sale"


def test_second_submission_updates_the_same_lead_and_moves_only_the_last_touch(app, tenant_a):
    form_id = make_form(app, tenant_a)
    client = public_client(app, tenant_a)
    fill_and_send(client, form_id, {"name": "Grace", "email": "grace@example.com"}, query="?utm_campaign=first")
    fill_and_send(
        client,
        form_id,
        {"name": "Grace", "email": "grace@example.com", "company_name": "Navy"},
        query="?utm_campaign=second",
    )
    [lead] = leads(app, tenant_a)
    assert lead.company_name == "Navy"
    with in_tenant(app, tenant_a.id):
        attribution = get_attribution(lead.id)
        assert (attribution.first_touch["utm_campaign"], attribution.last_touch["utm_campaign"]) == ("first", "second")
        assert attribution.touches == 2


def test_converted_contact_keeps_the_campaign_that_brought_the_lead(app, tenant_a, client_for):
    from app.auth.models import User
    from app.crm.leads.services import convert_lead

    form_id = make_form(app, tenant_a)
    fill_and_send(
        public_client(app, tenant_a),
        form_id,
        {"name": "Ada", "email": "ada@example.com"},
        query="?utm_source=newsletter&utm_campaign=autumn",
    )
    [lead] = leads(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        owner = db.session.get(User, (tenant_a.id, tenant_a.users["owner"]))
        contact = convert_lead(db.session.get(Lead, (tenant_a.id, lead.id)), actor=owner).contact
        contact_id = contact.id
    page = client_for(tenant_a).get(f"/contacts/{contact_id}")
    assert b'data-testid="attribution"' in page.data
    assert b"autumn" in page.data


def test_honeypot_and_too_fast_submissions_are_kept_as_spam_and_create_nothing(app, tenant_a):
    form_id = make_form(app, tenant_a)
    client = public_client(app, tenant_a)
    filled_trap = fill_and_send(
        client, form_id, {"name": "Bot", "email": "bot@example.com", "website_url": "http://spam"}
    )
    assert filled_trap.status_code == 200  # a bot learns nothing
    page = visit(client, form_id)
    too_fast = client.post(
        f"/f/{form_id}", data={**hidden_inputs(page.get_data(as_text=True)), "name": "Bot", "email": "b@example.com"}
    )
    assert too_fast.status_code == 200
    no_token = client.post(f"/f/{form_id}", data={"name": "Bot", "email": "c@example.com"})
    assert no_token.status_code == 200
    assert [item.status for item in submissions(app, tenant_a)] == [SubmissionStatus.SPAM] * 3
    assert leads(app, tenant_a) == []


def test_a_spam_submissions_page_says_why_and_shows_what_was_typed_not_the_traps(app, tenant_a, client_for):
    """A spam submission was kept as posted and its page listed the time-trap token ('Rendered
    eyJmb3Jt…'), the hidden trap field and the landing page among what was sent, with empty
    inputs, and never said why it was taken for spam."""
    form_id = make_form(app, tenant_a)
    client = public_client(app, tenant_a)
    fill_and_send(client, form_id, {"name": "Bot", "email": "", "website_url": "http://spam"})
    page = visit(client, form_id)
    client.post(f"/f/{form_id}", data={**hidden_inputs(page.get_data(as_text=True)), "name": "Quick"})
    trapped, too_fast = submissions(app, tenant_a)
    owner = client_for(tenant_a)
    html = owner.get(f"/forms/{form_id}/submissions/{trapped.id}").get_data(as_text=True)
    assert "Kept as spam, and nothing was made of it: a field that people do not see was filled in." in html
    sent = html.split('data-testid="submission-sent"', 1)[1].split("</dl>", 1)[0]
    assert "Bot" in sent
    assert "http://spam" not in sent
    assert "Rendered" not in sent
    assert "Landing page" not in sent
    assert "Email" not in sent  # left empty
    html = owner.get(f"/forms/{form_id}/submissions/{too_fast.id}").get_data(as_text=True)
    assert "it came within seconds of the page opening" in html


def test_a_submissions_filter_with_none_says_so_and_leads_back_to_all(app, tenant_a, client_for):
    """'Failed' with no failed submission read 'Submissions appear as soon as people send your
    forms.', as if none had ever come."""
    client = client_for(tenant_a)
    page = client.get("/forms/submissions?status=failed").get_data(as_text=True)
    assert "No submission of any form is “Failed” now." in page
    assert 'href="/forms/submissions">Show all submissions<' in page
    assert 'href="/forms/submissions?status=failed" aria-current="true"' in page
    assert "Submissions appear as soon as" in client.get("/forms/submissions").get_data(as_text=True)


def test_submissions_are_rate_limited_per_address(app, tenant_a, monkeypatch):
    monkeypatch.setitem(app.config, "FORM_SUBMISSIONS_PER_IP", "3 per minute")
    form_id = make_form(app, tenant_a)
    client = public_client(app, tenant_a)
    codes = [client.post(f"/f/{form_id}", data={"email": f"x{n}@example.com"}).status_code for n in range(5)]
    assert codes == [200, 200, 200, 429, 429]


def test_oversized_body_and_foreign_origin_are_refused(app, tenant_a):
    form_id = make_form(app, tenant_a, allowed_origins=["https://www.alpha-site.example"])
    client = public_client(app, tenant_a)
    assert client.post(f"/f/{form_id}", data={"name": "x" * 40_000}).status_code == 413
    evil = client.post(f"/f/{form_id}", data={"email": "a@example.com"}, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403
    allowed = fill_and_send(
        client, form_id, {"name": "A", "email": "a@example.com"}, headers={"Origin": "https://www.alpha-site.example"}
    )
    assert allowed.status_code == 200
    embed = visit(client, form_id, "?embed=1")
    assert "frame-ancestors 'self' https://www.alpha-site.example" in embed.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in visit(client, form_id).headers["Content-Security-Policy"]


def test_invalid_input_is_an_inline_error_and_nothing_is_stored(app, tenant_a):
    form_id = make_form(app, tenant_a)
    response = fill_and_send(public_client(app, tenant_a), form_id, {"name": "", "email": "not-an-address"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter a valid email address." in html
    assert "Name is required." in html
    assert submissions(app, tenant_a) == []


def test_over_the_contact_limit_submissions_wait_and_are_taken_in_after_an_upgrade(
    app, tenant_a, set_tenant, client_for
):
    form_id = make_form(app, tenant_a, creates="contact", fields=CONTACT_FIELDS)
    set_tenant(tenant_a, limit_overrides={"contacts": 0})
    client = public_client(app, tenant_a)
    response = fill_and_send(client, form_id, {"first_name": "Ada", "email": "ada@example.com"})
    assert response.status_code == 200  # the visitor is thanked; the agency sees the waitlist
    [submission] = submissions(app, tenant_a)
    assert submission.status == SubmissionStatus.WAITLISTED
    assert "plan" in submission.error
    owner = client_for(tenant_a)
    assert b"waits for room in your plan" in owner.get("/forms").data
    set_tenant(tenant_a, limit_overrides={})
    assert owner.post("/forms/waitlist").status_code == 302
    [submission] = submissions(app, tenant_a)
    assert submission.status == SubmissionStatus.ACCEPTED
    with in_tenant(app, tenant_a.id):
        contact = db.session.scalar(select(Contact))
        assert contact.primary_email == "ada@example.com"


def test_consent_wording_is_stored_and_recorded_on_the_contact(app, tenant_a):
    wording = "Yes, send me the monthly newsletter."
    form_id = make_form(
        app, tenant_a, creates="contact", fields=CONTACT_FIELDS, consents=[{"wording": wording, "channel": "email"}]
    )
    fill_and_send(
        public_client(app, tenant_a), form_id, {"first_name": "Ada", "email": "ada@example.com", "consent_0": "on"}
    )
    [submission] = submissions(app, tenant_a)
    assert submission.consents == [{"wording": wording, "channel": "email", "given": True}]
    with in_tenant(app, tenant_a.id):
        contact = db.session.scalar(select(Contact))
        assert contact.email_consent == "granted"
        assert contact.email_consent_source == "form"


def test_double_opt_in_creates_the_record_only_once_confirmed(app, tenant_a):
    form_id = make_form(app, tenant_a, double_opt_in=True)
    client = public_client(app, tenant_a)
    response = fill_and_send(client, form_id, {"name": "Ada", "email": "ada@example.com"})
    assert b"confirm" in response.data
    assert leads(app, tenant_a) == []
    with in_tenant(app, tenant_a.id):
        message = db.session.scalar(select(OutboxMessage))
        link = next(word for word in message.payload["text"].split() if "/confirm/" in word)
    assert client.get(link.split(tenant_a.host, 1)[1]).status_code == 200
    assert [lead.email for lead in leads(app, tenant_a)] == ["ada@example.com"]
    assert client.get(f"/f/{form_id}/confirm/forged-token").status_code == 404


def test_the_plan_counts_forms(app, make_tenant, client_for):
    free = make_tenant("freebie", plan="free", roles=("owner",))
    make_form(app, free)
    client = client_for(free)
    response = client.post(
        "/forms",
        data={
            "name": "Second",
            "creates": "lead",
            "submit_label": "Send",
            "fields-0-label": "Email",
            "fields-0-maps_to": "email",
            "fields-0-type": "email",
        },
    )
    assert response.status_code == 402


def test_builder_makes_a_form_and_refuses_one_without_email(app, tenant_a, client_for):
    client = client_for(tenant_a)
    assert client.get("/forms/new").status_code == 200
    base = {"name": "Demo request", "creates": "lead", "submit_label": "Book a demo", "is_active": "y"}
    refused = client.post("/forms", data={**base, "fields-0-label": "Name", "fields-0-maps_to": "name"})
    assert refused.status_code == 422
    assert b"Add an email field" in refused.data
    created = client.post(
        "/forms",
        data={
            **base,
            "fields-0-label": "Email",
            "fields-0-maps_to": "email",
            "fields-0-type": "email",
            "fields-0-required": "y",
            "fields-1-label": "Campaign",
            "fields-1-maps_to": "notes",
            "fields-1-type": "hidden",
            "fields-1-default": "Trade fair 2026",
        },
    )
    assert created.status_code == 302
    form_page = client.get(created.headers["Location"])
    assert b"Book a demo" not in form_page.data  # the button text shows on the public page
    form_id = created.headers["Location"].rsplit("/", 1)[1]
    public = visit(public_client(app, tenant_a), form_id)
    assert b"Book a demo" in public.data
    assert b"Trade fair" not in public.data  # a hidden field's value never goes to the browser


def test_a_refused_form_comes_back_with_its_rows_not_three_more_blank_ones(app, tenant_a, client_for):
    """A blank row still posts its input type ("text"): read as a row, each refused save gave
    the builder three more blank rows (6, then 9, then 12)."""
    client = client_for(tenant_a)
    data = {"name": "", "creates": "lead", "submit_label": "Send"}
    written = [("Name", "name", "text"), ("Email", "email", "email"), ("Company", "company_name", "text")]
    for index in range(6):
        label, maps_to, kind = written[index] if index < 3 else ("", "", "text")
        data |= {f"fields-{index}-label": label, f"fields-{index}-maps_to": maps_to, f"fields-{index}-type": kind}
    refused = client.post("/forms", data=data)
    assert refused.status_code == 422
    assert len(re.findall(r'name="fields-\d+-label"', refused.get_data(as_text=True))) == 6  # three and three blank


def test_a_hidden_value_its_record_would_refuse_is_refused_when_the_form_is_built(app, tenant_a, client_for):
    """A hidden field's value was stored as typed: a lead status "hot" the lead does not have
    saved the form, then failed every submission it received."""
    client = client_for(tenant_a)
    refused = client.post(
        "/forms",
        data={
            "name": "Fair leads",
            "creates": "lead",
            "submit_label": "Send",
            "fields-0-label": "Email",
            "fields-0-maps_to": "email",
            "fields-0-type": "email",
            "fields-1-label": "Budget",
            "fields-1-maps_to": "estimated_value",
            "fields-1-type": "hidden",
            "fields-1-default": "a lot",
        },
    )
    assert refused.status_code == 422
    assert "“Budget”: Enter a number such as 1500 or 1500.50." in html.unescape(refused.get_data(as_text=True))
    with in_tenant(app, tenant_a.id), pytest.raises(ValidationFailed) as refusal:
        create_form(
            {
                "name": "Fair leads",
                "fields": [*LEAD_FIELDS, {"label": "Stage", "maps_to": "status", "type": "hidden", "default": "hot"}],
            },
            actor=owner_of(tenant_a),
        )
    assert refusal.value.details["fields"][0].startswith("“Stage”: ")


def test_viewer_sees_forms_but_cannot_build(tenant_a, client_for):
    viewer = client_for(tenant_a, "viewer")
    assert viewer.get("/forms").status_code == 200
    assert b"New form" not in viewer.get("/forms").data
    assert viewer.get("/forms/new").status_code == 403


def test_api_lists_forms_and_submissions(app, tenant_a, api_client_for):
    form_id = make_form(app, tenant_a)
    fill_and_send(
        public_client(app, tenant_a), form_id, {"name": "Ada", "email": "ada@example.com"}, query="?utm_source=x"
    )
    api = api_client_for(tenant_a)
    assert [item["id"] for item in api.get("/api/v1/forms").get_json()["items"]] == [str(form_id)]
    page = api.get("/api/v1/forms/submissions?status=accepted").get_json()
    assert page["items"][0]["attribution"]["utm_source"] == "x"
    bad = api.post("/api/v1/forms", json={"name": "x", "fields": [{"label": "Nope", "maps_to": "password"}]})
    assert bad.status_code == 422


def test_submissions_list_runs_a_bounded_number_of_queries(app, tenant_a, client_for, query_counter):
    form_id = make_form(app, tenant_a)
    public = public_client(app, tenant_a)
    client = client_for(tenant_a)
    fill_and_send(public, form_id, {"name": "A", "email": "a@example.com"})
    client.get("/forms/submissions")  # the first request of a workspace fills caches (plan usage counters)
    with query_counter() as few:
        assert client.get("/forms/submissions").status_code == 200
    for n in range(6):
        fill_and_send(public, form_id, {"name": f"P{n}", "email": f"p{n}@example.com"})
    with query_counter() as many:
        assert client.get("/forms/submissions").status_code == 200
    assert many.count == few.count


def test_views_and_conversion_rate_are_counted(app, tenant_a, client_for):
    form_id = make_form(app, tenant_a)
    public = public_client(app, tenant_a)
    for _ in range(3):
        visit(public, form_id)
    fill_and_send(public, form_id, {"name": "A", "email": "a@example.com"})
    page = client_for(tenant_a).get(f"/forms/{form_id}").get_data(as_text=True)
    assert 'data-testid="views">4<' in page
    assert 'data-testid="conversion">25.0 %<' in page


def test_a_busy_forms_numbers_are_grouped_by_thousands(app, tenant_a, client_for):
    """A form seen 1234 times said "1234" on the forms list and on its page, where every other
    count of the app reads "1,234"."""
    form_id = make_form(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        intake.count(db.session.get(WebForm, (tenant_a.id, form_id)), views=1234, submissions=1001)
    client = client_for(tenant_a)
    page = client.get(f"/forms/{form_id}").get_data(as_text=True)
    assert 'data-testid="views">1,234<' in page
    assert 'data-testid="submissions">1,001<' in page
    listing = client.get("/forms").get_data(as_text=True)
    assert '<td class="text-end">1,234</td>' in listing
    assert '<td class="text-end">1,001</td>' in listing


def test_a_forms_submission_count_says_it_counts_thirty_days(app, tenant_a, client_for):
    """The page's "Submissions" counted the last thirty days, as the views and the conversion rate
    do, above a list of every submission ever sent: only the views said so, and the two disagreed."""
    from datetime import timedelta

    form_id = make_form(app, tenant_a)
    fill_and_send(public_client(app, tenant_a), form_id, {"name": "A", "email": "a@example.com"})
    with in_tenant(app, tenant_a.id):
        intake.count(
            db.session.get(WebForm, (tenant_a.id, form_id)), submissions=1, day=utcnow().date() - timedelta(days=40)
        )
    page = client_for(tenant_a).get(f"/forms/{form_id}").get_data(as_text=True)
    assert 'Submissions (30 days)</div><div class="fs-4" data-testid="submissions">1<' in page


def test_time_trap_token_of_another_form_does_not_pass(app, tenant_a):
    first, second = make_form(app, tenant_a), make_form(app, tenant_a, name="Other")
    client = public_client(app, tenant_a)
    token = hidden_inputs(visit(client, first).get_data(as_text=True))["_rendered"]
    with time_machine.travel(utcnow().timestamp() + 10, tick=False):
        client.post(f"/f/{second}", data={"_rendered": token, "name": "A", "email": "a@example.com"})
    assert [item.status for item in submissions(app, tenant_a)] == [SubmissionStatus.SPAM]


def test_automate_button_starts_a_workflow_for_the_form(app, tenant_a, client_for):
    form_id = make_form(app, tenant_a)
    client = client_for(tenant_a)
    assert f"/automations/new?form_id={form_id}".encode() in client.get(f"/forms/{form_id}").data
    page = client.get(f"/automations/new?form_id={form_id}").get_data(as_text=True)
    assert f'<option selected value="{form_id}">' in page or f'value="{form_id}" selected' in page


def test_the_hourly_job_takes_in_the_waitlist_once_there_is_room(app, tenant_a, set_tenant):
    from app.crm.forms.jobs import process_waitlists

    form_id = make_form(app, tenant_a, creates="contact", fields=CONTACT_FIELDS)
    set_tenant(tenant_a, limit_overrides={"contacts": 0})
    fill_and_send(public_client(app, tenant_a), form_id, {"first_name": "Ada", "email": "ada@example.com"})
    with app.app_context():
        process_waitlists()
    assert [item.status for item in submissions(app, tenant_a)] == [SubmissionStatus.WAITLISTED]
    set_tenant(tenant_a, limit_overrides={"contacts": 5})
    with app.app_context():
        process_waitlists()
    assert [item.status for item in submissions(app, tenant_a)] == [SubmissionStatus.ACCEPTED]


def test_a_read_only_workspace_keeps_its_waitlist_until_it_may_write_again(app, tenant_a, set_tenant):
    """A suspended workspace may not make contacts: its waitlist stays as it is (not marked failed,
    not a failure of the job every hour) and goes through once the workspace is active again."""
    from app.crm.forms.jobs import process_waitlists

    form_id = make_form(app, tenant_a, creates="contact", fields=CONTACT_FIELDS)
    set_tenant(tenant_a, limit_overrides={"contacts": 0})
    fill_and_send(public_client(app, tenant_a), form_id, {"first_name": "Ada", "email": "ada@example.com"})
    set_tenant(tenant_a, limit_overrides={"contacts": 5}, status="suspended")
    with app.app_context():
        assert process_waitlists()["failed"] == 0
    assert [item.status for item in submissions(app, tenant_a)] == [SubmissionStatus.WAITLISTED]
    set_tenant(tenant_a, status="active")
    with app.app_context():
        process_waitlists()
    assert [item.status for item in submissions(app, tenant_a)] == [SubmissionStatus.ACCEPTED]


@pytest.mark.parametrize("creates", ["lead", "contact"])
def test_an_unreadable_phone_number_is_asked_again_on_the_page_not_lost(app, tenant_a, creates):
    """The page thanked the visitor for "not-a-phone", then the record refused it: the
    submission was marked failed and the lead never reached the team."""
    fields = (
        CONTACT_FIELDS
        if creates == "contact"
        else [*LEAD_FIELDS, {"label": "Phone", "maps_to": "phone", "type": "tel"}]
    )
    form_id = make_form(app, tenant_a, creates=creates, fields=fields)
    name_key = "first_name" if creates == "contact" else "name"
    client = public_client(app, tenant_a)
    refused = fill_and_send(client, form_id, {name_key: "Zed", "email": "zed@example.org", "phone": "not-a-phone"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "is not a phone number we can read." in html.unescape(page)
    assert 'value="not-a-phone"' in page
    assert submissions(app, tenant_a) == []
    accepted = fill_and_send(client, form_id, {name_key: "Zed", "email": "zed@example.org", "phone": "+1 415 555 1024"})
    assert accepted.status_code in (200, 302)
    assert [row.status for row in submissions(app, tenant_a)] == [SubmissionStatus.ACCEPTED]


def test_a_value_the_record_would_refuse_is_asked_again_on_the_page_not_lost(app, tenant_a):
    """Only emails and phone numbers were checked on the page: "lots" for a budget thanked the
    visitor, then the lead refused it, so the submission failed and never reached the team."""
    fields = [*LEAD_FIELDS, {"label": "Budget", "maps_to": "estimated_value", "type": "text"}]
    form_id = make_form(app, tenant_a, fields=fields)
    client = public_client(app, tenant_a)
    refused = fill_and_send(client, form_id, {"name": "Zed", "email": "zed@example.org", "estimated_value": "lots"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Enter a number such as 1500 or 1500.50." in page
    assert 'value="lots"' in page
    assert submissions(app, tenant_a) == []
    accepted = fill_and_send(client, form_id, {"name": "Zed", "email": "zed@example.org", "estimated_value": "12,000"})
    assert accepted.status_code == 200
    assert [lead.estimated_value for lead in leads(app, tenant_a)] == [12000]


def test_a_visitor_who_corrects_the_page_at_once_is_not_taken_for_a_bot(app, tenant_a):
    """The page that asked again carried a new time-trap token, so a visitor who fixed the one
    field it pointed at and sent again within three seconds was stored as spam and thanked:
    the lead never reached the team."""
    form_id = make_form(app, tenant_a)
    client = public_client(app, tenant_a)
    refused = fill_and_send(client, form_id, {"name": "Zed", "email": "zed@example"})
    assert refused.status_code == 422
    corrected = {**hidden_inputs(refused.get_data(as_text=True)), "name": "Zed", "email": "zed@example.org"}
    assert client.post(f"/f/{form_id}", data=corrected).status_code == 200
    assert [row.status for row in submissions(app, tenant_a)] == [SubmissionStatus.ACCEPTED]
    assert [lead.email for lead in leads(app, tenant_a)] == ["zed@example.org"]


def test_a_submission_page_reads_in_the_forms_own_words(app, tenant_a, client_for, monkeypatch):
    """The page of a submission listed what was sent by stored keys ("name", "email"), where it
    came from as "utm_source", "landing_page", and a refused one as "Please correct the
    highlighted fields. phone: …" with no field to correct."""
    fields = [
        {"label": "Your name", "maps_to": "name", "type": "text", "required": True},
        {"label": "Work email", "maps_to": "email", "type": "email", "required": True},
        {"label": "Phone", "maps_to": "phone", "type": "tel"},
    ]
    form_id = make_form(app, tenant_a, fields=fields)

    def refuse(form, submission, actor):
        raise ValidationFailed(
            "Please correct the highlighted fields.", details={"phone": ["The number is on a blocklist."]}
        )

    monkeypatch.setattr(intake, "_upsert_record", refuse)
    values = {"name": "Zed", "email": "zed@example.org", "phone": "+1 415 555 1024"}
    fill_and_send(public_client(app, tenant_a), form_id, values, query="?utm_source=google&utm_campaign=spring")
    [submission] = submissions(app, tenant_a)
    assert submission.status == SubmissionStatus.FAILED
    page = client_for(tenant_a).get(f"/forms/{form_id}/submissions/{submission.id}").get_data(as_text=True)
    page = html.unescape(page)
    for label in ("Your name", "Work email", "UTM source", "UTM campaign", "Landing page"):
        assert f">{label}</dt>" in page
    for key in ("name", "email", "phone", "utm_source", "landing_page"):
        assert f">{key}</dt>" not in page
    assert "The lead was refused. Phone: The number is on a blocklist." in page
    assert "highlighted" not in page


def test_a_forms_days_are_the_workspaces_days(app, tenant_a, set_tenant):
    """In Pacific/Auckland, a submission at 01:30 on the 11th was counted on the 10th (the UTC
    day), and the chart's "today" ended a day early."""
    from datetime import UTC, date, datetime

    from app.crm.forms.services import form_stats

    set_tenant(tenant_a, timezone="Pacific/Auckland")
    form_id = make_form(app, tenant_a)
    at_night_there = datetime(2026, 3, 10, 12, 30, tzinfo=UTC)  # 01:30 on the 11th in Auckland
    with time_machine.travel(at_night_there, tick=False), in_tenant(app, tenant_a.id):
        web_form = db.session.get(WebForm, (tenant_a.id, form_id))
        intake.count(web_form, submissions=1)
        stats = form_stats(web_form)
    assert stats["labels"][-1] == date(2026, 3, 11).isoformat()
    assert stats["submissions"][-1] == 1


def test_a_new_workflow_starts_from_a_record_being_created_unless_a_form_is_named(app, tenant_a, client_for):
    """Without ?form_id= the page still chose "A web form is submitted": the empty id matched
    the "Any form" choice."""
    page = client_for(tenant_a).get("/automations/new").get_data(as_text=True)
    assert '<option selected value="form_submitted">' not in page
    assert 'data-visible-if="#trigger_type:form_submitted"' in page  # the form's own choice is there


@pytest.mark.parametrize(
    "origin",
    [
        "https://site.example;report-uri https://collector.example",
        "https://site.example *",
        "https://site.example:notaport",
        "https://site.example'",
    ],
)
def test_an_embedding_site_is_a_bare_origin_and_nothing_that_would_reach_the_policy(origin):
    """The sites go into the embed page's Content-Security-Policy header: a `;` would start a
    directive of its own, a space would add another source."""
    from app.crm.forms.services import check_origin

    assert check_origin(origin) is None
    assert check_origin("https://www.Site.example:8443") == "https://www.site.example:8443"
