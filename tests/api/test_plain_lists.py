"""Lists of rows without custom fields (`PlainListArguments`) refuse a `cf.<key>` filter, which
only a record type's list understands, rather than answering the unfiltered list."""

import pytest

from tests.api.records import create

PLAIN_LISTS = [
    "tags",
    "fields",
    "pipelines",
    "stages",
    "activities",
    "messages",
    "message-templates",
    "campaigns",
    "suppressions",
]


@pytest.mark.parametrize("path", PLAIN_LISTS)
def test_plain_list_refuses_a_custom_field_filter(api_client_for, tenant_a, path):
    response = api_client_for(tenant_a).get(f"/api/v1/{path}?cf.shoe_size=42")
    assert response.status_code == 422
    assert response.json["error"]["details"] == {"cf.shoe_size": ["Unknown parameter."]}


def test_record_list_takes_a_custom_field_filter(app, api_client_for, tenant_a):
    create(app, tenant_a, "field", {"object_type": "contact", "label": "Shoe size", "field_type": "number"})
    assert api_client_for(tenant_a).get("/api/v1/contacts?cf.shoe_size=42").status_code == 200
