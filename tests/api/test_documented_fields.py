"""Every field the OpenAPI document says a client may send is accepted as documented: a body
built from the document alone creates the record, and every sent field comes back."""

import pytest

from tests.crm.factories import make_company, make_contact, make_tag

TYPES = ["contacts", "companies", "leads", "gadgets"]
# Values a reader of the document would send for these names (formats the schema cannot say).
BY_NAME = {
    "email": "ada@example.org",
    "phone": "+14155552671",
    "number": "+14155552671",
    "domain": "example.org",
    "website": "https://example.org",
    "country": "US",
    "lost_reason": "Budget went elsewhere",
}


def _value(name, schema, document, refs):
    if "allOf" in schema:
        schema = schema["allOf"][0]
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if name in refs:
        return refs[name]
    if "enum" in schema:
        choices = [value for value in schema["enum"] if value not in ("", None, "converted", "lost", "unknown")]
        return choices[0]
    kind = schema.get("type")
    if kind == "object" and "properties" in schema:
        return {key: _value(key, value, document, refs) for key, value in schema["properties"].items()}
    if kind == "object":
        # Maps keyed by the client: consent per channel; anything else may be left empty.
        return {"email": {"status": "granted", "source": "form"}} if name == "consent" else {}
    if kind == "array":
        return [_value(name.removesuffix("s"), schema.get("items", {}), document, refs)]
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        return max(schema.get("minimum", 1), 1) if kind == "integer" else 12.5
    if schema.get("format") == "date":
        return "2026-01-31"
    if schema.get("format") == "date-time":
        return "2026-01-31T10:00:00+00:00"
    if schema.get("format") == "decimal":
        return "1200.50"
    return BY_NAME.get(name, f"Sample {name}")


@pytest.mark.parametrize("plural", TYPES)
def test_a_body_with_every_documented_field_is_accepted(app, api_client_for, tenant_a, plural):
    api = api_client_for(tenant_a)
    document = api.get("/api/v1/openapi.json").json
    operation = document["paths"][f"/api/v1/{plural}"]["post"]
    schema_name = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    properties = document["components"]["schemas"][schema_name]["properties"]
    refs = {
        "owner_id": str(tenant_a.users["sales"]),
        "company_id": str(make_company(app, tenant_a)),
        "parent_id": str(make_company(app, tenant_a, name="Parent")),
        "tag_ids": [str(make_tag(app, tenant_a))],
        "emails": [{"email": "ada@example.org", "primary": True}],
        "phones": [{"number": "+14155552671", "label": "work"}],
        "custom_fields": {},
    }
    body = {name: _value(name, schema, document, refs) for name, schema in properties.items()}
    created = api.post(f"/api/v1/{plural}", json=body)
    assert created.status_code == 201, (body, created.json)
    echoed = created.json
    for name, value in body.items():
        if name == "lost_reason":
            continue  # kept only while a lead is lost (the body sends an open status)
        if name.endswith("_ids"):
            assert [item["id"] for item in echoed[name.removesuffix("_ids") + "s"]] == value
        elif name == "custom_fields":
            assert echoed[name] == {}
        elif name in ("emails", "phones", "consent", "address"):
            assert echoed[name], name
        else:
            assert echoed[name] not in (None, ""), name
    update_schema = document["paths"][f"/api/v1/{plural}/{{{plural[:-1] if plural != 'companies' else 'company'}_id}}"]
    assert "patch" in update_schema


def test_the_documented_email_shape_creates_a_contact(api_client_for, tenant_a):
    """The shape the document gives emails (`{email, primary}`) is the shape the API takes."""
    api = api_client_for(tenant_a)
    created = api.post("/api/v1/contacts", json={"emails": [{"email": "a@example.org", "primary": True}]})
    assert created.status_code == 201, created.json
    assert created.json["emails"] == [{"email": "a@example.org", "primary": True}]
    contact_id = created.json["id"]
    changed = api.patch(
        f"/api/v1/contacts/{contact_id}",
        json={"emails": [{"email": "b@example.org"}, {"email": "a@example.org", "primary": True}]},
    )
    assert changed.json["emails"] == [
        {"email": "b@example.org", "primary": False},
        {"email": "a@example.org", "primary": True},
    ]


def test_make_contact_is_usable(app, tenant_a):
    assert make_contact(app, tenant_a)
