"""The timeline: system events with old/new values, logging in place with HTMX, filters."""

from sqlalchemy import select

from app.core.extensions import db
from app.crm.activities.models import Activity
from app.crm.activities.services import list_activities
from app.crm.contacts.services import get_contact
from tests.conftest import in_tenant
from tests.crm.conftest import timeline
from tests.crm.factories import make_contact, make_tag

HTMX = {"HX-Request": "true"}


def test_update_writes_each_changed_field_with_old_and_new(client_for, tenant_a, app):
    contact = make_contact(app, tenant_a, title="CTO")
    tag = make_tag(app, tenant_a, name="VIP")
    client = client_for(tenant_a)
    page = client.get(f"/contacts/{contact}/edit")
    assert page.status_code == 200
    client.post(
        f"/contacts/{contact}/edit",
        data={
            "first_name": "Ada",
            "last_name": "Byron",
            "title": "CEO",
            "lifecycle_stage": "customer",
            "owner_id": str(tenant_a.users["sales"]),
            "tag_ids": [str(tag)],
        },
    )
    with in_tenant(app, tenant_a.id):
        event = timeline(contact, system=True)[0]
        assert event.details["action"] == "contact.updated"
        changes = event.changes
        assert changes["last_name"] == {"old": "Lovelace", "new": "Byron"}
        assert changes["title"] == {"old": "CTO", "new": "CEO"}
        assert changes["owner"] == {"old": "Owner Person", "new": "Sales Person"}
        assert changes["tags"] == {"old": [], "new": ["VIP"]}
        assert "first_name" not in changes
    # The page names each change by its field's label, not by its stored name.
    rows = client.get(f"/contacts/{contact}").text.split('data-testid="changes"', 1)[1].split("</table>", 1)[0]
    for label in ("Last name", "Job title", "Lifecycle stage", "Owner", "Tags"):
        assert f'<td class="text-body-secondary">{label}</td>' in rows
    assert "last name</td>" not in rows


def test_entries_written_before_labels_were_kept_name_the_change_in_words():
    entry = Activity(details={"changes": {"custom_fields.shoe_size": {"old": 1, "new": 2}}})
    assert entry.change_label("custom_fields.shoe_size") == "Shoe size"
    labelled = Activity(details={"changes": {"title": {}}, "change_labels": {"title": "Job title"}})
    assert labelled.change_label("title") == "Job title"


def test_create_convert_and_delete_write_system_events(app, tenant_a, as_user):
    from app.crm.companies.services import create_company
    from app.crm.contacts.services import create_contact, delete_contact
    from app.crm.leads.services import convert_lead, create_lead

    with as_user(tenant_a) as owner:
        company = create_company({"name": "Northwind"}, actor=owner)
        contact = create_contact({"first_name": "Gone", "company_id": company.id}, actor=owner)
        lead = create_lead({"name": "Grace", "email": "grace@example.com"}, actor=owner)
        convert_lead(lead, actor=owner)
        delete_contact(contact, actor=owner)
        actions = [a.details["action"] for a in db.session.scalars(select(Activity).where(Activity.type == "system"))]
    for action in ("company.created", "contact.created", "lead.created", "lead.converted", "contact.deleted"):
        assert action in actions


