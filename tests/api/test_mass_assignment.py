"""Identity, tenancy and authorship fields in a request body are refused, never written."""

import uuid

import pytest

from tests.api.records import create

FORBIDDEN = {
    "id": lambda tenant: str(uuid.uuid4()),
    "tenant_id": lambda tenant: str(uuid.uuid4()),
    "created_by": lambda tenant: str(tenant.users["admin"]),
    "created_by_id": lambda tenant: str(tenant.users["admin"]),
    "created_at": lambda tenant: "2020-01-01T00:00:00Z",
    "user_id": lambda tenant: str(tenant.users["admin"]),
    "score": lambda tenant: 100,
    "converted_contact_id": lambda tenant: str(uuid.uuid4()),
}
BODIES = {
    "contacts": {"first_name": "Mass"},
    "companies": {"name": "Mass Co"},
    "leads": {"name": "Mass Lead"},
    "tags": {"name": "Mass"},
    "fields": {"object_type": "lead", "label": "Mass", "field_type": "text"},
}


@pytest.mark.parametrize("field", list(FORBIDDEN))
@pytest.mark.parametrize("resource", list(BODIES))
def test_create_refuses_protected_fields(api_client_for, tenant_a, tenant_b, resource, field):
    api = api_client_for(tenant_a)
    response = api.post(f"/api/v1/{resource}", json={**BODIES[resource], field: FORBIDDEN[field](tenant_a)})
    assert response.status_code == 422
    assert field in response.json["error"]["details"]
    assert api.get(f"/api/v1/{resource}").json["items"] == []


@pytest.mark.parametrize("field", ["id", "tenant_id", "created_by", "created_at", "user_id"])
def test_update_refuses_protected_fields(app, api_client_for, tenant_a, field):
    api = api_client_for(tenant_a)
    contact_id = create(app, tenant_a, "contact")
    before = api.get(f"/api/v1/contacts/{contact_id}").json
    response = api.patch(f"/api/v1/contacts/{contact_id}", json={field: FORBIDDEN[field](tenant_a), "title": "Changed"})
    assert response.status_code == 422
    assert api.get(f"/api/v1/contacts/{contact_id}").json == before


def test_owner_is_set_only_through_owner_id_to_an_active_user(app, api_client_for, tenant_a):
    from app.auth.models import User
    from app.core.extensions import db
    from tests.conftest import in_tenant

    api = api_client_for(tenant_a)
    assigned = api.post("/api/v1/leads", json={"name": "Owned", "owner_id": str(tenant_a.users["sales"])})
    assert assigned.json["owner_id"] == str(tenant_a.users["sales"])
    with in_tenant(app, tenant_a.id):
        db.session.get(User, (tenant_a.id, tenant_a.users["viewer"])).is_active_user = False
    refused = api.post("/api/v1/leads", json={"name": "Owned", "owner_id": str(tenant_a.users["viewer"])})
    assert refused.status_code == 422
    assert "owner_id" in refused.json["error"]["details"]
    assert api.post("/api/v1/leads", json={"name": "Owned", "owner": str(tenant_a.users["sales"])}).status_code == 422


def test_status_converted_cannot_be_written(api_client_for, tenant_a):
    api = api_client_for(tenant_a)
    response = api.post("/api/v1/leads", json={"name": "Sneaky", "status": "converted"})
    assert response.status_code == 422
