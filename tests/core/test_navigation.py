"""The top bar lights up the section a page belongs to, and only that one."""

import re

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.crm.messaging.models import Conversation
from app.crm.messaging.webhooks import receive_sms
from tests.conftest import in_tenant
from tests.crm.messaging.helpers import make_consenting_contact

ACTIVE = re.compile(
    r'class="(?:nav-link|dropdown-item|nav-link dropdown-toggle) active"[^>]*>(?:<i[^>]*></i>)?([^<]+)<'
)


def _active(client, path) -> list[str]:
    return [label.strip() for label in ACTIVE.findall(client.get(path).get_data(as_text=True))]


@pytest.mark.parametrize(
    ("path", "sections"),
    [
        ("/inbox", ["Inbox"]),
        ("/campaigns", ["Marketing", "Campaigns"]),
        ("/campaigns/new", ["Marketing", "Campaigns"]),
        ("/messaging/templates", []),  # a page of the settings menu
        ("/contacts", ["Contacts"]),
    ],
)
def test_pages_of_the_inbox_and_of_campaigns_light_up_only_their_own_section(app, tenant_a, client_for, path, sections):
    """The inbox and campaigns share a blueprint: each lit up the other too."""
    assert sorted(_active(client_for(tenant_a), path)) == sorted(sections)


def test_a_conversation_lights_up_the_inbox(app, tenant_a, client_for):
    make_consenting_contact(app, tenant_a, phone="+14155550123")
    with in_tenant(app, tenant_a.id):
        receive_sms({"MessageSid": "SMnav", "From": "+14155550123", "To": "+14155550100", "Body": "Hi"})
        db.session.commit()
        conversation_id = db.session.scalar(select(Conversation.id))
    assert _active(client_for(tenant_a), f"/inbox/{conversation_id}") == ["Inbox"]
