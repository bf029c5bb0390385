"""The console's platform admins page: who may run the platform, added, removed and their
two-factor reset from the console, each change audited."""

from sqlalchemy import select

from app.core.extensions import db
from app.superadmin.admins import ensure_platform_admin
from app.superadmin.models import PlatformAdmin
from tests.conftest import ADMIN_PASSWORD, TEST_BASE_DOMAIN, host_client, on_platform
from tests.superadmin.conftest import platform_audit_actions


def _admin(app, email) -> PlatformAdmin | None:
    with on_platform(app):
        admin = db.session.scalar(select(PlatformAdmin).where(PlatformAdmin.email == email))
        if admin is not None:
            db.session.expunge(admin)
        return admin


def _second_admin(app, email="ops@atrium.test", *, totp=False) -> PlatformAdmin:
    with on_platform(app):
        admin, _ = ensure_platform_admin(email, "another-long-password", "Ops")
        if totp:
            admin.totp_secret, admin.totp_enabled = "JBSWY3DPEHPK3PXP", True
    return _admin(app, email)


def _signed_in(app, admin: PlatformAdmin):
    client = host_client(app, f"http://admin.{TEST_BASE_DOMAIN}")
    with client.session_transaction(base_url=f"http://admin.{TEST_BASE_DOMAIN}") as session:
        session["_user_id"] = f"{admin.id}:{admin.session_token}"
    return client


def test_admins_page_lists_each_admin_with_their_two_factor(app, console):
    _second_admin(app, totp=True)
    response = console.get("/admins")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-testid="admin-row-root@atrium.test"' in html
    assert 'data-testid="admin-row-ops@atrium.test"' in html
    assert 'data-testid="admin-2fa-ops@atrium.test" data-on="yes"' in html
    assert 'data-testid="admin-2fa-root@atrium.test" data-on="no"' in html


def test_adding_an_admin_lets_them_sign_in_and_is_audited(app, console):
    response = console.post(
        "/admins",
        data={
            "email": "New.Person@Atrium.test",
            "name": "New",
            "password": "a-long-first-password",
            "your_password": ADMIN_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert _admin(app, "new.person@atrium.test").is_active_admin
    assert "console.admin_added" in platform_audit_actions(app)
    fresh = host_client(app, f"http://admin.{TEST_BASE_DOMAIN}")
    signed_in = fresh.post("/login", data={"email": "new.person@atrium.test", "password": "a-long-first-password"})
    assert signed_in.status_code == 302
    assert fresh.get("/tenants").status_code == 200


def test_adding_an_admin_twice_or_with_a_short_password_is_an_inline_error(app, console):
    _second_admin(app)
    taken = console.post(
        "/admins",
        data={"email": "ops@atrium.test", "password": "a-long-first-password", "your_password": ADMIN_PASSWORD},
    )
    assert taken.status_code == 422
    assert "already a platform admin" in taken.get_data(as_text=True)
    short = console.post(
        "/admins", data={"email": "short@atrium.test", "password": "short", "your_password": ADMIN_PASSWORD}
    )
    assert short.status_code == 422
    assert _admin(app, "short@atrium.test") is None


def test_removing_an_admin_ends_their_session_and_is_audited(app, console):
    ops = _second_admin(app)
    their_console = _signed_in(app, ops)
    assert their_console.get("/tenants").status_code == 200
    response = console.post(f"/admins/{ops.id}/remove")
    assert response.status_code == 302
    assert not _admin(app, "ops@atrium.test").is_active_admin
    assert their_console.get("/tenants").status_code == 404
    assert "console.admin_removed" in platform_audit_actions(app)
    # The row stays (the audit log names them); they can be given access back.
    assert console.post(f"/admins/{ops.id}/restore").status_code == 302
    assert _admin(app, "ops@atrium.test").is_active_admin
    assert "console.admin_restored" in platform_audit_actions(app)


def test_an_admin_cannot_remove_themselves(app, console, platform_admin):
    admin_id, _ = platform_admin
    _second_admin(app)
    response = console.post(f"/admins/{admin_id}/remove", follow_redirects=True)
    assert "cannot remove yourself" in response.get_data(as_text=True)
    assert _admin(app, "root@atrium.test").is_active_admin


def test_resetting_another_admins_two_factor_is_audited(app, console):
    ops = _second_admin(app, totp=True)
    response = console.post(f"/admins/{ops.id}/reset-two-factor")
    assert response.status_code == 302
    reset = _admin(app, "ops@atrium.test")
    assert not reset.totp_enabled
    assert reset.totp_secret is None
    assert reset.session_token != ops.session_token  # signed in with the old factor: signed out
    assert "console.admin_2fa_reset" in platform_audit_actions(app)


def test_unknown_admin_is_404(console):
    assert console.post("/admins/01900000-0000-7000-8000-000000000000/remove").status_code == 404


def test_adding_an_admin_asks_for_your_own_password(app, console):
    """A console left open (or a stolen session cookie) could mint a lasting admin of its own
    with one form: the acting admin now types their password first."""
    data = {"email": "intruder@evil.test", "password": "a-long-first-password"}
    missing = console.post("/admins", data=data)
    assert missing.status_code == 422
    wrong = console.post("/admins", data={**data, "your_password": "not-my-password"})
    assert wrong.status_code == 422
    assert "This is not your password." in wrong.get_data(as_text=True)
    assert _admin(app, "intruder@evil.test") is None


def test_on_a_phone_each_admins_figure_says_what_it_is(app, console):
    """The stacked rows of a phone read "Off" with nothing to say it was the two-factor."""
    html = console.get("/admins").get_data(as_text=True)
    row = html.split('data-testid="admin-row-root@atrium.test"')[1].split("</tr>")[0]
    assert 'data-label="Two-factor"' in row
    assert 'data-label="Last sign-in"' in row
