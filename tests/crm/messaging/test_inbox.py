"""The SMS inbox: a conversation with a number no contact has names it once and offers to make
it a contact's (a new one, or one the team has), for those who may; then the team can reply."""

import re

import pytest
from sqlalchemy import select

from app.core.extensions import db
from tests.conftest import in_tenant
from tests.crm.conftest import timeline
from tests.crm.factories import make_contact
from tests.crm.messaging.helpers import make_consenting_contact, messages_of

NUMBER = "+14155550999"
SHOWN = "+1 415-555-0999"  # as people write it


def _text_from_unknown(app, tenant, body="Hi, is the offer still on?", sid="SMunknown1"):
    from app.crm.messaging.models import Conversation
    from app.crm.messaging.webhooks import receive_sms

    with in_tenant(app, tenant.id):
        receive_sms({"MessageSid": sid, "From": NUMBER, "To": "+14155550100", "Body": body})
        db.session.commit()
        return db.session.scalar(select(Conversation.id).where(Conversation.phone == NUMBER))


def _state(app, tenant, conversation_id):
    """(the conversation's contact id, the contact ids of its texts)."""
    from app.crm.messaging.models import Conversation, Message

    with in_tenant(app, tenant.id):
        conversation = db.session.get(Conversation, (tenant.id, conversation_id))
        texts = db.session.scalars(select(Message.contact_id).where(Message.from_address == NUMBER)).all()
        return conversation.contact_id, texts


def _header(html: str) -> str:
    return html.split("<h1", 1)[1].split('<div class="d-flex flex-wrap align-items-start', 1)[0]


def test_an_unknown_number_is_named_once_and_offered_a_contact(app, tenant_a, client_for):
    conversation_id = _text_from_unknown(app, tenant_a)
    html = client_for(tenant_a).get(f"/inbox/{conversation_id}").get_data(as_text=True)
    header = _header(html)
    assert header.count(SHOWN) == 1
    assert NUMBER not in header
    assert "Not in your contacts yet" in header
    assert f'action="/inbox/{conversation_id}/contact"' in html
    assert f'action="/inbox/{conversation_id}/owner"' in html
    assert 'data-testid="reply-form"' not in html
    assert SHOWN in client_for(tenant_a).get("/inbox").get_data(as_text=True)


