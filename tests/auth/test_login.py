"""Signing in and out on a tenant host."""

from app.auth.models import User
from app.core.extensions import db
from tests.conftest import PASSWORD, in_tenant


def login(client, email="owner@example.com", password=PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def test_login_lands_on_the_dashboard(tenant_a, client_for):
    client = client_for(tenant_a, role=None)
    response = login(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_wrong_password_is_refused_with_a_message_and_audited(app, tenant_a, client_for):
    from sqlalchemy import select

    from app.core.audit import AuditEvent

    response = login(client_for(tenant_a, role=None), password="wrong-password")
    assert response.status_code == 200
    assert b"do not match" in response.data
    with in_tenant(app, tenant_a):
        actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "login.failed" in actions


def test_successful_login_is_audited(app, tenant_a, client_for):
    from sqlalchemy import select

    from app.core.audit import AuditEvent

    login(client_for(tenant_a, role=None))
    with in_tenant(app, tenant_a):
        assert "login.succeeded" in db.session.scalars(select(AuditEvent.action)).all()


def test_user_of_another_tenant_cannot_log_in_here(make_tenant, client_for):
    alpha = make_tenant("alpha", roles=("owner",))
    bravo = make_tenant("bravo", roles=("owner", "sales"))
    response = login(client_for(alpha, role=None), email="sales@example.com")
    assert response.status_code == 200
    assert b"do not match" in response.data
    assert bravo  # sales@example.com exists only in bravo


def test_next_redirect_stays_on_this_host(tenant_a, client_for):
    client = client_for(tenant_a, role=None)
    assert login(client, next="/settings/users").headers["Location"] == "/settings/users"
    client = client_for(tenant_a, role=None)
    assert login(client, next="https://evil.example/").headers["Location"] == "/"
    client = client_for(tenant_a, role=None)
    assert login(client, next="//evil.example/x").headers["Location"] == "/"


def test_session_is_rotated_at_login(tenant_a, client_for):
    client = client_for(tenant_a, role=None)
    client.get("/login")
    with client.session_transaction(base_url=tenant_a.base_url) as session:
        session["planted"] = "by an attacker"
    login(client)
    with client.session_transaction(base_url=tenant_a.base_url) as session:
        assert "planted" not in session
        assert session["tenant_id"] == str(tenant_a.id)


def test_logout_ends_the_session(tenant_a, client_for):
    client = client_for(tenant_a)
    assert client.get("/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_deactivated_user_cannot_log_in(app, tenant_a, client_for):
    with in_tenant(app, tenant_a):
        db.session.get(User, (tenant_a.id, tenant_a.users["sales"])).is_active_user = False
    response = login(client_for(tenant_a, role=None), email="sales@example.com")
    assert b"do not match" in response.data


def test_anonymous_visitor_is_sent_to_login(tenant_a, client_for):
    response = client_for(tenant_a, role=None).get("/settings/users")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_guesses_at_the_current_password_on_the_account_page_are_limited(tenant_a, client_for):
    client = client_for(tenant_a)

    def change(current, new="a-much-longer-passphrase"):
        data = {"password-current_password": current, "password-new_password": new}
        return client.post("/account", data=data).status_code

    statuses = [change("wrong") for _ in range(8)]
    assert statuses[:5] == [422] * 5
    assert set(statuses[5:]) == {429}
    assert change(PASSWORD) == 429


def test_a_weak_new_password_does_not_clear_the_count_of_wrong_current_ones(tenant_a, client_for):
    client = client_for(tenant_a)

    def change(current, new):
        data = {"password-current_password": current, "password-new_password": new}
        return client.post("/account", data=data).status_code

    statuses = [change("wrong", "a-much-longer-passphrase") for _ in range(4)]
    statuses.append(change("wrong", "short"))  # refused before the current password is read
    statuses += [change("wrong", "a-much-longer-passphrase") for _ in range(2)]
    assert statuses[:5] == [422] * 5
    assert statuses[-1] == 429
