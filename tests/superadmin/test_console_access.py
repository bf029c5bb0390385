"""Who may use the console: platform admins only; everyone else sees 404."""

import pyotp
import pytest

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, TEST_BASE_DOMAIN, host_client

CONSOLE_PAGES = ["/tenants", "/plans", "/plans/free", "/jobs", "/audit", "/account/two-factor", "/plans/new", "/admins"]


def _admin_host(app):
    return host_client(app, f"http://admin.{TEST_BASE_DOMAIN}")


@pytest.mark.parametrize("path", CONSOLE_PAGES)
def test_anonymous_visitors_get_404_on_console_pages(app, path):
    assert _admin_host(app).get(path).status_code == 404


def test_console_index_sends_anonymous_visitors_to_sign_in(app):
    response = _admin_host(app).get("/")
    assert response.status_code == 302
    assert response.location.endswith("/login")


@pytest.mark.parametrize("path", CONSOLE_PAGES)
def test_a_tenant_owner_gets_404_on_the_admin_host(app, tenant_a, client_for, path):
    owner = client_for(tenant_a, "owner")
    cookie = owner.get_cookie("atrium_session", domain=tenant_a.host)
    admin_host = _admin_host(app)
    # Even a browser that carried the tenant cookie over (it never would: host-only) gets nothing.
    admin_host.set_cookie("atrium_session", cookie.value, domain=f"admin.{TEST_BASE_DOMAIN}")
    admin_host.set_cookie("atrium_admin_session", cookie.value, domain=f"admin.{TEST_BASE_DOMAIN}")
    assert admin_host.get(path).status_code == 404


def test_tenant_credentials_do_not_open_the_console(app, tenant_a):
    response = _admin_host(app).post("/login", data={"email": "owner@example.com", "password": PASSWORD})
    assert response.status_code == 200
    assert b"do not match a platform admin" in response.data
    assert _admin_host(app).get("/tenants").status_code == 404


def test_platform_admin_cannot_use_a_tenant_host_as_a_tenant_user(app, tenant_a, platform_admin, console):
    admin_cookie = console.get_cookie("atrium_admin_session", domain=f"admin.{TEST_BASE_DOMAIN}")
    assert admin_cookie is None or admin_cookie.domain == f"admin.{TEST_BASE_DOMAIN}"
    tenant_client = host_client(app, tenant_a.base_url)
    admin_id, token = platform_admin
    with tenant_client.session_transaction(base_url=tenant_a.base_url) as session:
        session["_user_id"] = f"{admin_id}:{token}"  # an admin's identity forced into a tenant session
        session["tenant_id"] = str(tenant_a.id)
    response = tenant_client.get("/settings/plan")
    assert response.status_code == 302
    assert "/login" in response.location
    refused = tenant_client.post("/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert b"do not match an active account" in refused.data


def test_admin_signs_in_with_password_when_totp_is_optional(app, platform_admin):
    client = _admin_host(app)
    response = client.post("/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert response.status_code == 302
    assert client.get("/tenants").status_code == 200


def test_required_totp_enrols_the_admin_before_the_session_starts(app, platform_admin):
    app.config["REQUIRE_ADMIN_TOTP"] = True
    try:
        client = _admin_host(app)
        response = client.post("/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        assert response.location.endswith("/login/enrol")
        assert client.get("/tenants").status_code == 404
        page = client.get("/login/enrol").get_data(as_text=True)
        secret = page.split('data-testid="totp-secret">')[1].split("<")[0]
        assert client.post("/login/enrol", data={"code": "000000"}).status_code == 422
        assert client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
        assert client.get("/tenants").status_code == 200

        again = _admin_host(app)
        response = again.post("/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        assert response.location.endswith("/login/verify")
        assert again.post("/login/verify", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
        assert again.get("/jobs").status_code == 200
    finally:
        app.config["REQUIRE_ADMIN_TOTP"] = False


def test_admin_can_enrol_totp_from_the_console_and_turn_it_off(app, console):
    page = console.get("/account/two-factor").get_data(as_text=True)
    secret = page.split('data-testid="totp-secret">')[1].split("<")[0]
    assert console.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert b"is <strong>on</strong>" in console.get("/account/two-factor").data
    assert console.post("/account/two-factor/disable", data={"password": "wrong"}).status_code == 422
    assert console.post("/account/two-factor/disable", data={"password": ADMIN_PASSWORD}).status_code == 302


def test_console_pages_render_for_a_platform_admin(console, tenant_a):
    for path in ["/", "/tenants", "/plans", "/plans/new", "/plans/premium", "/jobs", "/audit", "/account/two-factor"]:
        assert console.get(path).status_code == 200, path
    assert console.get(f"/tenants/{tenant_a.id}").status_code == 200


def test_console_second_factor_failures_survive_a_correct_password(app, platform_admin):
    from app.core.extensions import db
    from app.superadmin.models import PlatformAdmin
    from tests.conftest import on_platform

    secret = pyotp.random_base32()
    with on_platform(app):
        admin = db.session.get(PlatformAdmin, platform_admin[0])
        admin.totp_secret, admin.totp_enabled = secret, True
    client = _admin_host(app)
    statuses = []
    for _ in range(8):
        assert client.post("/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}).status_code == 302
        statuses.append(client.post("/login/verify", data={"code": "000000"}).status_code)
    assert statuses[:5] == [422] * 5
    assert set(statuses[5:]) == {429}


def test_a_console_code_that_signed_in_once_cannot_sign_in_again(app, platform_admin):
    from app.core.extensions import db
    from app.superadmin.models import PlatformAdmin
    from tests.conftest import on_platform

    secret = pyotp.random_base32()
    with on_platform(app):
        admin = db.session.get(PlatformAdmin, platform_admin[0])
        admin.totp_secret, admin.totp_enabled = secret, True
    code = pyotp.TOTP(secret).now()
    first = _admin_host(app)
    first.post("/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert first.post("/login/verify", data={"code": code}).status_code == 302
    replay = _admin_host(app)
    replay.post("/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert replay.post("/login/verify", data={"code": code}).status_code == 422
    assert replay.get("/tenants").status_code == 404


def test_console_guesses_at_the_password_to_turn_two_factor_off_are_limited(app, console):
    page = console.get("/account/two-factor").get_data(as_text=True)
    secret = page.split('data-testid="totp-secret">')[1].split("<")[0]
    assert console.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    statuses = [console.post("/account/two-factor/disable", data={"password": "wrong"}).status_code for _ in range(7)]
    assert statuses[:5] == [422] * 5
    assert set(statuses[5:]) == {429}
    assert console.post("/account/two-factor/disable", data={"password": ADMIN_PASSWORD}).status_code == 429
