"""URL values for the generated cross-tenant test: API routes and the API key settings."""

from tests.api.records import create
from tests.factories import arg_factory, endpoint_factory


def _record(kind: str, arg: str):
    def build(app, tenant):
        return {arg: create(app, tenant, kind)}

    return build


for endpoint, kind, arg in (
    ("api_contacts.ContactItem", "contact", "contact_id"),
    ("api_companies.CompanyItem", "company", "company_id"),
    ("api_leads.LeadItem", "lead", "lead_id"),
    ("api_leads.convert", "lead", "lead_id"),
    ("api_activities.ActivityItem", "activity", "activity_id"),
    ("api_tags.TagItem", "tag", "tag_id"),
    ("api_fields.FieldDefinitionItem", "field", "field_id"),
):
    endpoint_factory(endpoint)(_record(kind, arg))


@arg_factory("key_id")
def make_api_key(app, tenant):
    from app.api.models import ApiKey
    from app.core.extensions import db
    from tests.api.client import issue_key
    from tests.conftest import in_tenant

    issue_key(app, tenant, name="Isolation key")
    with in_tenant(app, tenant.id):
        return db.session.scalars(db.select(ApiKey.id).where(ApiKey.name == "Isolation key")).first()
