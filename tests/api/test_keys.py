"""API keys in settings and on the command line: shown once, stored hashed, scoped, revocable."""

import hashlib
import re

from app.core.extensions import db
from tests.api.client import ApiClient
from tests.conftest import in_tenant, on_platform


def _keys(app, tenant):
    from app.api.models import ApiKey

    with in_tenant(app, tenant.id):
        return [
            {
                "name": key.name,
                "prefix": key.prefix,
                "hash": key.secret_hash,
                "scopes": key.scopes,
                "revoked": key.revoked_at,
            }
            for key in db.session.scalars(db.select(ApiKey))
        ]


def test_settings_page_lists_keys_with_an_empty_state(client_for, tenant_a):
    response = client_for(tenant_a).get("/settings/api")
    assert response.status_code == 200
    assert b"No API keys yet" in response.data


def test_only_owners_and_admins_manage_keys(client_for, tenant_a):
    assert client_for(tenant_a, role="sales").get("/settings/api").status_code == 403
    assert client_for(tenant_a, role="admin").get("/settings/api").status_code == 200


def test_created_key_is_shown_once_and_stored_hashed(app, client_for, tenant_a):
    client = client_for(tenant_a)
    response = client.post(
        "/settings/api/keys", data={"name": "Website", "scopes": ["contacts:read", "contacts:write"]}
    )
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    secret = re.search(r'value="(atr_[^"]+)"', response.text).group(1)
    [key] = _keys(app, tenant_a)
    assert key["hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert key["scopes"] == ["contacts:read", "contacts:write"]
    assert secret not in client.get("/settings/api").text
    api = ApiClient(client, secret, tenant_a)
    assert api.get("/api/v1/contacts").status_code == 200


def test_form_errors_are_inline(client_for, tenant_a):
    response = client_for(tenant_a).post("/settings/api/keys", data={"name": "", "scopes": []})
    assert response.status_code == 422
    assert b"invalid-feedback" in response.data


def test_key_without_scopes_is_refused(app, client_for, tenant_a):
    response = client_for(tenant_a).post("/settings/api/keys", data={"name": "Nothing"})
    assert response.status_code == 422
    assert "at least one scope" in response.text
    assert _keys(app, tenant_a) == []


def test_revoking_asks_for_confirmation_and_revokes(app, client_for, api_client_for, tenant_a):
    api = api_client_for(tenant_a)
    client = client_for(tenant_a)
    page = client.get("/settings/api").text
    assert 'data-confirm="Revoke' in page
    from app.api.models import ApiKey

    with in_tenant(app, tenant_a.id):
        key_id = db.session.scalars(db.select(ApiKey.id)).one()
    response = client.post(f"/settings/api/keys/{key_id}/revoke")
    assert response.status_code == 302
    assert _keys(app, tenant_a)[0]["revoked"] is not None
    assert api.get("/api/v1/tags").status_code == 401


def test_plan_without_api_hides_the_form_but_lists_keys(app, client_for, api_client_for, make_tenant):
    from app.tenants.models import Tenant

    tenant = make_tenant("downgraded")
    api_client_for(tenant)
    with on_platform(app):
        db.session.get(Tenant, tenant.id).plan_code = "free"
    client = client_for(tenant)
    page = client.get("/settings/api")
    assert page.status_code == 200
    assert b'data-testid="api-not-in-plan"' in page.data
    assert b"Test key" in page.data
    assert client.post("/settings/api/keys", data={"name": "x", "scopes": ["tags:read"]}).status_code == 402


def test_cli_prints_a_working_key(app, api_client_for, tenant_a):
    from tests.api.client import make_api_client

    result = app.test_cli_runner().invoke(
        args=["api-keys", "create", tenant_a.slug, "Nightly sync", "--scopes", "tags:read"]
    )
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    api = make_api_client(app, tenant_a, key=secret)
    assert api.get("/api/v1/tags").status_code == 200
    assert api.get("/api/v1/contacts").status_code == 403


def test_cli_refuses_unknown_tenant_and_scope(app, tenant_a):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["api-keys", "create", "nobody", "x"]).exit_code != 0
    result = runner.invoke(args=["api-keys", "create", tenant_a.slug, "x", "--scopes", "contacts:admin"])
    assert result.exit_code != 0
    assert "Unknown scope" in result.output


def test_a_key_whose_creator_is_deactivated_is_listed_as_stopped(app, client_for, api_client_for, tenant_a):
    """Every call with it is refused, yet the list showed it like a working key."""
    api = api_client_for(tenant_a, role="admin")
    owner = client_for(tenant_a)
    assert 'data-testid="key-stopped"' not in owner.get("/settings/api").text
    owner.post(f"/settings/users/{tenant_a.users['admin']}/deactivate")
    assert api.get("/api/v1/contacts").status_code == 401
    page = owner.get("/settings/api").text
    assert 'data-testid="key-stopped"' in page
    assert "Stopped: Admin Person is deactivated" in page
