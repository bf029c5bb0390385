"""Forms written by hand (not by the record kit or the forms macros) link their errors to their
inputs too: public pages a visitor fills in, and the in-place forms of a record's page."""

import time_machine

from tests.accessibility import assert_errors_are_linked
from tests.conftest import csrf_token_from
from tests.crm.automation.forms_helpers import fill_and_send, make_form
from tests.crm.calendar.factories import make_booking_type
from tests.crm.calendar.test_booking import MORNINGS, NOW, _slug
from tests.crm.factories import make_contact


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
