"""The OpenAPI document (per tenant, custom fields included) and the offline reference page."""

from tests.api.records import create

SPEC = "/api/v1/openapi.json"


def test_document_needs_a_key(client_for, tenant_a):
    assert client_for(tenant_a, role=None).get(SPEC).status_code == 401


def test_document_is_openapi_3_without_host_parameters(api_client_for, tenant_a):
    document = api_client_for(tenant_a).get(SPEC).json
    assert document["openapi"].startswith("3.")
    assert document["servers"][0]["url"] == tenant_a.base_url
    for path, item in document["paths"].items():
        assert path.startswith("/api/v1/")
        for operation in item.values():
            if isinstance(operation, dict):
                assert all(param["name"] != "host" for param in operation.get("parameters", []))
    assert "bearerAuth" in document["components"]["securitySchemes"]


def test_every_resource_is_documented(api_client_for, tenant_a):
    paths = set(api_client_for(tenant_a).get(SPEC).json["paths"])
    for resource in ("contacts", "companies", "leads", "activities", "tags", "fields"):
        assert f"/api/v1/{resource}" in paths
        assert any(path.startswith(f"/api/v1/{resource}/{{") for path in paths)
    assert "/api/v1/contacts/bulk-upsert" in paths


def test_document_types_this_tenants_custom_fields_only(app, api_client_for, tenant_a, tenant_b):
    create(app, tenant_a, "field", {"object_type": "contact", "label": "Shoe size", "field_type": "number"})
    create(
        app,
        tenant_a,
        "field",
        {"object_type": "lead", "label": "Budget band", "field_type": "single_select", "options": ["S", "M", "L"]},
    )
    create(app, tenant_b, "field", {"object_type": "contact", "label": "Favourite colour", "field_type": "text"})
    alpha = api_client_for(tenant_a).get(SPEC).json["components"]["schemas"]
    bravo = api_client_for(tenant_b).get(SPEC).json["components"]["schemas"]
    contact_fields = alpha["Contact"]["properties"]["custom_fields"]["properties"]
    assert contact_fields == {"shoe_size": {"type": "number", "title": "Shoe size", "nullable": True}}
    assert alpha["ContactInput"]["properties"]["custom_fields"]["properties"]["shoe_size"]["type"] == "number"
    assert alpha["Lead"]["properties"]["custom_fields"]["properties"]["budget_band"]["enum"] == ["S", "M", "L"]
    assert set(bravo["Contact"]["properties"]["custom_fields"]["properties"]) == {"favourite_colour"}


def test_list_operations_document_custom_field_filters(app, api_client_for, tenant_a):
    create(app, tenant_a, "field", {"object_type": "contact", "label": "Shoe size", "field_type": "number"})
    document = api_client_for(tenant_a).get(SPEC).json
    names = [param["name"] for param in document["paths"]["/api/v1/contacts"]["get"]["parameters"]]
    assert "cf.shoe_size" in names
    assert "x-custom-field-filters" not in document["paths"]["/api/v1/contacts"]["get"]


def test_reference_page_renders_offline_with_custom_fields(app, client_for, tenant_a):
    create(app, tenant_a, "field", {"object_type": "company", "label": "Account tier", "field_type": "text"})
    response = client_for(tenant_a).get("/settings/api/docs")
    assert response.status_code == 200
    page = response.text
    assert "/api/v1/contacts/bulk-upsert" in page
    assert "custom_fields.account_tier" in page
    assert "cdn" not in page.lower()
    assert "<script>" not in page


def test_api_docs_path_leads_to_the_reference(client_for, tenant_a):
    response = client_for(tenant_a).get("/api/v1/docs")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/settings/api/docs")


def test_every_201_documents_the_location_of_what_it_made(api_client_for, tenant_a):
    paths = api_client_for(tenant_a).get(SPEC).json["paths"]
    created = [
        (method, path, operation["responses"]["201"])
        for path, operations in paths.items()
        for method, operation in operations.items()
        if method != "parameters" and "201" in operation["responses"]
    ]
    assert len(created) > 20
    for method, path, response in created:
        assert "Location" in response.get("headers", {}), f"{method} {path}"
