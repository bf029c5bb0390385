"""Contacts bulk upsert by email, and the plan's contact limit on API create and bulk upsert."""

from app.core.extensions import db
from tests.conftest import on_platform


def _limit_contacts(app, tenant, limit):
    from app.tenants.models import Tenant

    with on_platform(app):
        db.session.get(Tenant, tenant.id).limit_overrides = {"contacts": limit}


def test_bulk_upsert_creates_updates_and_reports_per_item(api_client_for, tenant_a):
    api = api_client_for(tenant_a)
    existing = api.post("/api/v1/contacts", json={"first_name": "Old", "emails": [{"email": "known@example.com"}]}).json
    response = api.post(
        "/api/v1/contacts/bulk-upsert",
        json={
            "items": [
                {"email": "new@example.com", "first_name": "New"},
                {"email": "KNOWN@example.com", "title": "Updated"},
                {"email": "bad@example.com", "lifecycle_stage": "customer", "phones": [{"number": "not a phone"}]},
                {"email": "not-an-email"},
                {"email": "new@example.com", "last_name": "Again"},
            ]
        },
    )
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["created"], body["updated"], body["failed"]) == (1, 2, 2)
    statuses = [result["status"] for result in body["results"]]
    assert statuses == ["created", "updated", "error", "error", "updated"]
    assert body["results"][1]["id"] == existing["id"]
    assert "phones" in body["results"][2]["error"]["details"]
    assert api.get(f"/api/v1/contacts/{existing['id']}").json["title"] == "Updated"
    emails = sorted(c["emails"][0]["email"] for c in api.get("/api/v1/contacts").json["items"])
    assert emails == ["known@example.com", "new@example.com"]  # the failed item left nothing


def test_bulk_upsert_refuses_more_than_1000_items(api_client_for, tenant_a):
    items = [{"email": f"p{index}@example.com"} for index in range(1001)]
    response = api_client_for(tenant_a).post("/api/v1/contacts/bulk-upsert", json={"items": items})
    assert response.status_code == 422
    assert "items" in response.json["error"]["details"]


def test_api_create_stops_at_the_contact_limit_with_402(app, api_client_for, tenant_a):
    _limit_contacts(app, tenant_a, 1)
    api = api_client_for(tenant_a)
    assert api.post("/api/v1/contacts", json={"first_name": "One"}).status_code == 201
    refused = api.post("/api/v1/contacts", json={"first_name": "Two"})
    assert refused.status_code == 402
    error = refused.json["error"]
    assert error["code"] == "plan_limit"
    assert {key: error["details"][key] for key in ("resource", "limit", "used")} == {
        "resource": "contacts",
        "limit": 1,
        "used": 1,
    }
    assert error["details"]["upgrade_url"]


def test_bulk_upsert_creations_beyond_the_limit_fail_per_item(app, api_client_for, tenant_a):
    api = api_client_for(tenant_a)
    api.post("/api/v1/contacts", json={"first_name": "Existing", "emails": [{"email": "existing@example.com"}]})
    _limit_contacts(app, tenant_a, 2)
    response = api.post(
        "/api/v1/contacts/bulk-upsert",
        json={
            "items": [
                {"email": "first@example.com"},
                {"email": "second@example.com"},
                {"email": "existing@example.com", "title": "Still updatable"},
            ]
        },
    )
    results = response.json["results"]
    assert [result["status"] for result in results] == ["created", "error", "updated"]
    assert results[1]["error"]["code"] == "plan_limit"
    assert len(api.get("/api/v1/contacts").json["items"]) == 2