def test_a_new_contact_for_the_number_takes_the_conversation_and_its_texts(app, tenant_a, client_for):
    conversation_id = _text_from_unknown(app, tenant_a)
    client = client_for(tenant_a, "sales")
    response = client.post(
        f"/inbox/{conversation_id}/contact",
        data={"first_name": "Grace", "last_name": "Hopper", "emails": "grace@example.com"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/inbox/{conversation_id}"
    contact_id, texts = _state(app, tenant_a, conversation_id)
    assert contact_id is not None
    assert texts == [contact_id]
    with in_tenant(app, tenant_a.id):
        from app.crm.contacts.models import Contact

        contact = db.session.get(Contact, (tenant_a.id, contact_id))
        assert (contact.full_name, contact.primary_email) == ("Grace Hopper", "grace@example.com")
        assert [(phone.number, phone.label) for phone in contact.phones] == [(NUMBER, "mobile")]
        assert [entry.body for entry in timeline(contact_id, system=False)] == ["Hi, is the offer still on?"]
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "Grace Hopper" in _header(page)
    assert 'data-testid="reply-form"' in page
    assert 'data-testid="unknown-number"' not in page


def test_a_refused_contact_is_asked_again_on_the_page(app, tenant_a, client_for):
    conversation_id = _text_from_unknown(app, tenant_a)
    response = client_for(tenant_a).post(f"/inbox/{conversation_id}/contact", data={"emails": "not an address"})
    assert response.status_code == 422
    assert "is-invalid" in response.get_data(as_text=True)
    assert _state(app, tenant_a, conversation_id) == (None, [None])


@pytest.mark.parametrize("has_the_number", [False, True])
def test_the_number_can_go_to_a_contact_the_team_has(app, tenant_a, client_for, has_the_number):
    conversation_id = _text_from_unknown(app, tenant_a)
    # The number may have been typed into the contact since the text came in.
    phones = [{"number": NUMBER, "label": "work"}] if has_the_number else [{"number": "+14155550111"}]
    contact_id = make_contact(app, tenant_a, phones=phones)
    response = client_for(tenant_a).post(f"/inbox/{conversation_id}/owner", data={"contact_id": str(contact_id)})
    assert response.status_code == 302
    assert _state(app, tenant_a, conversation_id) == (contact_id, [contact_id])
    with in_tenant(app, tenant_a.id):
        from app.crm.contacts.models import Contact

        numbers = [phone.number for phone in db.session.get(Contact, (tenant_a.id, contact_id)).phones]
    assert numbers == ([NUMBER] if has_the_number else ["+14155550111", NUMBER])


def test_another_tenants_contact_cannot_take_the_number(app, tenant_a, tenant_b, client_for):
    foreign = make_contact(app, tenant_b)
    conversation_id = _text_from_unknown(app, tenant_a)
    response = client_for(tenant_a).post(f"/inbox/{conversation_id}/owner", data={"contact_id": str(foreign)})
    assert response.status_code == 404
    assert _state(app, tenant_a, conversation_id) == (None, [None])


def test_no_contact_chosen_is_an_inline_error(app, tenant_a, client_for):
    conversation_id = _text_from_unknown(app, tenant_a)
    response = client_for(tenant_a).post(f"/inbox/{conversation_id}/owner", data={"contact_id": ""})
    assert response.status_code == 422
    assert "Choose a contact." in response.get_data(as_text=True)


def test_a_viewer_reads_the_conversation_but_cannot_give_the_number_a_contact(app, tenant_a, client_for):
    conversation_id = _text_from_unknown(app, tenant_a)
    viewer = client_for(tenant_a, "viewer")
    html = viewer.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "/contact" not in html.split('data-testid="unknown-number"', 1)[1]
    assert 'data-testid="number-owner-form"' not in html
    assert viewer.post(f"/inbox/{conversation_id}/contact", data={"first_name": "X"}).status_code == 403
    assert viewer.post(f"/inbox/{conversation_id}/owner", data={"contact_id": ""}).status_code == 403
    assert _state(app, tenant_a, conversation_id) == (None, [None])


def test_a_known_numbers_conversation_cannot_be_given_another_contact(app, tenant_a, client_for):
    conversation_id = _text_from_unknown(app, tenant_a)
    client = client_for(tenant_a)
    client.post(f"/inbox/{conversation_id}/contact", data={"first_name": "Grace"})
    again = client.post(f"/inbox/{conversation_id}/contact", data={"first_name": "Other"})
    assert again.status_code == 409


def test_the_inbox_entry_counts_unread_texts_until_they_are_read(app, tenant_a, tenant_b, client_for):
    conversation_id = _text_from_unknown(app, tenant_a)
    _text_from_unknown(app, tenant_a, body="Hello?", sid="SMunknown2")
    _text_from_unknown(app, tenant_b, sid="SMforeign1")
    client = client_for(tenant_a)
    page = client.get("/").get_data(as_text=True)
    # The count waits for the page to load (no query on every page).
    assert 'id="badge-messaging-unread_badge"' in page
    assert "inbox-changed from:body" in page
    badge = client.get("/inbox/unread-badge").get_data(as_text=True)
    assert 'data-testid="nav-badge"' in badge
    assert ">2<" in badge
    client.get(f"/inbox/{conversation_id}")
    assert "data-testid" not in client.get("/inbox/unread-badge").get_data(as_text=True)


def test_a_closed_conversation_can_be_opened_again(app, tenant_a, client_for):
    conversation_id = _text_from_unknown(app, tenant_a)
    client = client_for(tenant_a, "sales")
    assert client.post(f"/inbox/{conversation_id}/close").status_code == 302
    assert SHOWN not in client.get("/inbox").get_data(as_text=True)
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert f'action="/inbox/{conversation_id}/reopen"' in page
    assert f'action="/inbox/{conversation_id}/close"' not in page
    response = client.post(f"/inbox/{conversation_id}/reopen")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/inbox/{conversation_id}"
    assert SHOWN in client.get("/inbox").get_data(as_text=True)
    assert client_for(tenant_a, "viewer").post(f"/inbox/{conversation_id}/close").status_code == 403


def test_a_reply_goes_to_the_number_that_texted_not_the_contacts_first(app, tenant_a, client_for):
    conversation_id = _text_from_unknown(app, tenant_a)
    contact_id = make_consenting_contact(app, tenant_a, phone="+14155550111")
    client = client_for(tenant_a)
    client.post(f"/inbox/{conversation_id}/owner", data={"contact_id": str(contact_id)})
    assert client.post(f"/inbox/{conversation_id}", data={"body": "Yes, until Friday."}).status_code == 302
    [reply] = [message for message in messages_of(app, tenant_a) if message.direction == "outbound"]
    assert reply.to_address == NUMBER
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "Yes, until Friday." in page.split('data-testid="thread"', 1)[1]


def test_a_reply_in_a_closed_conversation_brings_it_back_to_the_inbox(app, tenant_a, client_for):
    conversation_id = _text_from_unknown(app, tenant_a)
    contact_id = make_consenting_contact(app, tenant_a, phone=NUMBER)
    client = client_for(tenant_a)
    client.post(f"/inbox/{conversation_id}/owner", data={"contact_id": str(contact_id)})
    client.post(f"/inbox/{conversation_id}/close")
    assert client.post(f"/inbox/{conversation_id}", data={"body": "Yes, until Friday."}).status_code == 302
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "Yes, until Friday." in inbox.split('data-testid="conversation-list"', 1)[1]


def test_the_api_closes_and_reopens_a_conversation_as_the_inbox_does(app, tenant_a, tenant_b, api_client_for):
    conversation_id = _text_from_unknown(app, tenant_a)
    api = api_client_for(tenant_a, role="sales")
    url = f"/api/v1/conversations/{conversation_id}"

    closed = api.post(f"{url}/close")
    assert closed.status_code == 200, closed.json
    assert closed.json["id"] == str(conversation_id)
    assert closed.json["is_open"] is False
    assert api.get("/api/v1/conversations").json["items"] == []  # gone from the inbox list
    reopened = api.post(f"{url}/reopen")
    assert reopened.status_code == 200
    assert reopened.json["is_open"] is True
    assert [item["id"] for item in api.get("/api/v1/conversations").json["items"]] == [str(conversation_id)]

    # The inbox's rules: a viewer, or a key without messages:write, reads but cannot close.
    for refused in (api_client_for(tenant_a, role="viewer"), api_client_for(tenant_a, scopes=["messages:read"])):
        assert refused.post(f"{url}/close").status_code == 403
    assert api_client_for(tenant_b).post(f"{url}/close").status_code == 404
    paths = api.get("/api/v1/openapi.json").json["paths"]
    assert "post" in paths["/api/v1/conversations/{conversation_id}/close"]
    assert "post" in paths["/api/v1/conversations/{conversation_id}/reopen"]


def test_an_api_reply_says_where_the_message_it_sent_lives(app, tenant_a, api_client_for):
    make_consenting_contact(app, tenant_a, phone=NUMBER)
    conversation_id = _text_from_unknown(app, tenant_a)  # known now: the conversation is hers
    api = api_client_for(tenant_a)
    replied = api.post(f"/api/v1/conversations/{conversation_id}/reply", json={"body": "Yes, until Friday."})
    assert replied.status_code == 201, replied.json
    assert replied.headers["Location"].endswith(f"/api/v1/messages/{replied.json['id']}")
    assert api.get(replied.headers["Location"]).json["body_text"] == "Yes, until Friday."


def test_a_screen_reader_hears_who_wrote_each_text(app, tenant_a, client_for):
    conversation_id = _text_from_unknown(app, tenant_a)
    contact_id = make_consenting_contact(app, tenant_a, phone="+14155550111", first_name="Grace", last_name="Hopper")
    client = client_for(tenant_a)
    client.post(f"/inbox/{conversation_id}/owner", data={"contact_id": str(contact_id)})
    client.post(f"/inbox/{conversation_id}", data={"body": "Yes, until Friday."})
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    thread = page.split('data-testid="thread"', 1)[1].split("</ol>", 1)[0]
    # Who wrote a text was shown only by its side and colour: each now says it in words.
    spoken = [re.sub(r"<[^>]+>|\s+", " ", item).split() for item in re.findall(r"<li\b.*?</li>", thread, re.S)]
    assert [" ".join(words[:4]) for words in spoken] == ["Grace Hopper wrote: Hi,", "Sent from here: Yes,"]


def test_a_campaigns_text_not_yet_written_is_named_not_an_empty_bubble(app, tenant_a, client_for):
    """A started SMS campaign's message waits with no text until its batch writes it from the
    template: the thread showed an empty bubble ('· Waiting') and the Messages tab a blank line."""
    from app.crm.messaging.campaigns.jobs import materialize_recipients
    from app.crm.messaging.campaigns.services import create_campaign, launch_campaign
    from app.crm.messaging.models import Conversation
    from app.crm.messaging.webhooks import receive_sms
    from tests.crm.factories import _owner, make_tag
    from tests.crm.messaging.helpers import make_template

    tag_id = make_tag(app, tenant_a, name="Texts")
    contact_id = make_consenting_contact(app, tenant_a, phone=NUMBER, tag_ids=[str(tag_id)])
    make_consenting_contact(app, tenant_a, email="b@example.com", phone=None, tag_ids=[str(tag_id)])
    template_id = make_template(app, tenant_a, name="Reminder", channel="sms", text_body="See you tomorrow")
    with in_tenant(app, tenant_a.id):
        receive_sms({"MessageSid": "SMwaits", "From": NUMBER, "To": "+14155550100", "Body": "Hello?"})
        campaign = create_campaign(
            {"name": "Texts", "template_id": str(template_id), "audience": f"tag:{tag_id}"}, actor=_owner(tenant_a)
        )
        launch_campaign(campaign, actor=_owner(tenant_a))
        materialize_recipients(campaign)  # its first batch: a row for each, written as each goes out
        db.session.commit()
        conversation_id = db.session.scalar(select(Conversation.id).where(Conversation.phone == NUMBER))
    client = client_for(tenant_a)
    thread = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    written = "A campaign&#39;s message, written from its template when it goes out."
    assert 'data-testid="sms-unwritten"' in thread
    assert written in thread
    tab = client.get(f"/contacts/{contact_id}?tab=messages").get_data(as_text=True)
    assert 'data-testid="message-unwritten"' in tab
    assert written in tab


def test_an_inbox_with_only_closed_conversations_says_so_and_shows_them(app, tenant_a, client_for):
    """With every conversation closed the inbox read 'No conversations — Replies to your SMS
    arrive here.', as if none had ever come."""
    conversation_id = _text_from_unknown(app, tenant_a)
    client = client_for(tenant_a)
    client.post(f"/inbox/{conversation_id}/close")
    page = client.get("/inbox").get_data(as_text=True)
    assert "No open conversations" in page
    assert 'href="/inbox?all=1">Show closed too<' in page
    assert SHOWN in client.get("/inbox?all=1").get_data(as_text=True)
