"""A key of tenant A sees none of B's rows in lists, searches, filters or counts (look-alike data)."""

import pytest

from tests.api.client import ApiClient, issue_key
from tests.api.records import create

LOOK_ALIKE = {
    "contact": {"first_name": "Ada", "last_name": "Lovelace", "emails": [{"email": "ada@example.com"}]},
    "company": {"name": "Analytical Engines", "domain": "engines.example"},
    "lead": {"name": "Charles Babbage", "email": "charles@example.com", "source": "referral"},
    "tag": {"name": "VIP"},
    "field": {"object_type": "contact", "label": "Shoe size", "field_type": "number"},
}
RESOURCES = {"contact": "contacts", "company": "companies", "lead": "leads", "tag": "tags", "field": "fields"}
SEARCHES = {"contact": "ada", "company": "engines", "lead": "babbage", "tag": "vip", "field": "shoe"}


@pytest.fixture
def look_alikes(app, tenant_a, tenant_b):
    ids = {}
    for tenant in (tenant_a, tenant_b):
        ids[tenant.slug] = {kind: create(app, tenant, kind, data) for kind, data in LOOK_ALIKE.items()}
        ids[tenant.slug]["activity"] = create(app, tenant, "activity", {"contact_id": ids[tenant.slug]["contact"]})
    return ids


@pytest.mark.parametrize("kind", list(RESOURCES))
def test_lists_and_searches_show_only_own_rows(api_client_for, tenant_a, look_alikes, kind):
    api = api_client_for(tenant_a)
    own = str(look_alikes["alpha"][kind])
    for query in ("", f"?q={SEARCHES[kind]}", "?limit=200", "?sort=-created_at"):
        items = api.get(f"/api/v1/{RESOURCES[kind]}{query}").json["items"]
        assert [item["id"] for item in items] == [own], query


def test_filters_show_only_own_rows(api_client_for, tenant_a, look_alikes):
    api = api_client_for(tenant_a)
    alpha, bravo = look_alikes["alpha"], look_alikes["bravo"]
    owner = tenant_a.users["owner"]
    assert [c["id"] for c in api.get(f"/api/v1/contacts?owner_id={owner}&q=ada@example.com").json["items"]] == [
        str(alpha["contact"])
    ]
    # Filtering by the other tenant's ids finds nothing, like ids that do not exist.
    assert api.get(f"/api/v1/contacts?owner_id={bravo['contact']}").json["items"] == []
    assert api.get(f"/api/v1/contacts?company_id={bravo['company']}").json["items"] == []
    response = api.get(f"/api/v1/activities?contact_id={bravo['contact']}")
    assert response.status_code == 422


def test_counts_on_the_meter_and_timeline_are_per_tenant(app, api_client_for, tenant_a, look_alikes):
    api = api_client_for(tenant_a)
    activities = api.get("/api/v1/activities?limit=200").json["items"]
    assert {item["tenant_id"] for item in activities} == {str(tenant_a.id)}
    assert str(look_alikes["alpha"]["activity"]) in {item["id"] for item in activities}


def test_a_key_on_another_tenants_host_is_401(app, tenant_a, tenant_b, look_alikes, api_client_for):
    alpha_key = issue_key(app, tenant_a)
    bravo_host = api_client_for(tenant_b).client
    response = ApiClient(bravo_host, alpha_key, tenant_b).get("/api/v1/contacts")
    assert response.status_code == 401


def test_foreign_ids_in_bodies_are_refused(api_client_for, tenant_a, tenant_b, look_alikes):
    api = api_client_for(tenant_a)
    bravo = look_alikes["bravo"]
    cases = [
        ("/api/v1/contacts", {"first_name": "X", "company_id": str(bravo["company"])}, "company_id"),
        ("/api/v1/contacts", {"first_name": "X", "tag_ids": [str(bravo["tag"])]}, "tag_ids"),
        ("/api/v1/contacts", {"first_name": "X", "owner_id": str(tenant_b.users["owner"])}, "owner_id"),
        ("/api/v1/companies", {"name": "X", "parent_id": str(bravo["company"])}, "parent_id"),
        ("/api/v1/activities", {"type": "note", "body": "x", "lead_id": str(bravo["lead"])}, "lead_id"),
    ]
    for path, body, field in cases:
        response = api.post(path, json=body)
        assert response.status_code == 422, (path, body)
        assert field in response.json["error"]["details"]
