"""Forms written by hand (not by the record kit or the forms macros) link their errors to their
inputs too: public pages a visitor fills in, and the in-place forms of a record's page."""

import re

import time_machine

from tests.accessibility import assert_errors_are_linked
from tests.conftest import csrf_token_from
from tests.crm.automation.forms_helpers import fill_and_send, make_form
from tests.crm.calendar.factories import make_booking_type
from tests.crm.calendar.test_booking import EDITED, MORNINGS, NOW, _slug
from tests.crm.factories import make_contact
from tests.crm.messaging.test_inbox import _text_from_unknown
from tests.tenants.test_settings import SETTINGS
from tests.tenants.test_signup import GOOD


def test_a_refused_booking_links_its_errors(app, tenant_a, client_for):
    with time_machine.travel(NOW, tick=False):
        slug = _slug(app, tenant_a, make_booking_type(app, tenant_a, availability=MORNINGS, min_notice_minutes=0))
        response = client_for(tenant_a, None).post(
            f"/book/{slug}", data={"slot": "whenever", "name": "", "email": "nope"}
        )
    assert response.status_code == 422
    assert_errors_are_linked(response.get_data(as_text=True))


def test_a_refused_web_form_links_its_errors(app, tenant_a, client_for):
    form_id = make_form(app, tenant_a)
    response = fill_and_send(client_for(tenant_a, None), form_id, {"name": "", "email": "nope"})
    assert response.status_code == 422
    assert_errors_are_linked(response.get_data(as_text=True))


def test_a_records_quick_task_and_message_link_their_errors(app, tenant_a, client_for):
    contact_id = make_contact(app, tenant_a, emails=["ada@example.com"])
    client = client_for(tenant_a)
    token = csrf_token_from(client.get(f"/contacts/{contact_id}").get_data(as_text=True))
    headers = {"HX-Request": "true"}
    task = client.post(
        "/tasks/quick-add",
        data={"csrf_token": token, "title": "", "due_date": "soon", "related_id": str(contact_id)},
        headers=headers,
    )
    assert task.status_code == 422
    assert_errors_are_linked(task.get_data(as_text=True))
    message = client.post(
        f"/messages/send/contact/{contact_id}",
        data={"csrf_token": token, "channel": "email", "subject": "", "body": ""},
        headers=headers,
    )
    assert message.status_code == 422
    assert_errors_are_linked(message.get_data(as_text=True))


def test_the_sites_sign_in_and_sign_up_link_their_errors(apex_client):
    for response in (
        apex_client.post("/login", data={"address": "nowhere"}),
        apex_client.post("/signup", data={**GOOD, "slug": "Umbrella!"}),
    ):
        assert response.status_code == 422
        assert_errors_are_linked(response.get_data(as_text=True))


def test_settings_pages_written_by_hand_link_their_errors(app, tenant_a, client_for):
    client = client_for(tenant_a)
    booking_type_id = make_booking_type(app, tenant_a)
    for response in (
        client.post("/settings", data={**SETTINGS, "brand_color": "red"}),  # the workspace's colour
        client.post("/settings/tags", data={"name": "VIP", "color": "red"}),
        client.post(f"/calendar/booking-pages/{booking_type_id}/edit", data={**EDITED, "duration_minutes": "2"}),
        client.post("/segments/new", data={"record_type": "contact", "name": ""}),
        client.post("/notifications/settings", data={"mention": "carrier-pigeon"}),
    ):
        assert response.status_code == 422, response.request.path
        assert_errors_are_linked(response.get_data(as_text=True))


def test_a_deals_quota_and_an_inbox_numbers_contact_link_their_errors(app, tenant_a, client_for):
    client = client_for(tenant_a)
    page = client.get("/deals/quotas").get_data(as_text=True)
    quota = re.search(r'name="(quota-[^"]+)"', page).group(1)
    month = re.search(r'name="month" value="([^"]+)"', page)
    refused = client.post("/deals/quotas", data={"month": month.group(1) if month else "", quota: "lots"})
    assert refused.status_code == 422
    assert_errors_are_linked(refused.get_data(as_text=True))
    conversation_id = _text_from_unknown(app, tenant_a)
    refused = client.post(f"/inbox/{conversation_id}/owner", data={"contact_id": ""})
    assert refused.status_code == 422
    assert_errors_are_linked(refused.get_data(as_text=True))
