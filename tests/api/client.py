"""A test client for REST v1: every request carries a tenant host and an API key."""

from app.core.extensions import db
from tests.conftest import host_client, in_tenant


class ApiClient:
    def __init__(self, client, key: str, tenant):
        self.client, self.key, self.tenant = client, key, tenant

    def open(self, path, method="GET", headers=None, **kwargs):
        headers = {"Authorization": f"Bearer {self.key}", **(headers or {})}
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path, **kwargs):
        return self.open(path, "GET", **kwargs)

    def post(self, path, **kwargs):
        return self.open(path, "POST", **kwargs)

    def put(self, path, **kwargs):
        return self.open(path, "PUT", **kwargs)

    def patch(self, path, **kwargs):
        return self.open(path, "PATCH", **kwargs)

    def delete(self, path, **kwargs):
        return self.open(path, "DELETE", **kwargs)


def issue_key(app, tenant, *, scopes=None, role="owner", name="Test key") -> str:
    from app.api.scopes import all_scopes
    from app.api.services import create_api_key
    from app.auth.models import User

    with in_tenant(app, tenant.id):
        actor = db.session.get(User, (tenant.id, tenant.users[role]))
        _, secret = create_api_key(name=name, scopes=list(scopes or all_scopes()), actor=actor)
    return secret


def make_api_client(app, tenant, *, scopes=None, role="owner", key=None) -> ApiClient:
    key = key or issue_key(app, tenant, scopes=scopes, role=role)
    return ApiClient(host_client(app, tenant.base_url), key, tenant)
