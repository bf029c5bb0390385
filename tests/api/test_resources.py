"""CRUD through REST v1 for every CRM resource, on the services' rules."""

import uuid

import pytest

from tests.api.records import create

CASES = {
    "contacts": (
        {
            "first_name": "Grace",
            "last_name": "Hopper",
            "emails": [{"email": "grace@example.com"}],
            "lifecycle_stage": "mql",
        },
        {"title": "Rear Admiral"},
        "title",
    ),
    "companies": (
        {"name": "Cobol Inc", "domain": "cobol.example", "size": "11-50"},
        {"industry": "Software"},
        "industry",
    ),
    "leads": (
        {"name": "Alan Turing", "email": "alan@example.com", "source": "event"},
        {"status": "contacted"},
        "status",
    ),
    "tags": ({"name": "Partner", "color": "#198754"}, {"color": "#0d6efd"}, "color"),
    "fields": ({"object_type": "contact", "label": "Birthday", "field_type": "date"}, {"label": "Born on"}, "label"),
}


@pytest.mark.parametrize("resource", list(CASES))
def test_create_get_update_delete(api_client_for, tenant_a, resource):
    body, change, changed_key = CASES[resource]
    api = api_client_for(tenant_a)
    created = api.post(f"/api/v1/{resource}", json=body)
    assert created.status_code == 201, created.json
    record = created.json
    assert record["tenant_id"] == str(tenant_a.id)
    url = f"/api/v1/{resource}/{record['id']}"
    assert created.headers["Location"].endswith(url)
    assert api.get(url).json == record
    updated = api.patch(url, json=change)
    assert updated.status_code == 200, updated.json
    assert updated.json[changed_key] == change[changed_key]
    for key, value in body.items():  # a PATCH changes only what it names
        if key != changed_key and isinstance(value, str):
            assert updated.json[key] == value
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


def test_activity_is_logged_on_a_contact_and_listed_on_its_timeline(app, api_client_for, tenant_a):
    api = api_client_for(tenant_a)
    contact_id = create(app, tenant_a, "contact")
    logged = api.post(
        "/api/v1/activities",
        json={
            "type": "call",
            "subject": "Intro call",
            "direction": "outbound",
            "duration_seconds": 300,
            "contact_id": str(contact_id),
        },
    )
    assert logged.status_code == 201, logged.json
    timeline = api.get(f"/api/v1/activities?contact_id={contact_id}&type=call").json["items"]
    assert [item["subject"] for item in timeline] == ["Intro call"]
    system_event = api.get(f"/api/v1/activities?contact_id={contact_id}&type=system").json["items"][0]
    assert api.patch(f"/api/v1/activities/{system_event['id']}", json={"subject": "x"}).status_code == 409


def test_created_records_belong_to_the_keys_creator(app, api_client_for, tenant_a):
    api = api_client_for(tenant_a, role="admin")
    contact = api.post("/api/v1/contacts", json={"first_name": "Owned"}).json
    assert contact["created_by"] == str(tenant_a.users["admin"])
    assert contact["owner_id"] == str(tenant_a.users["admin"])


def test_lead_converts_into_contact_and_company(api_client_for, tenant_a):
    api = api_client_for(tenant_a)
    lead = api.post(
        "/api/v1/leads", json={"name": "Ada King", "email": "ada@engines.example", "company_name": "Engines"}
    ).json
    converted = api.post(f"/api/v1/leads/{lead['id']}/convert")
    assert converted.status_code == 200, converted.json
    assert converted.json["lead"]["status"] == "converted"
    assert (
        api.get(f"/api/v1/contacts/{converted.json['contact_id']}").json["emails"][0]["email"] == "ada@engines.example"
    )
    assert api.post(f"/api/v1/leads/{lead['id']}/convert").status_code == 409


def test_company_hierarchy_cycle_is_422(api_client_for, tenant_a):
    api = api_client_for(tenant_a)
    parent = api.post("/api/v1/companies", json={"name": "Parent"}).json
    child = api.post("/api/v1/companies", json={"name": "Child", "parent_id": parent["id"]}).json
    response = api.patch(f"/api/v1/companies/{parent['id']}", json={"parent_id": child["id"]})
    assert response.status_code == 422
    assert "parent_id" in response.json["error"]["details"]


def test_custom_field_values_are_validated_by_the_definitions(app, api_client_for, tenant_a):
    create(app, tenant_a, "field", {"object_type": "contact", "label": "Shoe size", "field_type": "number"})
    api = api_client_for(tenant_a)
    good = api.post("/api/v1/contacts", json={"first_name": "Cf", "custom_fields": {"shoe_size": 42}})
    assert good.status_code == 201
    assert good.json["custom_fields"] == {"shoe_size": 42}
    bad = api.post("/api/v1/contacts", json={"first_name": "Cf", "custom_fields": {"shoe_size": "big", "nope": 1}})
    assert bad.status_code == 422
    assert set(bad.json["error"]["details"]) == {"custom_fields.shoe_size", "custom_fields.nope"}
    filtered = api.get("/api/v1/contacts?cf.shoe_size=42").json["items"]
    assert [item["first_name"] for item in filtered] == ["Cf"]


def test_cursor_pagination_walks_every_record_once(app, api_client_for, tenant_a):
    api = api_client_for(tenant_a)
    for index in range(7):
        api.post("/api/v1/tags", json={"name": f"Tag {index}"})
    seen, cursor = [], None
    while True:
        page = api.get("/api/v1/tags?limit=3" + (f"&cursor={cursor}" if cursor else "")).json
        seen += [item["name"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"Tag {index}" for index in range(7)]


def test_sort_outside_the_allow_list_is_422(api_client_for, tenant_a):
    response = api_client_for(tenant_a).get("/api/v1/contacts?sort=password_hash")
    assert response.status_code == 422
    assert "sort" in response.json["error"]["details"]


def test_patch_of_missing_record_is_404(api_client_for, tenant_a):
    response = api_client_for(tenant_a).patch(f"/api/v1/contacts/{uuid.uuid4()}", json={"title": "x"})
    assert response.status_code == 404
