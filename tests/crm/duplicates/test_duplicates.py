"""Duplicates: the warning on create (form and API), the scan's candidate pairs, dismissing,
and merging with every link moved to the survivor."""

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.core.extensions import db
from tests.conftest import csrf_token_from, in_tenant
from tests.crm.factories import make_company, make_contact, make_lead, make_tag
from tests.crm.imports.helpers import owner_of


def test_creating_a_look_alike_warns_with_a_link(app, tenant_a, client_for, api_client_for):
    company = make_company(app, tenant_a, name="Northwind")
    existing = make_contact(
        app, tenant_a, first_name="Ada", last_name="Lovelace", company_id=company, phones=[{"number": "+14155550100"}]
    )
    client = client_for(tenant_a)
    token = csrf_token_from(client.get("/contacts/new").get_data(as_text=True))
    created = client.post(
        "/contacts/new",
        data={
            "csrf_token": token,
            "first_name": "Ada",
            "last_name": "Lovelace",
            "company_id": str(company),
            "_keys": "emails",
        },
        follow_redirects=True,
    )
    body = created.get_data(as_text=True)
    assert "This may be a duplicate of" in body
    assert f"/contacts/{existing}" in body
    response = api_client_for(tenant_a).post(
        "/api/v1/contacts", json={"first_name": "Bob", "phones": [{"number": "+1 415 555 0100"}]}
    )
    assert response.status_code == 201
    assert response.headers["X-Possible-Duplicates"] == str(existing)
    unique = api_client_for(tenant_a).post("/api/v1/contacts", json={"first_name": "Someone", "last_name": "Else"})
    assert "X-Possible-Duplicates" not in unique.headers


def test_the_scan_finds_pairs_by_email_phone_and_name(app, tenant_a, tenant_b):
    from app.crm.duplicates.models import DuplicatePair
    from app.crm.duplicates.services import scan_for_duplicates

    company = make_company(app, tenant_a, name="Northwind")
    make_contact(app, tenant_a, first_name="Ada", last_name="Lovelace", company_id=company)
    make_contact(app, tenant_a, first_name="ada", last_name="lovelace", company_id=company)
    make_contact(app, tenant_a, first_name="P1", phones=[{"number": "+14155550100"}])
    make_contact(app, tenant_a, first_name="P2", phones=[{"number": "+14155550100"}])
    make_lead(app, tenant_a, name="Lead", email="same@example.test")
    make_lead(app, tenant_a, name="Lead two", email="same@example.test")
    make_company(app, tenant_a, name="Contoso")
    make_company(app, tenant_a, name="contoso")
    make_contact(app, tenant_b, first_name="Ada", last_name="Lovelace")
    with in_tenant(app, tenant_a.id):
        added = scan_for_duplicates()
        reasons = sorted(db.session.scalars(select(DuplicatePair.reason)))
        assert added == 4, reasons
        assert scan_for_duplicates() == 0  # known pairs are not added twice
    assert reasons == ["Same email", "Same name", "Same name at the same company", "Same phone"]
    with in_tenant(app, tenant_b.id):
        assert scan_for_duplicates() == 0


