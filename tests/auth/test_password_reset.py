"""Password reset by emailed link: single use, one hour."""

import re

import time_machine

from app.core.types import utcnow
from tests.auth.test_team import mail_to
from tests.conftest import PASSWORD


def _request_link(app, client, email="owner@example.com"):
    response = client.post("/forgot-password", data={"email": email})
    assert response.status_code == 302
    [mail] = mail_to(app, email)
    return re.search(r"/reset-password/\S+", mail["text"]).group(0)


def test_reset_link_changes_the_password_once(app, tenant_a, client_for):
    client = client_for(tenant_a, role=None)
    path = _request_link(app, client)
    response = client.post(path, data={"password": "brand-new-secret", "confirm": "brand-new-secret"})
    assert response.status_code == 302
    assert client_for(tenant_a, role=None).get(path).status_code == 410
    login = client_for(tenant_a, role=None).post(
        "/login", data={"email": "owner@example.com", "password": "brand-new-secret"}
    )
    assert login.status_code == 302


def test_reset_link_expires_after_an_hour(app, tenant_a, client_for):
    client = client_for(tenant_a, role=None)
    path = _request_link(app, client)
    with time_machine.travel(utcnow().timestamp() + 3601, tick=False):
        assert client.get(path).status_code == 410


def test_reset_of_an_unknown_address_looks_the_same_and_sends_nothing(app, tenant_a, client_for):
    response = client_for(tenant_a, role=None).post("/forgot-password", data={"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail_to(app, "nobody@example.com") == []


def test_reset_signs_out_other_sessions(app, tenant_a, client_for):
    signed_in = client_for(tenant_a)
    client = client_for(tenant_a, role=None)
    path = _request_link(app, client)
    client.post(path, data={"password": "brand-new-secret", "confirm": "brand-new-secret"})
    assert signed_in.get("/").status_code == 302


def test_reset_of_another_tenants_user_is_not_possible(app, make_tenant, client_for):
    alpha = make_tenant("alpha", roles=("owner",))
    bravo = make_tenant("bravo", roles=("owner", "sales"))
    client_for(alpha, role=None).post("/forgot-password", data={"email": "sales@example.com"})
    assert mail_to(app, "sales@example.com") == []
    assert bravo


def _links(app, client, count, email="owner@example.com"):
    for _ in range(count):
        assert client.post("/forgot-password", data={"email": email}).status_code == 302
    return [re.search(r"/reset-password/\S+", mail["text"]).group(0) for mail in mail_to(app, email)]


def _reset(client, path, password):
    return client.post(path, data={"password": password, "confirm": password})


def test_using_a_newer_link_spends_every_older_one(app, tenant_a, client_for):
    client = client_for(tenant_a, role=None)
    older, newer = _links(app, client, 2)
    assert _reset(client, newer, "newest-secret-1").status_code == 302
    assert client.get(older).status_code == 410
    assert _reset(client, older, "attacker-secret").status_code == 410
    login = client.post("/login", data={"email": "owner@example.com", "password": "newest-secret-1"})
    assert login.status_code == 302


def test_using_an_older_link_spends_the_newer_one(app, tenant_a, client_for):
    client = client_for(tenant_a, role=None)
    older, newer = _links(app, client, 2)
    assert _reset(client, older, "newest-secret-1").status_code == 302
    assert _reset(client, newer, "attacker-secret").status_code == 410


def test_changing_the_password_spends_every_outstanding_link(app, tenant_a, client_for):
    anonymous = client_for(tenant_a, role=None)
    [link] = _links(app, anonymous, 1)
    owner = client_for(tenant_a)
    response = owner.post(
        "/account",
        data={"password-current_password": PASSWORD, "password-new_password": "changed-secret-1"},
    )
    assert response.status_code == 302
    assert anonymous.get(link).status_code == 410


def test_links_of_other_users_stay_valid(app, tenant_a, client_for):
    client = client_for(tenant_a, role=None)
    [owner_link] = _links(app, client, 1)
    [admin_link] = _links(app, client, 1, email="admin@example.com")
    assert _reset(client, owner_link, "newest-secret-1").status_code == 302
    assert _reset(client, admin_link, "admins-secret-1").status_code == 302


def test_a_throttled_account_can_still_reset_its_password(app, tenant_a, client_for):
    """Five wrong passwords refused the reset request with 429: the throttle stops guessing,
    not recovery, and the new password signs in at once."""
    client = client_for(tenant_a, role=None)
    for _ in range(5):
        client.post("/login", data={"email": "owner@example.com", "password": "wrong-password"})
    assert client.post("/login", data={"email": "owner@example.com", "password": PASSWORD}).status_code == 429
    path = _request_link(app, client)
    assert _reset(client, path, "brand-new-secret").status_code == 302
    login = client.post("/login", data={"email": "owner@example.com", "password": "brand-new-secret"})
    assert login.status_code == 302


def test_reset_emails_to_one_address_are_capped_per_hour(app, tenant_a, client_for):
    """Anyone can ask for a reset link for any address: without a cap, a stranger could bury a
    user's inbox in them (and the agency's sending reputation with it). The page looks the same."""
    client = client_for(tenant_a, role=None)
    for _ in range(8):
        response = client.post("/forgot-password", data={"email": "owner@example.com"})
        assert response.status_code == 302
    assert len(mail_to(app, "owner@example.com")) == 3
    with time_machine.travel(utcnow().timestamp() + 3601, tick=False):
        assert client.post("/forgot-password", data={"email": "owner@example.com"}).status_code == 302
        assert len(mail_to(app, "owner@example.com")) == 4
