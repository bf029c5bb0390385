"""The apex landing page and signup on a subdomain."""

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.core.extensions import db
from app.tenants.models import Tenant
from tests.conftest import host_client, in_tenant, on_platform

GOOD = {
    "agency_name": "Umbrella Agency",
    "name": "Ada Lovelace",
    "slug": "umbrella",
    "email": "boss@umbrella.test",
    "password": "correct-horse-1",
}


def test_landing_page_shows_the_four_plans_and_a_signup_form(apex_client):
    page = apex_client.get("/").data
    for code in (b"free", b"normal", b"premium", b"enterprise"):
        assert b'data-testid="plan-' + code + b'"' in page
    assert b'data-testid="signup-form"' in page


def test_signup_creates_the_agency_on_a_trial_and_signs_the_owner_in(app, apex_client):
    response = apex_client.post("/signup", data=GOOD)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("http://umbrella.atrium.test/auth/handoff/")
    tenant_client = host_client(app, "http://umbrella.atrium.test")
    response = tenant_client.get(location)
    assert response.status_code == 302
    dashboard = tenant_client.get("/")
    assert dashboard.status_code == 200
    assert b"Getting started" in dashboard.data
    with on_platform(app):
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "umbrella"))
        assert (tenant.name, tenant.plan_code, tenant.status) == ("Umbrella Agency", "normal", "trialing")
        assert tenant.trial_ends_at is not None
        tenant_id = tenant.id
    with in_tenant(app, tenant_id):
        [owner] = db.session.scalars(select(User)).all()
        assert (owner.email, owner.role) == ("boss@umbrella.test", "owner")
    # The hand-off link works once.
    assert host_client(app, "http://umbrella.atrium.test").get(location).status_code == 404


@pytest.mark.parametrize("slug", ["www", "admin", "api", "app", "mail", "static"])
def test_reserved_slugs_are_refused(apex_client, slug):
    response = apex_client.post("/signup", data={**GOOD, "slug": slug})
    assert response.status_code == 422
    assert b"is reserved" in response.data


@pytest.mark.parametrize("slug", ["-umbrella", "umbrella-", "Umbrella!", "um", "a" * 64, "um--brella", "um.brella"])
def test_malformed_slugs_are_refused(apex_client, slug):
    response = apex_client.post("/signup", data={**GOOD, "slug": slug})
    assert response.status_code == 422
    assert b"invalid-feedback" in response.data


def test_taken_slug_is_refused(apex_client, tenant_a):
    response = apex_client.post("/signup", data={**GOOD, "slug": tenant_a.slug})
    assert response.status_code == 422
    assert b"already taken" in response.data


def test_signup_ignores_injected_tenant_role_and_status(app, apex_client, tenant_b):
    apex_client.post(
        "/signup",
        data={
            **GOOD,
            "tenant_id": str(tenant_b.id),
            "role": "viewer",
            "is_active": "0",
            "plan_code": "enterprise",
            "status": "active",
        },
    )
    with on_platform(app):
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "umbrella"))
        assert tenant.id != tenant_b.id
        assert (tenant.plan_code, tenant.status) == ("normal", "trialing")
        owner = db.session.scalar(select(User).where(User.tenant_id == tenant.id))
        assert owner.role == "owner"
        assert owner.is_active_user
        assert db.session.scalar(select(User).where(User.tenant_id == tenant_b.id, User.email == GOOD["email"])) is None


def test_short_password_is_refused_inline(apex_client):
    response = apex_client.post("/signup", data={**GOOD, "password": "short"})
    assert response.status_code == 422
    assert b"invalid-feedback" in response.data


def test_unknown_subdomain_is_a_404_page(app):
    response = host_client(app, "http://nobody.atrium.test").get("/")
    assert response.status_code == 404
    assert b"Page not found" in response.data


def test_tenant_pages_do_not_exist_on_the_apex(apex_client):
    # /login on the apex is the workspace finder (tests/tenants/test_apex_sign_in.py), not a tenant's form.
    assert b'data-testid="login-form"' not in apex_client.get("/login").data
    assert apex_client.get("/forgot-password").status_code == 404
    assert apex_client.get("/settings/users").status_code == 404


def test_a_taken_address_is_said_with_the_other_mistakes_at_once(apex_client, tenant_a):
    """A taken address was only said once every other field was right: each round asked for
    the password again."""
    response = apex_client.post("/signup", data={**GOOD, "slug": tenant_a.slug, "password": "short"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "This address is already taken." in page
    assert "Use at least 10 characters." in page


def test_signup_asks_the_owners_name_and_invitations_carry_it(app, apex_client):
    """The owner's name was made from the email's first half: hello@… greeted "Good morning,
    Hello." and every invitation read "Hello invited you to …"."""
    unnamed = apex_client.post("/signup", data={**GOOD, "name": "  "})
    assert unnamed.status_code == 422
    assert "Enter your name." in unnamed.get_data(as_text=True)
    assert apex_client.post("/signup", data={**GOOD, "email": "hello@umbrella.test"}).status_code == 302
    with on_platform(app):
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == "umbrella"))
    with in_tenant(app, tenant_id):
        [owner] = db.session.scalars(select(User)).all()
        assert owner.name == "Ada Lovelace"


@pytest.mark.parametrize(("sent", "kept"), [("Europe/Paris", "Europe/Paris"), ("Mars/Olympus", "UTC"), ("", "UTC")])
def test_signup_starts_the_workspace_on_the_browsers_time_zone(app, apex_client, sent, kept):
    """Every new workspace began on UTC, so a Paris agency's "due today", greetings and
    times were an hour off until someone found the setting; the page sends the browser's zone."""
    assert apex_client.post("/signup", data={**GOOD, "timezone": sent}).status_code == 302
    with on_platform(app):
        assert db.session.scalar(select(Tenant.timezone).where(Tenant.slug == "umbrella")) == kept
