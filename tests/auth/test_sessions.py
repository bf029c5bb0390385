"""Session cookies: host-only, bound to their tenant, ended by deactivation."""

from http.cookies import SimpleCookie

from tests.conftest import host_client


def _session_cookie(response) -> SimpleCookie:
    cookie = SimpleCookie()
    for header in response.headers.getlist("Set-Cookie"):
        cookie.load(header)
    return cookie


def test_session_cookie_is_host_only_httponly_and_lax(tenant_a, client_for):
    response = client_for(tenant_a, role=None).post(
        "/login", data={"email": "owner@example.com", "password": "correct-horse-battery"}
    )
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("atrium_session="))
    attributes = header.lower()
    assert "domain=" not in attributes
    assert "httponly" in attributes
    assert "samesite=lax" in attributes


def test_cookie_replayed_on_another_tenants_host_is_not_logged_in(app, make_tenant, client_for):
    alpha = make_tenant("alpha")
    bravo = make_tenant("bravo")
    client_a = client_for(alpha, role=None)
    response = client_a.post("/login", data={"email": "owner@example.com", "password": "correct-horse-battery"})
    value = _session_cookie(response)["atrium_session"].value

    replay = host_client(app, bravo.base_url)
    replay.set_cookie("atrium_session", value, domain=bravo.host)
    response = replay.get("/settings/users")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_tenant_cookie_is_useless_on_the_admin_host(app, tenant_a, client_for):
    client = client_for(tenant_a, role=None)
    response = client.post("/login", data={"email": "owner@example.com", "password": "correct-horse-battery"})
    value = _session_cookie(response)["atrium_session"].value
    admin = host_client(app, "http://admin.atrium.test")
    admin.set_cookie("atrium_admin_session", value, domain="admin.atrium.test")
    admin.set_cookie("atrium_session", value, domain="admin.atrium.test")
    assert b"Signed in as" not in admin.get("/", follow_redirects=True).data


def test_deactivation_ends_the_users_sessions_at_once(tenant_a, client_for):
    sales = client_for(tenant_a, role="sales")
    assert sales.get("/").status_code == 200
    owner = client_for(tenant_a)
    assert owner.post(f"/settings/users/{tenant_a.users['sales']}/deactivate").status_code == 302
    assert sales.get("/").status_code == 302


def test_signing_out_ends_the_session_even_for_a_copy_of_its_cookie(app, tenant_a, client_for):
    """A session cookie copied before sign-out (a shared computer, a stolen cookie) no longer
    signs anyone in: the cookie is signed, not stored, so sign-out must spend its token."""
    client = client_for(tenant_a, role=None)
    response = client.post("/login", data={"email": "owner@example.com", "password": "correct-horse-battery"})
    value = _session_cookie(response)["atrium_session"].value
    assert client.post("/logout").status_code == 302

    replay = host_client(app, tenant_a.base_url)
    replay.set_cookie("atrium_session", value, domain=tenant_a.host)
    response = replay.get("/settings/users")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
