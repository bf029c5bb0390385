"""Password reset by emailed link: single use, one hour."""

import re

import time_machine

from app.core.types import utcnow
from tests.auth.test_team import mail_to


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
