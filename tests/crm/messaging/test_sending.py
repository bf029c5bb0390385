"""One-to-one email and SMS from a record page: through the real SendGrid and Twilio clients,
with consent, the plan's meters and feature, quiet hours, and the timeline."""

import json
import re
from datetime import datetime
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select

from app.core.extensions import db
from tests.conftest import deliver_outbox, in_tenant
from tests.crm.conftest import timeline
from tests.crm.messaging.helpers import (
    make_consenting_contact,
    make_template,
    message_row,
    messages_of,
    sendgrid_at,
    twilio_at,
)


def _send(client, contact_id, **data):
    return client.post(f"/messages/send/contact/{contact_id}", data={"channel": "email", **data})


def test_email_from_a_template_goes_through_sendgrid_with_tracking_and_unsubscribe(
    app, tenant_a, client_for, httpserver
):
    contact_id = make_consenting_contact(app, tenant_a)
    template_id = make_template(app, tenant_a)
    with sendgrid_at(app, httpserver, message_id="sg-42"):
        response = _send(client_for(tenant_a), contact_id, template_id=str(template_id))
        assert response.status_code == 302
        assert httpserver.log == []  # the request only queues; the job runner calls SendGrid
        assert [m.status for m in messages_of(app, tenant_a)] == ["queued"]
        assert deliver_outbox(app)["sent"] == 1
    [(request_, _)] = httpserver.log
    body = json.loads(request_.data)
    personalization = body["personalizations"][0]
    assert personalization["to"][0]["email"] == "ada@example.com"
    assert body["subject"] == "Hello Ada"
    assert body["from"]["name"] == tenant_a.name
    unsubscribe = body["headers"]["List-Unsubscribe"]
    assert unsubscribe.startswith(f"<http://{tenant_a.host}/unsubscribe/")
    assert body["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = next(part["value"] for part in body["content"] if part["type"] == "text/html")
    assert "https://example.com/offer" not in html  # links go through the signed redirect
    assert f"http://{tenant_a.host}/t/c/" in html
    assert f"http://{tenant_a.host}/t/o/" in html
    [message] = messages_of(app, tenant_a)
    custom = body.get("custom_args") or personalization.get("custom_args")
    assert custom["message_id"] == str(message.id)
    assert custom["tenant_id"] == str(tenant_a.id)
    assert (message.status, message.provider_message_id) == ("sent", "sg-42")
    with in_tenant(app, tenant_a.id):
        [entry] = timeline(contact_id, system=False)
        assert (entry.type, entry.outcome, entry.subject) == ("email", "sent", "Hello Ada")


def test_no_consent_means_nothing_is_sent(app, tenant_a, client_for):
    contact_id = make_consenting_contact(app, tenant_a, email_consent="withdrawn")
    response = _send(client_for(tenant_a), contact_id, subject="Hi", body="Hello")
    assert response.status_code == 302
    assert messages_of(app, tenant_a) == []
    page = client_for(tenant_a).get(f"/contacts/{contact_id}?tab=messages")
    assert b"withdrew consent to email" in page.data


def test_consent_not_yet_recorded_leads_to_where_it_is_recorded(app, tenant_a, client_for):
    """An imported contact has no consent recorded: the Messages tab said "has not given consent
    to email" and nothing more, though the contact's form is where it is recorded."""
    contact_id = make_consenting_contact(app, tenant_a, email_consent="unknown")
    page = client_for(tenant_a).get(f"/contacts/{contact_id}?tab=messages").get_data(as_text=True)
    assert "has not given consent to email" in page
    assert f'href="/contacts/{contact_id}/edit#field-consent"' in page
    viewer = client_for(tenant_a, role="viewer").get(f"/contacts/{contact_id}?tab=messages").get_data(as_text=True)
    assert f"/contacts/{contact_id}/edit" not in viewer


def test_a_suppressed_address_gets_nothing(app, tenant_a, client_for):
    from app.crm.messaging.consent import suppress

    contact_id = make_consenting_contact(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        suppress("email", "ADA@example.com", "bounce")
    _send(client_for(tenant_a), contact_id, subject="Hi", body="Hello")
    assert messages_of(app, tenant_a) == []


def test_the_monthly_email_meter_refuses_the_send_over_the_limit(app, tenant_a, client_for, set_tenant):
    set_tenant(tenant_a, limit_overrides={"emails_per_month": 1})
    contact_id = make_consenting_contact(app, tenant_a)
    client = client_for(tenant_a)
    assert _send(client, contact_id, subject="One", body="Hello").status_code == 302
    refused = _send(client, contact_id, subject="Two", body="Hello")
    assert refused.status_code == 402
    assert [m.subject for m in messages_of(app, tenant_a)] == ["One"]
    plan_page = client.get("/settings/plan").get_data(as_text=True)
    assert "Emails per month" in plan_page
    assert "1 of 1 this month" in plan_page


def test_sms_goes_through_twilio_with_a_status_callback(app, tenant_a, client_for, httpserver):
    contact_id = make_consenting_contact(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        from app.crm.messaging.models import MessagingSettings

        db.session.add(MessagingSettings(quiet_hours_start=0, quiet_hours_end=0))  # no quiet hours
    with twilio_at(app, httpserver, sid="SM" + "7" * 32):
        response = _send(
            client_for(tenant_a), contact_id, channel="sms", body="Hi {{ contact.first_name }}, see you at 10"
        )
        assert httpserver.log == []  # the request only queues; the job runner calls Twilio
        assert deliver_outbox(app)["sent"] == 1
    assert response.status_code == 302
    [(request_, _)] = httpserver.log
    form = parse_qs(request_.get_data(as_text=True))
    assert form["To"] == ["+14155550123"]
    assert form["Body"] == ["Hi Ada, see you at 10"]
    assert form["StatusCallback"][0].startswith(f"http://{tenant_a.host}/webhooks/twilio/status")
    [message] = messages_of(app, tenant_a)
    assert (message.channel, message.status, message.provider_message_id) == ("sms", "sent", "SM" + "7" * 32)


def test_sms_needs_the_plan_feature(app, make_tenant, client_for):
    tenant = make_tenant("tiny", plan="free", roles=("owner", "sales"))
    contact_id = make_consenting_contact(app, tenant)
    response = _send(client_for(tenant), contact_id, channel="sms", body="Hello")
    assert response.status_code == 402
    assert messages_of(app, tenant) == []


def test_sms_in_quiet_hours_waits_for_their_end_in_the_contacts_time_zone(app, tenant_a):
    from app.crm.messaging.consent import quiet_hours_end
    from app.crm.messaging.models import MessagingSettings

    settings = MessagingSettings(quiet_hours_start=21, quiet_hours_end=8)
    # 05:00 UTC is 21:00 in San Francisco (a +1 415 number): quiet until 08:00 local = 16:00 UTC.
    resume = quiet_hours_end("+14155550123", settings, "UTC", datetime.fromisoformat("2026-12-02T05:00:00+00:00"))
    assert resume == datetime.fromisoformat("2026-12-02T16:00:00+00:00")
    # The same moment is 06:00 in Berlin: quiet until 08:00 local = 07:00 UTC.
    resume = quiet_hours_end("+4930123456", settings, "UTC", datetime.fromisoformat("2026-12-02T05:00:00+00:00"))
    assert resume == datetime.fromisoformat("2026-12-02T07:00:00+00:00")
    assert quiet_hours_end("+4930123456", settings, "UTC", datetime.fromisoformat("2026-12-02T12:00:00+00:00")) is None


def test_an_sms_queued_in_quiet_hours_is_not_sent_before_they_end(app, tenant_a, client_for, httpserver, time_machine):
    time_machine.move_to(datetime.fromisoformat("2026-12-02T06:00:00+00:00"))  # 22:00 in San Francisco
    contact_id = make_consenting_contact(app, tenant_a)
    with twilio_at(app, httpserver):
        _send(client_for(tenant_a), contact_id, channel="sms", body="Late hello")
    assert httpserver.log == []
    [message] = messages_of(app, tenant_a)
    assert message.status == "queued"
    assert message.send_after.isoformat().startswith("2026-12-02T16:00")


def test_personalization_is_sandboxed_and_falls_back(app, tenant_a):
    from app.crm.messaging.templating import render

    assert render("Hi {{ contact.first_name|default('there') }}!", {"contact": {}}) == "Hi there!"
    assert render("{{ contact.nickname.first }}", {"contact": {}}) == ""
    # The sandbox refuses attribute walks to Python internals (rendered as nothing).
    assert render("{{ ''.__class__.__mro__ }}", {}) == ""


def test_sms_segments_are_counted_like_carriers_do():
    from app.crm.messaging.templating import sms_segments

    assert sms_segments("a" * 160)["segments"] == 1
    assert sms_segments("a" * 161)["segments"] == 2
    assert sms_segments("€" * 80)["segments"] == 1  # extension characters count twice: 160
    assert sms_segments("😀" * 35)["encoding"] == "UCS-2"
    assert sms_segments("😀" * 35)["segments"] == 1  # 70 UTF-16 units
    assert sms_segments("😀" * 36)["segments"] == 2


@pytest.mark.parametrize(
    ("text", "segments", "per_segment"),
    [
        ("a" * 306, 2, 153),
        ("a" * 307, 3, 153),
        ("ж" * 70, 1, 70),
        ("ж" * 71, 2, 67),
        ("ж" * 134, 2, 67),
        ("ж" * 135, 3, 67),
    ],
)
def test_a_split_sms_takes_153_or_67_characters_a_part(text, segments, per_segment):
    from app.crm.messaging.templating import sms_segments

    counted = sms_segments(text)
    assert (counted["segments"], counted["per_segment"]) == (segments, per_segment)


def test_one_character_outside_gsm_7_makes_the_whole_text_ucs_2():
    from app.crm.messaging.templating import sms_segments

    assert sms_segments("a" * 159 + "é") == {"segments": 1, "characters": 160, "encoding": "GSM-7", "per_segment": 160}
    assert sms_segments("a" * 159 + "á") == {"segments": 3, "characters": 160, "encoding": "UCS-2", "per_segment": 67}


def test_the_lead_page_messages_the_contact_with_its_address(app, tenant_a, client_for):
    from tests.crm.factories import make_lead

    contact_id = make_consenting_contact(app, tenant_a)
    lead_id = make_lead(app, tenant_a, email="ada@example.com")
    client = client_for(tenant_a)
    response = client.post(
        f"/messages/send/lead/{lead_id}", data={"channel": "email", "subject": "Hi {{ lead.name }}", "body": "Hello"}
    )
    assert response.status_code == 302
    [message] = messages_of(app, tenant_a)
    assert message.contact_id == contact_id
    assert message.subject == "Hi Grace Hopper"
    with in_tenant(app, tenant_a.id):
        assert [a.type for a in timeline(lead_id, system=False)] == ["email"]


def test_a_viewer_sees_no_send_form_and_may_not_send(app, tenant_a, client_for):
    contact_id = make_consenting_contact(app, tenant_a)
    viewer = client_for(tenant_a, "viewer")
    page = viewer.get(f"/contacts/{contact_id}?tab=messages")
    assert page.status_code == 200
    assert b'data-testid="send-form"' not in page.data
    assert _send(viewer, contact_id, subject="Hi", body="x").status_code == 403


def test_a_read_only_workspace_shows_send_disabled_with_the_reason(app, make_tenant, set_tenant, client_for):
    """The Messages tab offered the whole composer in a suspended workspace; the HTMX post was
    refused with a 403 that swapped nothing, so the message stayed unsent and nothing said why."""
    tenant = make_tenant("frozensend")
    contact_id = make_consenting_contact(app, tenant)
    set_tenant(tenant, status="suspended", status_reason="Held for review")
    page = client_for(tenant).get(f"/contacts/{contact_id}?tab=messages").get_data(as_text=True)
    assert 'data-testid="send-form"' not in page
    assert 'data-testid="send-submit-disabled"' in page
    assert "suspended by Atrium" in page


def test_a_viewer_reads_a_template_without_inputs_or_a_save_button(app, tenant_a, client_for):
    template_id = make_template(app, tenant_a, subject="Spring offer")
    viewer = client_for(tenant_a, "viewer")
    page = viewer.get(f"/messaging/templates/{template_id}").get_data(as_text=True)
    assert 'data-testid="template-read-only"' in page
    assert "Spring offer" in page
    assert 'data-testid="template-form"' not in page
    assert 'data-testid="template-save"' not in page
    assert "<textarea" not in page
    assert viewer.post(f"/messaging/templates/{template_id}", data={"name": "Changed"}).status_code == 403


def test_an_admin_edits_a_template_in_its_form(app, tenant_a, client_for):
    template_id = make_template(app, tenant_a)
    page = client_for(tenant_a, "admin").get(f"/messaging/templates/{template_id}").get_data(as_text=True)
    assert 'data-testid="template-form"' in page
    assert 'data-testid="template-save"' in page
    assert 'data-testid="template-read-only"' not in page


def test_the_template_form_stars_what_it_needs_and_says_every_gap_at_once(app, tenant_a, client_for):
    """Only the name had its star, yet an email is refused without a subject or a text; and an
    empty name stopped the form before the service, so the other gaps showed one save later."""
    from tests.conftest import csrf_token_from

    client = client_for(tenant_a)
    page = client.get("/messaging/templates/new?channel=email").get_data(as_text=True)
    for name, label in (("name", "Name"), ("subject", "Subject"), ("text_body", "Text")):
        assert re.search(rf'for="{name}">{label} <span class="text-danger"', page), name
    token = csrf_token_from(page)
    empty = {"csrf_token": token, "name": "", "channel": "email", "subject": "", "text_body": ""}
    refused = client.post("/messaging/templates/new", data=empty)
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    for message in ("Name is required.", "Give the email a subject.", "Write the text of the message."):
        assert message in body
    template_id = make_template(app, tenant_a, name="Kept")
    emptied = client.post(f"/messaging/templates/{template_id}", data={**empty, "subject": "Hi", "text_body": "Hi"})
    assert emptied.status_code == 422
    assert "Name is required." in emptied.get_data(as_text=True)
    assert 'value="Kept"' not in emptied.get_data(as_text=True)  # the emptied name stays as typed
    assert ">Kept<" in client.get("/messaging/templates").get_data(as_text=True)


def test_consent_is_kept_for_the_channels_messages_go_out_on():
    """A contact's consent channels, the web form's consent boxes and messaging each spelled
    out "Email" and "SMS" on their own: a channel added to one would be missing from the others."""
    from app.crm.contacts.models import Consent
    from app.crm.forms.services import CONSENT_CHANNELS
    from app.crm.messaging.models import Channel

    assert Channel.LABELS is Consent.CHANNELS
    assert CONSENT_CHANNELS == {"": "No channel", **Channel.LABELS}


def test_consent_changes_are_ledgered_with_what_made_them(app, tenant_a, client_for):
    from app.crm.messaging.models import ConsentChange

    contact_id = make_consenting_contact(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        rows = db.session.scalars(select(ConsentChange).where(ConsentChange.contact_id == contact_id)).all()
        assert {(r.channel, r.old_status, r.new_status) for r in rows} == {
            ("email", "unknown", "granted"),
            ("sms", "unknown", "granted"),
        }
    page = client_for(tenant_a).get(f"/contacts/{contact_id}")
    assert b'data-testid="consent-ledger"' in page.data
    assert message_row  # imported for the other modules' use


def test_the_sender_identity_is_set_by_an_admin_and_used(app, tenant_a, client_for, httpserver):
    owner = client_for(tenant_a)
    bad = owner.post(
        "/settings/messaging", data={"from_email": "not an address", "quiet_hours_start": "21", "quiet_hours_end": "8"}
    )
    assert bad.status_code == 422
    saved = owner.post(
        "/settings/messaging",
        data={
            "from_name": "Alpha Team",
            "from_email": "hello@alpha.example",
            "reply_to": "team@alpha.example",
            "sms_number": "",
            "quiet_hours_start": "21",
            "quiet_hours_end": "8",
        },
    )
    assert saved.status_code == 302
    assert client_for(tenant_a, "sales").get("/settings/messaging").status_code == 403
    contact_id = make_consenting_contact(app, tenant_a)
    with sendgrid_at(app, httpserver):
        _send(owner, contact_id, subject="Hi", body="Hello")
        deliver_outbox(app)
    body = json.loads(httpserver.log[0][0].data)
    assert body["from"] == {"email": "hello@alpha.example", "name": "Alpha Team"}
    assert body["reply_to"] == {"email": "team@alpha.example"}


def test_the_deal_page_messages_its_primary_contact_with_the_deal_in_the_template(app, tenant_a, client_for):
    from tests.crm.factories import make_record

    contact_id = make_consenting_contact(app, tenant_a)
    deal_id = make_record(app, tenant_a, "deal", contacts=[{"contact_id": str(contact_id), "primary": True}])
    client = client_for(tenant_a)
    assert b'data-testid="send-form"' in client.get(f"/deals/{deal_id}?tab=messages").data
    response = client.post(
        f"/messages/send/deal/{deal_id}", data={"channel": "email", "subject": "About {{ deal.name }}", "body": "Hi"}
    )
    assert response.status_code == 302
    [message] = messages_of(app, tenant_a)
    assert message.contact_id == contact_id
    assert message.subject.startswith("About ")
    assert message.subject != "About "
    with in_tenant(app, tenant_a.id):
        assert [a.type for a in timeline(deal_id, system=False)] == ["email"]


def test_an_sms_on_the_record_page_shows_the_number_as_people_write_it(app, tenant_a, client_for):
    contact_id = make_consenting_contact(app, tenant_a)
    client = client_for(tenant_a)
    response = _send(client, contact_id, channel="sms", body="See you at 10")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "SMS to +1 415-555-0123 queued." in page
    log = page.split('data-testid="message-log"', 1)[1]
    assert "To +1 415-555-0123" in log
    assert "+14155550123" not in log


def test_a_suppressed_number_is_named_as_people_write_it(app, tenant_a, client_for):
    from app.crm.messaging.consent import suppress

    contact_id = make_consenting_contact(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        suppress("sms", "+14155550123", "stop")
    page = client_for(tenant_a).get(f"/contacts/{contact_id}?tab=messages").get_data(as_text=True)
    assert "+1 415-555-0123 is on the suppression list." in page
    settings = client_for(tenant_a).get("/settings/messaging").get_data(as_text=True)
    assert "+1 415-555-0123" in settings.split('data-testid="suppression-list"', 1)[1]


def test_a_refused_message_keeps_what_was_typed_and_says_why(app, tenant_a, client_for):
    contact_id = make_consenting_contact(app, tenant_a, email_consent="withdrawn")
    response = client_for(tenant_a).post(
        f"/messages/send/contact/{contact_id}",
        data={"channel": "email", "subject": "Our offer", "body": "Dear Ada,\nthe figures you asked for."},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    tab = response.get_data(as_text=True)
    assert "Ada Lovelace withdrew consent to email." in tab.split('data-testid="send-errors"', 1)[1]
    assert 'value="Our offer"' in tab
    assert ">Dear Ada,\nthe figures you asked for.</textarea>" in tab
    assert messages_of(app, tenant_a) == []


def test_an_sms_without_a_body_is_asked_for_again_on_its_channel(app, tenant_a, client_for):
    contact_id = make_consenting_contact(app, tenant_a)
    response = client_for(tenant_a).post(
        f"/messages/send/contact/{contact_id}", data={"channel": "sms", "body": " "}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    tab = response.get_data(as_text=True)
    assert '<option value="sms" selected>' in tab
    assert "Write the message or choose a template." in tab


def test_a_message_sent_in_place_shows_in_the_tab_with_where_it_went(app, tenant_a, client_for):
    contact_id = make_consenting_contact(app, tenant_a)
    response = client_for(tenant_a).post(
        f"/messages/send/contact/{contact_id}",
        data={"channel": "email", "subject": "Our offer", "body": "Hello"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    tab = response.get_data(as_text=True)
    assert "Email to ada@example.com queued." in tab
    assert "Our offer" in tab.split('data-testid="message-log"', 1)[1]
    assert 'value="Our offer"' not in tab


def test_an_sms_without_consent_says_so_in_words(app, tenant_a, client_for):
    contact_id = make_consenting_contact(app, tenant_a, sms_consent="unknown")
    page = client_for(tenant_a).get(f"/contacts/{contact_id}?tab=messages").get_data(as_text=True)
    assert "Ada Lovelace has not given consent to SMS." in page


def _settings_audit(app, tenant) -> list[dict]:
    from app.core.audit import AuditEvent

    with in_tenant(app, tenant.id):
        return list(
            db.session.scalars(
                select(AuditEvent.details)
                .where(AuditEvent.action == "messaging.settings_changed")
                .order_by(AuditEvent.created_at)
            )
        )


def test_the_audit_log_lists_only_the_messaging_settings_that_changed(app, tenant_a, client_for):
    """Every save listed all six settings as changed, and a save that changed nothing wrote a row."""
    owner = client_for(tenant_a)
    data = {
        "from_name": "Alpha Team",
        "from_email": "hello@alpha.example",
        "reply_to": "",
        "sms_number": "",
        "quiet_hours_start": "21",
        "quiet_hours_end": "8",
    }
    assert owner.post("/settings/messaging", data=data).status_code == 302
    assert owner.post("/settings/messaging", data=data).status_code == 302
    assert owner.post("/settings/messaging", data={**data, "quiet_hours_end": "7"}).status_code == 302
    assert [row["fields"] for row in _settings_audit(app, tenant_a)] == [
        ["from_email", "from_name"],
        ["quiet_hours_end"],
    ]


def test_a_plan_without_sms_says_nothing_of_sms_consent(app, make_tenant, client_for):
    """On Free (no SMS) the Messages tab still warned "has not given consent to SMS" under a
    form that offers no SMS."""
    tenant = make_tenant("nosms", plan="free", roles=("owner",))
    contact_id = make_consenting_contact(app, tenant, sms_consent="unknown")
    page = client_for(tenant).get(f"/contacts/{contact_id}?tab=messages").get_data(as_text=True)
    assert "consent to SMS" not in page
    assert "no phone number" not in page
