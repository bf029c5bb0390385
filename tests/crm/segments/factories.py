"""Factories for segment routes in the generated cross-tenant test (and segment tests)."""

import uuid

from app.auth.models import User
from app.core.extensions import db
from tests.conftest import in_tenant
from tests.factories import arg_factory


@arg_factory("segment_id")
def make_segment(app, tenant, definition=None, **data):
    from app.crm.segments.services import create_segment

    with in_tenant(app, tenant.id):
        owner = db.session.get(User, (tenant.id, tenant.users["owner"]))
        body = {
            "name": f"Customers {uuid.uuid4().hex[:6]}",
            "record_type": "contact",
            "definition": definition
            or {"match": "all", "rules": [{"field": "lifecycle_stage", "op": "is", "value": "customer"}]},
            **data,
        }
        return create_segment(body, actor=owner).id