def test_merge_moves_every_link_and_keeps_the_picked_values(app, tenant_a, client_for):
    from app.crm.activities.models import Activity
    from app.crm.activities.services import log_activity
    from app.crm.contacts.models import Contact
    from app.crm.leads.models import Lead

    vip, hot = make_tag(app, tenant_a, name="VIP"), make_tag(app, tenant_a, name="Hot")
    keep = make_contact(
        app, tenant_a, first_name="Ada", title="", emails=[{"email": "ada@one.test"}], tag_ids=[str(vip)]
    )
    other = make_contact(
        app,
        tenant_a,
        first_name="Ada L.",
        title="CTO",
        emails=[{"email": "ada@two.test"}],
        tag_ids=[str(vip), str(hot)],
    )
    lead = make_lead(app, tenant_a, name="Converted")
    with in_tenant(app, tenant_a.id):
        log_activity({"type": "call", "contact_id": str(other), "body": "Called"}, actor=owner_of(tenant_a))
        db.session.get(Lead, (tenant_a.id, lead)).converted_contact_id = other
    client = client_for(tenant_a)
    page = client.get(f"/merge/contact?ids={keep}&ids={other}")
    assert page.status_code == 200
    token = csrf_token_from(page.get_data(as_text=True))
    merged = client.post(
        f"/merge/contact?ids={keep}&ids={other}",
        data={"csrf_token": token, "survivor": str(keep), "value.title": str(other), "value.first_name": str(keep)},
    )
    assert merged.status_code == 302
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(func.count(Contact.id))) == 1
        survivor = db.session.get(Contact, (tenant_a.id, keep))
        assert (survivor.first_name, survivor.title) == ("Ada", "CTO")
        assert sorted(email.email for email in survivor.emails) == ["ada@one.test", "ada@two.test"]
        assert sorted(tag.name for tag in survivor.tags) == ["Hot", "VIP"]
        assert db.session.scalar(select(Activity.record_id).where(Activity.type == "call")) == keep
        assert db.session.get(Lead, (tenant_a.id, lead)).converted_contact_id == keep
        merged_event = db.session.scalar(
            select(Activity).where(
                Activity.record_id == keep, Activity.details["action"].as_string() == "contact.merged"
            )
        )
        assert merged_event is not None
    timeline = client.get(f"/contacts/{keep}").get_data(as_text=True)
    assert "Merged Ada L." in timeline


def test_the_merge_page_shows_each_contacts_emails_and_phones_as_all_kept(app, tenant_a, client_for):
    keep = make_contact(
        app, tenant_a, first_name="Ada", emails=[{"email": "ada@one.test"}], phones=[{"number": "+14155550101"}]
    )
    other = make_contact(
        app, tenant_a, first_name="Ada", emails=[{"email": "ada@two.test"}], phones=[{"number": "+14155550102"}]
    )
    page = client_for(tenant_a).get(f"/merge/contact?ids={keep}&ids={other}").get_data(as_text=True)
    emails = page.split('data-testid="merge-list-emails"', 1)[1].split("</tr>", 1)[0]
    phones = page.split('data-testid="merge-list-phones"', 1)[1].split("</tr>", 1)[0]
    assert "ada@one.test" in emails
    assert "ada@two.test" in emails
    assert "All kept" in emails
    assert "415-555-0101" in phones
    assert "415-555-0102" in phones
    assert "All kept" in phones
    assert 'name="value.emails"' not in page  # united, not picked


def test_the_merge_page_says_which_emails_are_kept_past_the_limit(app, tenant_a, client_for):
    from app.crm.contacts.models import Contact

    keep = make_contact(app, tenant_a, emails=[{"email": f"keep{number}@one.test"} for number in range(6)])
    other = make_contact(app, tenant_a, emails=[{"email": f"other{number}@two.test"} for number in range(6)])
    client = client_for(tenant_a)
    page = client.get(f"/merge/contact?ids={keep}&ids={other}").get_data(as_text=True)
    emails = page.split('data-testid="merge-list-emails"', 1)[1].split("</tr>", 1)[0]
    assert "The first 10 of 12 kept" in emails
    client.post(
        f"/merge/contact?ids={keep}&ids={other}",
        data={"csrf_token": csrf_token_from(page), "survivor": str(keep)},
    )
    with in_tenant(app, tenant_a.id):
        assert len(db.session.get(Contact, (tenant_a.id, keep)).emails) == 10


