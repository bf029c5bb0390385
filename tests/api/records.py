"""Build CRM records for API tests through the services, as the tenant's owner."""

from app.auth.models import User
from app.core.extensions import db
from tests.conftest import in_tenant


def _owner(tenant):
    return db.session.get(User, (tenant.id, tenant.users["owner"]))


def create(app, tenant, kind: str, data: dict | None = None):
    """create(app, tenant, "contact", {...}) -> the new record's id."""
    from app.crm.activities.services import log_activity
    from app.crm.companies.services import create_company
    from app.crm.contacts.services import create_contact
    from app.crm.fields.services import create_field_definition
    from app.crm.leads.services import create_lead
    from app.crm.tags.services import create_tag

    makers = {
        "contact": (
            create_contact,
            {"first_name": "Ada", "last_name": "Lovelace", "emails": [{"email": "ada@example.com"}]},
        ),
        "company": (create_company, {"name": "Analytical Engines", "domain": "engines.example"}),
        "lead": (create_lead, {"name": "Charles Babbage", "email": "charles@example.com", "source": "referral"}),
        "tag": (create_tag, {"name": "VIP", "color": "#dc3545"}),
        "field": (create_field_definition, {"object_type": "contact", "label": "Shoe size", "field_type": "number"}),
    }
    with in_tenant(app, tenant.id):
        if kind == "activity":
            contact_id = (data or {}).get("contact_id")
            if contact_id is None:
                contact_id = create_contact({"first_name": "Timeline", "last_name": "Person"}, actor=_owner(tenant)).id
            record = log_activity(
                {"type": "note", "body": "Called about the order", "contact_id": contact_id, **(data or {})},
                actor=_owner(tenant),
            )
        else:
            maker, defaults = makers[kind]
            record = maker(data if data is not None else defaults, actor=_owner(tenant))
        return record.id
