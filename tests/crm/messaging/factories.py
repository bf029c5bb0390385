"""Factories for messaging's id routes in the generated cross-tenant test."""

import uuid

from app.core.extensions import db
from tests.conftest import in_tenant
from tests.crm.factories import _owner, make_contact, make_tag
from tests.crm.messaging.helpers import make_consenting_contact, make_template
from tests.factories import arg_factory, endpoint_factory


@arg_factory("template_id")
def template_factory(app, tenant):
    return make_template(app, tenant)


@arg_factory("campaign_id")
def make_campaign(app, tenant, **data):
    from app.crm.messaging.campaigns.services import create_campaign

    template_id = make_template(app, tenant, name=f"Campaign template {tenant.slug}")
    tag_id = make_tag(app, tenant)
    with in_tenant(app, tenant.id):
        return create_campaign(
            {"name": "Spring", "template_id": str(template_id), "audience": f"tag:{tag_id}", **data},
            actor=_owner(tenant),
        ).id


@arg_factory("message_id")
def make_message(app, tenant):
    from app.crm.messaging.sending import send_message

    # A unique address: the record a caller seeded first may already be Ada.
    contact_id = make_consenting_contact(app, tenant, email=f"ada.{uuid.uuid4().hex[:8]}@example.com")
    with in_tenant(app, tenant.id):
        return send_message(
            {"channel": "email", "contact_id": str(contact_id), "subject": "Hi", "body": "Hello"}, actor=_owner(tenant)
        ).id


@arg_factory("conversation_id")
def make_conversation(app, tenant):
    from sqlalchemy import select

    from app.crm.messaging.models import Conversation
    from app.crm.messaging.webhooks import receive_sms

    make_consenting_contact(app, tenant, phone="+14155550177", email="sms.person@example.com")
    with in_tenant(app, tenant.id):
        receive_sms(
            {"MessageSid": f"SM{tenant.slug}factory", "From": "+14155550177", "To": "+14155550100", "Body": "Hello"}
        )
        return db.session.scalar(select(Conversation.id).where(Conversation.phone == "+14155550177"))


@arg_factory("suppression_id")
def make_suppression(app, tenant):
    from app.crm.messaging.consent import suppress

    with in_tenant(app, tenant.id):
        return suppress("email", "gone@example.com", "manual").id


@endpoint_factory("messaging.send")
def send_target(app, tenant):
    return {"kind": "contact", "record_id": make_contact(app, tenant)}