def test_log_a_call_in_place_with_htmx(client_for, tenant_a, app):
    contact = make_contact(app, tenant_a)
    response = client_for(tenant_a).post(
        f"/timeline/contact/{contact}/activities",
        data={
            "type": "call",
            "body": "Talked budgets",
            "direction": "outbound",
            "outcome": "connected",
            "duration_minutes": "15",
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "activity-logged"
    assert 'data-testid="logged"' in response.get_data(as_text=True)
    with in_tenant(app, tenant_a.id):
        call = db.session.scalar(select(Activity).where(Activity.type == "call"))
        assert (call.duration_seconds, call.user_id, call.record_id) == (900, tenant_a.users["owner"], contact)


def test_an_activity_without_a_subject_is_named_after_its_record(app, tenant_a, as_user):
    from app.crm.activities.services import log_activity
    from app.crm.deals.services.deals import create_deal

    contact = make_contact(app, tenant_a)
    with as_user(tenant_a) as owner:
        deal = create_deal({"name": "Annual report"}, actor=owner)
        on_contact = log_activity({"type": "call", "record_id": str(contact)}, actor=owner)
        on_deal = log_activity({"type": "meeting", "record_id": str(deal.id)}, actor=owner)
        named = log_activity({"type": "meeting", "subject": "Kick-off", "record_id": str(deal.id)}, actor=owner)
        # One talks with a person, and about a deal.
        assert (on_contact.subject, on_deal.subject, named.subject) == (
            "Call with Ada Lovelace",
            "Meeting about Annual report",
            "Kick-off",
        )


def test_invalid_activity_comes_back_inline_with_422(client_for, tenant_a, app):
    contact = make_contact(app, tenant_a)
    response = client_for(tenant_a).post(
        f"/timeline/contact/{contact}/activities", data={"type": "note", "body": ""}, headers=HTMX
    )
    assert response.status_code == 422
    assert "Write the note." in response.get_data(as_text=True)


def test_the_log_form_says_which_outcome_goes_with_which_type(client_for, tenant_a, app):
    """One list held calls' and meetings' outcomes alike; a meeting logged as "Connected" was
    refused with "Choose a listed outcome." although it was listed right there."""
    contact = make_contact(app, tenant_a)
    client = client_for(tenant_a)
    page = client.get(f"/contacts/{contact}").get_data(as_text=True)
    assert ">Connected (call)<" in page
    assert ">Held (meeting)<" in page
    meeting = client.post(
        f"/timeline/contact/{contact}/activities", data={"type": "meeting", "outcome": "connected"}, headers=HTMX
    )
    assert meeting.status_code == 422
    assert "A meeting&#39;s outcome is Held, Rescheduled, No-show or Cancelled." in meeting.get_data(as_text=True)
    note = client.post(
        f"/timeline/contact/{contact}/activities",
        data={"type": "note", "body": "Likes sailing", "outcome": "held"},
        headers=HTMX,
    )
    assert note.status_code == 422
    assert "A note has no outcome: leave it at —." in note.get_data(as_text=True)


def test_timeline_filters_by_type_and_text(app, tenant_a, as_user):
    from app.crm.activities.services import log_activity

    contact_id = make_contact(app, tenant_a)
    with as_user(tenant_a) as owner:
        log_activity({"type": "note", "body": "Loves sailing", "contact_id": contact_id}, actor=owner)
        log_activity({"type": "call", "body": "Budget call", "contact_id": contact_id}, actor=owner)
    # A search reads what is committed (on PostgreSQL through the trigram index, another
    # connection): the next request's view, as a person searching sees it.
    with as_user(tenant_a):
        contact = get_contact(contact_id)
        assert [a.type for a in list_activities(subject=contact, types=["call"]).items] == ["call"]
        assert [a.body for a in list_activities(subject=contact, search="sailing").items] == ["Loves sailing"]
        assert len(list_activities(subject=contact).items) == 3  # + "Contact created"


def test_system_events_cannot_be_edited_or_deleted(client_for, tenant_a, app):
    contact = make_contact(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        event_id = timeline(contact, system=True)[0].id
    client = client_for(tenant_a)
    assert client.post(f"/activities/{event_id}/delete").status_code == 404
    assert client.get(f"/activities/{event_id}/edit").status_code == 404


def test_a_system_entry_without_a_user_names_the_workflow_or_form_that_made_it(app, tenant_a, client_for):
    """A lead a web form created, then a workflow assigned, said only "System" on its timeline."""
    from app.auth.actors import SystemActor
    from app.crm.leads.models import Lead
    from app.crm.leads.record import LEADS
    from app.records.services import create_record, update_record

    with in_tenant(app, tenant_a.id):
        form = SystemActor("Web form: Get a quote", {"leads.create", "leads.edit", "leads.view"})
        lead = create_record(LEADS, {"name": "Grace Hopper", "email": "grace@example.com"}, actor=form)
        workflow = SystemActor("Automation: Route quote requests", {"leads.edit", "leads.view"})
        update_record(LEADS, lead, {"owner_id": str(tenant_a.users["sales"])}, actor=workflow)
        db.session.commit()
        lead_id = db.session.scalar(select(Lead.id))
    html = client_for(tenant_a).get(f"/leads/{lead_id}").text
    assert "· Web form: Get a quote" in html
    assert "· Automation: Route quote requests" in html


def test_a_call_logged_at_the_calendars_edge_is_refused_in_words(client_for, api_client_for, tenant_a, app, set_tenant):
    """Year 1 east of UTC has no UTC time (how it is stored): a 422, not a server error."""
    set_tenant(tenant_a, timezone="Europe/Berlin")
    contact = make_contact(app, tenant_a)
    page = client_for(tenant_a).post(
        f"/timeline/contact/{contact}/activities",
        data={"type": "call", "occurred_at": "0001-01-01T00:00"},
        headers=HTMX,
    )
    assert page.status_code == 422
    assert "Use a date between the years 1 and 9999." in page.get_data(as_text=True)
    api = api_client_for(tenant_a)
    for when in ("0001-01-01T00:00:00+05:00", "9999-12-31T23:59:00-05:00"):
        refused = api.post("/api/v1/activities", json={"type": "call", "contact_id": str(contact), "occurred_at": when})
        assert refused.status_code == 422
        assert refused.get_json()["error"]["details"]["occurred_at"] == ["Use a date between the years 1 and 9999."]
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(Activity).where(Activity.type == "call")) is None


def test_a_note_is_edited_without_gaining_a_direction_it_never_showed(client_for, tenant_a, app, as_user):
    """The edit page shows a note only its subject, notes and time: the direction, outcome and
    minutes it does not send were once filled with the form's defaults ("outbound")."""
    from app.crm.activities.services import log_activity

    contact = make_contact(app, tenant_a)
    with as_user(tenant_a, "owner") as owner:
        note = log_activity({"type": "note", "body": "Prefers mornings", "record_id": str(contact)}, actor=owner).id
        db.session.commit()
    client = client_for(tenant_a)
    page = client.get(f"/activities/{note}/edit").get_data(as_text=True)
    for hidden in ('name="direction"', 'name="outcome"', 'name="duration_minutes"'):
        assert hidden not in page
    saved = client.post(f"/activities/{note}/edit", data={"subject": "", "body": "Prefers early mornings"})
    assert saved.status_code == 302
    with in_tenant(app, tenant_a.id):
        stored = db.session.get(Activity, (tenant_a.id, note))
        assert (stored.body, stored.direction, stored.outcome, stored.duration_seconds) == (
            "Prefers early mornings",
            "",
            "",
            None,
        )


def test_a_changed_date_reads_on_the_timeline_as_pages_write_dates(app, tenant_a, as_user, client_for):
    """Dates changed on a record read "2026-12-28 → 2027-01-11" on its timeline, beside pages
    that write "28 Dec 2026"; webhooks still get ISO."""
    from app.crm.deals.services.deals import create_deal, update_deal

    with as_user(tenant_a) as owner:
        deal = create_deal({"name": "Rebrand", "expected_close_date": "2026-12-28"}, actor=owner)
        update_deal(deal, {"expected_close_date": "2027-01-11"}, actor=owner)
        deal_id = deal.id
        db.session.commit()
    html = client_for(tenant_a).get(f"/deals/{deal_id}/tabs/timeline", headers=HTMX).get_data(as_text=True)
    assert "28 Dec 2026" in html
    assert "11 Jan 2027" in html
    assert "2027-01-11" not in html


def test_a_recorded_change_reads_in_words():
    from app.core.templating import change_text

    assert change_text(None) == change_text("") == change_text([]) == "—"
    assert change_text(["VIP", "Hot"]) == "VIP, Hot"
    assert change_text("2027-01-11") == "11 Jan 2027"
    assert change_text("2027-01-11 14:30") == "11 Jan 2027, 14:30"
    assert change_text("18,000.00") == "18,000.00"
    assert change_text("Call 2027-01-11 back") == "Call 2027-01-11 back"


def test_a_ticked_box_changes_from_no_to_yes_on_the_timeline(client_for, tenant_a, app, as_user):
    """A checkbox's change read "False → True", Python's words, where its page says No and Yes."""
    from app.crm.contacts.services import update_contact
    from app.crm.fields.services import create_field_definition

    contact = make_contact(app, tenant_a)
    with as_user(tenant_a) as owner:
        create_field_definition(
            {"object_type": "contact", "field_type": "checkbox", "label": "Member", "key": "member"}, actor=owner
        )
        update_contact(get_contact(contact), {"custom_fields": {"member": False}}, actor=owner)
        update_contact(get_contact(contact), {"custom_fields": {"member": True}}, actor=owner)
        db.session.commit()
    page = client_for(tenant_a).get(f"/contacts/{contact}").get_data(as_text=True)
    row = page.split(">Member</td>", 1)[1].split("</tr>", 1)[0]
    assert ">No</del>" in row
    assert "<td>Yes</td>" in row


def test_a_read_only_workspace_shows_log_activity_disabled_with_the_reason(app, make_tenant, set_tenant, client_for):
    """The server refuses the log form while the workspace is read-only (an HTMX 403 that left
    the typed notes on a page that said nothing), so the page offers no form to fill in."""
    tenant = make_tenant("frozenlog")
    contact = make_contact(app, tenant)
    set_tenant(tenant, status="suspended", status_reason="Held for review")
    page = client_for(tenant).get(f"/contacts/{contact}").get_data(as_text=True)
    assert 'data-testid="log-activity-form"' not in page
    assert 'data-testid="log-submit-disabled"' in page
    assert "suspended by Atrium" in page


def test_a_read_only_workspace_shows_an_activitys_edit_and_delete_disabled(
    app, make_tenant, set_tenant, client_for, as_user
):
    """A timeline entry's Edit led back with a warning and its Delete to the read-only error
    page; both are disabled now, their reason on hover."""
    from app.crm.activities.services import log_activity

    tenant = make_tenant("frozentimeline")
    contact = make_contact(app, tenant)
    with as_user(tenant, "owner") as owner:
        note = log_activity({"type": "note", "body": "Prefers mornings", "record_id": str(contact)}, actor=owner).id
        db.session.commit()
    set_tenant(tenant, status="suspended", status_reason="Held for review")
    page = client_for(tenant).get(f"/contacts/{contact}?tab=notes").get_data(as_text=True)
    assert "Prefers mornings" in page
    assert f"/activities/{note}/edit" not in page
    assert f"/activities/{note}/delete" not in page
    assert 'disabled title="The workspace is suspended by Atrium' in page
