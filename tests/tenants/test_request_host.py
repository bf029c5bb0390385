"""A workspace's subdomain is looked up in `domains` once per process; later requests go
straight to the tenant row, and a subdomain that now names another tenant (or none) is
looked up again, never served from what was learnt before."""

from sqlalchemy import delete, update

from app.core.extensions import db
from app.tenants.models import Domain, Tenant
from tests.conftest import host_client, on_platform


def _domain_lookups(statements) -> int:
    return sum(1 for statement in statements if "FROM domains" in statement)


def test_a_known_subdomain_is_not_looked_up_again(client_for, tenant_a, query_counter):
    client = client_for(tenant_a)
    client.get("/account")
    with query_counter() as counted:
        response = client.get("/account")
    assert response.status_code == 200
    assert _domain_lookups(counted.statements) == 0


def test_a_subdomain_given_to_another_tenant_serves_the_new_tenant(app, make_tenant, query_counter):
    first = make_tenant("gamma")
    host_client(app, first.base_url).get("/login")  # learnt: gamma -> the first tenant
    with on_platform(app):
        db.session.execute(delete(Domain).where(Domain.host == "gamma"))
        db.session.execute(update(Tenant).where(Tenant.id == first.id).values(slug="gamma-old"))
        second = Tenant(slug="gamma", name="Second Gamma", plan_code="free", status="active")
        db.session.add(second)
        db.session.add(Domain(tenant=second, kind="subdomain", host="gamma"))
    with query_counter() as counted:
        response = host_client(app, first.base_url).get("/login")
    assert response.status_code == 200
    assert b"Second Gamma" in response.data
    assert _domain_lookups(counted.statements) == 1


def test_a_subdomain_whose_tenant_is_gone_is_a_404(app, make_tenant):
    gone = make_tenant("delta")
    client = host_client(app, gone.base_url)
    assert client.get("/login").status_code == 200
    with on_platform(app):
        db.session.execute(delete(Domain).where(Domain.host == "delta"))
        db.session.execute(update(Tenant).where(Tenant.id == gone.id).values(slug="delta-closed"))
    assert client.get("/login").status_code == 404


def test_a_status_change_takes_effect_on_the_next_call(app, make_tenant, set_tenant, api_client_for):
    # The subdomain is known and the tenant's statement is built, yet every call reads the
    # tenant's row again: a suspension applies to the very next call, a reactivation too.
    tenant = make_tenant("epsilon", plan="enterprise")
    api = api_client_for(tenant)
    assert api.post("/api/v1/tags", json={"name": "Before"}).status_code == 201
    set_tenant(tenant, status="suspended")
    refused = api.post("/api/v1/tags", json={"name": "During"})
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "read_only"
    assert api.get("/api/v1/tags").status_code == 200
    set_tenant(tenant, status="active")
    assert api.post("/api/v1/tags", json={"name": "After"}).status_code == 201