def test_dismissed_pairs_leave_the_list_and_only_managers_merge(app, tenant_a, client_for):
    from tests.crm.duplicates.factories import make_pair

    pair = make_pair(app, tenant_a)
    sales = client_for(tenant_a, "sales")
    listing = sales.get("/duplicates").get_data(as_text=True)
    assert 'data-testid="duplicate-pair"' in listing
    assert 'data-testid="merge-pair"' not in listing  # sales may not delete contacts
    assert sales.get("/merge/contact?ids=a&ids=b").status_code == 403
    token = csrf_token_from(listing)
    sales.post(f"/duplicates/{pair}/dismiss", data={"csrf_token": token})
    assert 'data-testid="duplicate-pair"' not in sales.get("/duplicates").get_data(as_text=True)
    assert client_for(tenant_a, "viewer").get("/duplicates").status_code == 403


def test_merge_api(app, tenant_a, api_client_for):
    keep = make_company(app, tenant_a, name="Contoso", domain="contoso.test")
    other = make_company(app, tenant_a, name="Contoso Ltd", domain="contoso-ltd.test")
    contact = make_contact(app, tenant_a, first_name="Works", company_id=other)
    client = api_client_for(tenant_a)
    response = client.post(
        "/api/v1/duplicates/merge",
        json={
            "record_type": "company",
            "survivor_id": str(keep),
            "merged_ids": [str(other)],
            "values": {"domain": str(other)},
        },
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["domain"] == "contoso-ltd.test"
    assert client.get(f"/api/v1/contacts/{contact}").get_json()["company_id"] == str(keep)
    assert client.get(f"/api/v1/companies/{other}").status_code == 404
    bad = client.post(
        "/api/v1/duplicates/merge", json={"record_type": "company", "survivor_id": str(keep), "merged_ids": [str(keep)]}
    )
    assert bad.status_code == 422


def test_merge_keeps_deals_meetings_messages_and_form_submissions(app, tenant_a, client_for):
    """Rows that point at a contact with ON DELETE CASCADE (deal links, attendees, messages,
    conversations, consent history) and the loose links of web forms move to the survivor;
    where the survivor already has the same link, one copy is left."""
    from app.crm.calendar.models import MeetingAttendee
    from app.crm.deals.models import DealContact
    from app.crm.duplicates.merging import merge_records
    from app.crm.forms.attribution import touch_attribution
    from app.crm.forms.intake import receive_submission
    from app.crm.forms.models import FormSubmission, RecordAttribution, WebForm
    from app.crm.messaging.models import ConsentChange, Conversation, Message
    from app.records.registry import get_record_type
    from tests.crm.automation.forms_helpers import make_form
    from tests.crm.calendar.factories import make_meeting
    from tests.crm.factories import make_record

    keep = make_contact(app, tenant_a, first_name="Ada", emails=[{"email": "ada@one.test"}])
    other = make_contact(app, tenant_a, first_name="Ada L.", emails=[{"email": "ada@two.test"}])
    third = make_contact(app, tenant_a, first_name="A. Lovelace")
    own_deal = make_record(app, tenant_a, "deal", name="Engine", contacts=[{"contact_id": str(other), "primary": True}])
    shared_deal = make_record(
        app,
        tenant_a,
        "deal",
        name="Shared",
        contacts=[{"contact_id": str(keep)}, {"contact_id": str(other), "primary": True}, {"contact_id": str(third)}],
    )
    own_meeting = make_meeting(app, tenant_a, title="Demo", attendees=[{"contact_id": str(other)}])
    shared_meeting = make_meeting(
        app, tenant_a, title="Review", attendees=[{"contact_id": str(keep)}, {"contact_id": str(other)}]
    )
    form_id = make_form(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        conversation = Conversation(contact_id=other, phone="+14155550123")
        message = Message(channel="email", contact_id=other, to_address="ada@two.test", subject="Hello")
        db.session.add_all([conversation, message])
        db.session.add(
            ConsentChange(contact_id=other, channel="email", old_status="unknown", new_status="granted", source="form")
        )
        form = db.session.get(WebForm, (tenant_a.id, form_id))
        submission = receive_submission(form, {"email": "ada@two.test"}, ip_address="192.0.2.1", user_agent="test")
        submission.record_type, submission.record_id = "contact", other
        touch_attribution("contact", other, {"utm_source": "newsletter"})
        touch_attribution("contact", third, {"utm_source": "ads"})
        db.session.commit()
        conversation_id, message_id, submission_id = conversation.id, message.id, submission.id
        merge_records(get_record_type("contact"), keep, [other, third], actor=owner_of(tenant_a))
        db.session.commit()
    with in_tenant(app, tenant_a.id):
        links = db.session.execute(select(DealContact.deal_id, DealContact.contact_id, DealContact.is_primary)).all()
        # One link per deal is left, and the shared deal's primary (the merged contact) is now the survivor.
        assert sorted((str(deal), str(contact), primary) for deal, contact, primary in links) == sorted(
            [(str(own_deal), str(keep), True), (str(shared_deal), str(keep), True)]
        )
        attendees = db.session.execute(
            select(MeetingAttendee.meeting_id, MeetingAttendee.contact_id, MeetingAttendee.key).where(
                MeetingAttendee.contact_id.is_not(None)
            )
        ).all()
        assert sorted((str(meeting), str(contact), key) for meeting, contact, key in attendees) == sorted(
            [
                (str(own_meeting), str(keep), f"contact:{keep}"),
                (str(shared_meeting), str(keep), f"contact:{keep}"),
            ]
        )
        assert db.session.get(Conversation, (tenant_a.id, conversation_id)).contact_id == keep
        assert db.session.get(Message, (tenant_a.id, message_id)).contact_id == keep
        assert db.session.scalar(select(ConsentChange.contact_id)) == keep
        assert db.session.get(FormSubmission, (tenant_a.id, submission_id)).record_id == keep
        attribution = db.session.scalars(select(RecordAttribution)).all()
        assert [(row.record_id, row.touches) for row in attribution] == [(keep, 2)]
        assert attribution[0].first_touch == {"utm_source": "newsletter"}
        assert attribution[0].last_touch == {"utm_source": "ads"}
    page = client_for(tenant_a).get(f"/deals/{own_deal}").get_data(as_text=True)
    assert f"/contacts/{keep}" in page


def test_look_alikes_answers_a_batch_rule_by_rule_oldest_first(app, tenant_a, tenant_b, query_counter):
    from app.crm.contacts.models import Contact
    from app.crm.duplicates.detection import look_alikes
    from app.records.registry import get_record_type

    northwind = make_company(app, tenant_a, name="Northwind")
    first = make_contact(app, tenant_a, first_name="Ada", last_name="Lovelace", company_id=northwind)
    switchboard = [
        make_contact(app, tenant_a, first_name=f"Desk {index}", phones=[{"number": "+14155550100"}])
        for index in range(6)
    ]
    second = make_contact(app, tenant_a, first_name="Ada", last_name="Lovelace", company_id=northwind)
    lonely = make_contact(app, tenant_a, first_name="Grace", last_name="Hopper", phones=[{"number": "+14155550199"}])
    # Another workspace's look-alikes are never found.
    make_contact(app, tenant_b, first_name="Grace", last_name="Hopper", phones=[{"number": "+14155550199"}])
    with in_tenant(app, tenant_a.id):
        wanted = select(Contact).where(Contact.id.in_([second, lonely, switchboard[0]]))
        loaded = wanted.options(selectinload(Contact.emails), selectinload(Contact.phones))
        contacts = db.session.scalars(loaded).all()
        with query_counter() as counted:
            found = look_alikes(get_record_type("contact"), contacts, limit=2)
        # One statement for the phones' holders and one for their records, and the same for
        # names at a company (no e-mails to compare): not one per record.
        assert counted.count == 4, counted.statements
        titles = {
            record_id: [(other.first_name, reason) for other, reason in matches] for record_id, matches in found.items()
        }
        assert titles[second] == [("Ada", "Same name at the same company")]
        assert [other.id for other, _reason in found[second]] == [first]
        # The phone every desk shares: the two oldest other desks, not the record itself.
        assert titles[switchboard[0]] == [("Desk 1", "Same phone"), ("Desk 2", "Same phone")]
        assert titles[lonely] == []
        db.session.rollback()


def test_an_import_asks_for_look_alikes_once_per_batch(app, tenant_a, query_counter):
    from app.crm.duplicates import detection
    from tests.crm.imports.helpers import queue, run_job, upload

    make_contact(app, tenant_a, first_name="Ada", phones=[{"number": "+14155550100"}])
    rows = "".join(f"Person {index},+1 415 555 {index:04d}\n" for index in range(40))
    import_id = upload(app, tenant_a, f"First name,Phone\n{rows}".encode())
    queue(app, tenant_a, import_id)
    calls = []
    real = detection.look_alikes

    def counting(record_type, records, **options):
        calls.append(len(records))
        return real(record_type, records, **options)

    from app.crm.imports import services

    original = services.look_alikes
    services.look_alikes = counting
    try:
        result = run_job(app, tenant_a, import_id)
    finally:
        services.look_alikes = original
    assert result["created"] == 40
    assert calls == [40]


def test_deleting_a_record_takes_its_pairs_with_it(app, tenant_a, api_client_for):
    """Pairs hold no foreign keys: a deleted record's pair left the API listing a pair of a
    record that no longer exists (and the page an empty list)."""
    from app.crm.duplicates.services import scan_for_duplicates

    first = make_contact(app, tenant_a, first_name="P1", phones=[{"number": "+14155550100"}])
    make_contact(app, tenant_a, first_name="P2", phones=[{"number": "+14155550100"}])
    with in_tenant(app, tenant_a.id):
        assert scan_for_duplicates() == 1
    client = api_client_for(tenant_a)
    assert len(client.get("/api/v1/duplicates").get_json()["items"]) == 1
    assert client.delete(f"/api/v1/contacts/{first}").status_code == 204
    assert client.get("/api/v1/duplicates").get_json()["items"] == []


def test_a_refused_merge_keeps_the_users_picks(app, tenant_a, client_for):
    """After a refusal the page came back with the first record and its values picked again,
    losing every choice the user had made."""
    import re
    import uuid

    first = make_contact(app, tenant_a, first_name="Ada", title="")
    second = make_contact(app, tenant_a, first_name="Ada L.", title="CTO")
    client = client_for(tenant_a)
    path = f"/merge/contact?ids={first}&ids={second}"
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    refused = client.post(
        path,
        data={
            "csrf_token": token,
            "survivor": str(second),
            "value.title": str(second),
            "value.first_name": str(first),
            "value.last_name": str(uuid.uuid4()),  # not one of them: the merge is refused
        },
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)

    def picked(name):
        return re.findall(rf'name="{re.escape(name)}" value="([^"]+)" checked', page)

    assert picked("survivor") == [str(second)]
    assert picked("value.first_name") == [str(first)]
    assert picked("value.title") == [str(second)]
    assert picked("value.last_name") == [str(second)]  # an unknown pick falls back to the kept record


def test_the_merge_page_keeps_a_value_only_the_duplicate_has(app, tenant_a, client_for):
    """The kept record's own values were picked even where it had none: merging a contact
    without a job title into one with it lost the title unless the user noticed."""
    import re

    first = make_contact(app, tenant_a, first_name="Ada", title="")
    second = make_contact(app, tenant_a, first_name="Ada", title="CTO")
    page = client_for(tenant_a).get(f"/merge/contact?ids={first}&ids={second}").get_data(as_text=True)

    def picked(name):
        return re.findall(rf'name="{re.escape(name)}" value="([^"]+)" checked', page)

    assert picked("survivor") == [str(first)]
    assert picked("value.first_name") == [str(first)]
    assert picked("value.title") == [str(second)]
