"""Who may call the API: a live key of this tenant, with the scope, on a plan with the feature."""

import pytest

from app.core.extensions import db
from tests.api.client import ApiClient, issue_key
from tests.conftest import host_client, in_tenant, on_platform

TAGS = "/api/v1/tags"


def test_call_without_key_is_401_with_error_body(client_for, tenant_a):
    response = client_for(tenant_a, role=None).get(TAGS)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_session_cookie_does_not_authenticate_api_calls(client_for, tenant_a):
    signed_in = client_for(tenant_a, role="owner")
    assert signed_in.get("/settings/api").status_code == 200
    assert signed_in.get(TAGS).status_code == 401


@pytest.mark.parametrize(
    "presented",
    ["nonsense", "atr_abcdefghij_wrongsecret", "Basic dXNlcjpwYXNz", ""],
)
def test_malformed_or_unknown_key_is_401(app, tenant_a, presented):
    api = ApiClient(host_client(app, tenant_a.base_url), presented, tenant_a)
    assert api.get(TAGS).status_code == 401


def test_key_of_another_tenant_is_401_like_an_unknown_key(app, api_client_for, tenant_a, tenant_b):
    bravo_key = issue_key(app, tenant_b)
    alpha_client = api_client_for(tenant_a)
    foreign = ApiClient(alpha_client.client, bravo_key, tenant_a).get(TAGS)
    unknown = ApiClient(alpha_client.client, bravo_key[:-4] + "AAAA", tenant_a).get(TAGS)
    assert foreign.status_code == unknown.status_code == 401
    assert foreign.json == unknown.json


def test_revoked_key_is_401(app, api_client_for, tenant_a):
    from app.api.models import ApiKey
    from app.api.services import revoke_api_key

    api = api_client_for(tenant_a)
    assert api.get(TAGS).status_code == 200
    with in_tenant(app, tenant_a.id):
        revoke_api_key(db.session.scalars(db.select(ApiKey)).one(), actor=None)
    assert api.get(TAGS).status_code == 401


def test_key_stops_working_when_its_creator_is_deactivated(app, api_client_for, tenant_a):
    from app.auth.models import User

    api = api_client_for(tenant_a, role="admin")
    with in_tenant(app, tenant_a.id):
        db.session.get(User, (tenant_a.id, tenant_a.users["admin"])).is_active_user = False
    assert api.get(TAGS).status_code == 401


def test_missing_read_scope_is_403(api_client_for, tenant_a):
    api = api_client_for(tenant_a, scopes=["contacts:read"])
    response = api.get(TAGS)
    assert response.status_code == 403
    assert response.json["error"]["details"] == {"scope": "tags:read"}


def test_write_needs_the_write_scope(api_client_for, tenant_a):
    reader = api_client_for(tenant_a, scopes=["tags:read"])
    assert reader.get(TAGS).status_code == 200
    assert reader.post(TAGS, json={"name": "VIP"}).status_code == 403
    writer = api_client_for(tenant_a, scopes=["tags:write"])
    assert writer.post(TAGS, json={"name": "VIP"}).status_code == 201


def test_plan_without_the_api_feature_is_402(app, api_client_for, make_tenant):
    from app.tenants.models import Tenant

    tenant = make_tenant("freebie", plan="premium")
    api = api_client_for(tenant)
    with on_platform(app):
        db.session.get(Tenant, tenant.id).plan_code = "free"
    response = api.get(TAGS)
    assert response.status_code == 402
    assert response.json["error"]["code"] == "plan_feature"
    assert response.json["error"]["details"]["upgrade_url"]


def test_bearer_calls_need_no_csrf_token(app, api_client_for, tenant_a, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    api = api_client_for(tenant_a)
    assert api.post(TAGS, json={"name": "No CSRF needed"}).status_code == 201


def test_api_responses_set_no_session_cookie(api_client_for, tenant_a):
    response = api_client_for(tenant_a).get(TAGS)
    assert "Set-Cookie" not in response.headers


def test_last_used_is_recorded(app, api_client_for, tenant_a):
    from app.api.models import ApiKey

    api_client_for(tenant_a).get(TAGS)
    with in_tenant(app, tenant_a.id):
        assert db.session.scalars(db.select(ApiKey)).one().last_used_at is not None


def test_alternating_keys_each_act_as_themselves(app, api_client_for, tenant_a, tenant_b):
    # The statement that reads a key with its tenant is built once and bound per call: no
    # call may see the key or the tenant of the call before it.
    owner = api_client_for(tenant_a)
    reader = api_client_for(tenant_a, scopes=["tags:read"])
    bravo = api_client_for(tenant_b)
    for round_number in range(2):
        assert owner.post(TAGS, json={"name": f"Alpha {round_number}"}).status_code == 201
        assert reader.post(TAGS, json={"name": f"Reader {round_number}"}).status_code == 403
        assert bravo.post(TAGS, json={"name": f"Bravo {round_number}"}).status_code == 201
    assert {tag["name"] for tag in owner.get(TAGS).json["items"]} == {"Alpha 0", "Alpha 1"}
    assert {tag["name"] for tag in bravo.get(TAGS).json["items"]} == {"Bravo 0", "Bravo 1"}
