"""Factories for duplicate routes in the generated cross-tenant test."""

from tests.conftest import in_tenant
from tests.factories import arg_factory


@arg_factory("pair_id")
def make_pair(app, tenant):
    from app.core.extensions import db
    from app.crm.duplicates.models import DuplicatePair
    from tests.crm.factories import make_contact

    first = make_contact(app, tenant, first_name="Twin")
    second = make_contact(app, tenant, first_name="Twin")
    with in_tenant(app, tenant.id):
        low, high = sorted((first, second), key=str)
        pair = DuplicatePair(record_type="contact", first_id=low, second_id=high, reason="Same name")
        db.session.add(pair)
        db.session.flush()
        return pair.id


def register_generated_factories() -> None:
    """Routes naming a record by type and id (merge previews, personal data)."""
    from tests.crm.factories import make_contact
    from tests.factories import ENDPOINT_FACTORIES

    def contact_of(app, tenant):
        return {"record_type_name": "contact", "record_id": make_contact(app, tenant)}

    ENDPOINT_FACTORIES.setdefault("privacy.export", contact_of)
    ENDPOINT_FACTORIES.setdefault("privacy.erase", contact_of)
    ENDPOINT_FACTORIES.setdefault("duplicates.merge", lambda app, tenant: {"record_type_name": "contact"})
