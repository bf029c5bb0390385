"""Custom fields are defined by those the custom fields page lets in (fields.manage: owner and
admin); the API obeys the same rule, whatever its key's scopes."""

import pytest

from app.auth.models import Role

FIELDS = "/api/v1/fields"


@pytest.mark.parametrize("role", [Role.SALES, Role.VIEWER])
def test_only_those_who_manage_fields_define_them_through_the_api(api_client_for, tenant_a, role):
    admin = api_client_for(tenant_a, role=Role.ADMIN)
    made = admin.post(FIELDS, json={"object_type": "contact", "label": "Tier", "field_type": "text"})
    assert made.status_code == 201
    url = f"{FIELDS}/{made.json['id']}"
    api = api_client_for(tenant_a, role=role)
    assert api.get(url).status_code == 200  # reading them is for everyone
    for refused in (
        api.post(FIELDS, json={"object_type": "contact", "label": "Mine", "field_type": "text"}),
        api.patch(url, json={"label": "Renamed"}),
        api.delete(url),  # would erase every contact's value of it
    ):
        assert refused.status_code == 403, refused.json
        assert refused.json["error"]["details"]["permission"] == "fields.manage"
    assert [item["label"] for item in api.get(FIELDS).json["items"]] == ["Tier"]
    assert admin.delete(url).status_code == 204
