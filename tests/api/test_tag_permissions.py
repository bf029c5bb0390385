"""Tags are managed by those the tags page lets in (tags.manage: owner, admin, admin); the
API obeys the same rule, whatever its key's scopes."""

import pytest

from app.auth.models import Role


@pytest.mark.parametrize("role", [Role.SALES, Role.VIEWER])  # the fixture's roles without tags.manage
def test_only_those_who_manage_tags_change_them_through_the_api(api_client_for, tenant_a, role):
    admin = api_client_for(tenant_a, role=Role.ADMIN)
    tag = admin.post("/api/v1/tags", json={"name": "VIP"})
    assert tag.status_code == 201
    url = f"/api/v1/tags/{tag.json['id']}"
    api = api_client_for(tenant_a, role=role)
    assert api.get(url).status_code == 200  # reading them is for everyone
    for refused in (
        api.post("/api/v1/tags", json={"name": "Mine"}),
        api.patch(url, json={"name": "Renamed"}),
        api.delete(url),
    ):
        assert refused.status_code == 403, refused.json
        assert refused.json["error"]["details"]["permission"] == "tags.manage"
    assert [item["name"] for item in api.get("/api/v1/tags").json["items"]] == ["VIP"]
    assert admin.delete(url).status_code == 204
