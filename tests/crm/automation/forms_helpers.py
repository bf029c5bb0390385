"""Build web forms and send them as a visitor would (with the time trap honoured)."""

import re

import time_machine

from app.auth.models import User
from app.core.extensions import db
from app.core.types import utcnow
from app.crm.forms.services import create_form
from tests.conftest import in_tenant

LEAD_FIELDS = [
    {"label": "Name", "maps_to": "name", "type": "text", "required": True},
    {"label": "Email", "maps_to": "email", "type": "email", "required": True},
    {"label": "Company", "maps_to": "company_name", "type": "text"},
]
CONTACT_FIELDS = [
    {"label": "First name", "maps_to": "first_name", "type": "text", "required": True},
    {"label": "Email", "maps_to": "email", "type": "email", "required": True},
    {"label": "Phone", "maps_to": "phone", "type": "tel"},
]


def make_form(app, tenant, **data) -> str:
    spec = {"name": "Get a quote", "fields": LEAD_FIELDS, **data}
    with in_tenant(app, tenant.id):
        actor = db.session.get(User, (tenant.id, tenant.users["owner"]))
        return create_form(spec, actor=actor).id


def visit(client, form_id, query: str = "", **kwargs):
    return client.get(f"/f/{form_id}{query}", **kwargs)


def hidden_inputs(html: str) -> dict:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def fill_and_send(client, form_id, values: dict, *, query: str = "", wait_seconds: int = 10, headers=None):
    """Open the form `wait_seconds` ago (as a person would have), send it now with its hidden
    inputs and `values`."""
    with time_machine.travel(utcnow().timestamp() - wait_seconds, tick=True):
        page = visit(client, form_id, query)
    assert page.status_code == 200, page.status_code
    posted = {**hidden_inputs(page.get_data(as_text=True)), **values}
    return client.post(f"/f/{form_id}", data=posted, headers=headers or {})
