"""Optional TOTP two-factor authentication with recovery codes."""

import re

import pyotp

from tests.conftest import PASSWORD


def _enable(client):
    page = client.get("/account/two-factor").data.decode()
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page).group(1)
    assert "<svg" in page  # the QR code
    response = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    codes = re.findall(r">([0-9a-f]{6}-[0-9a-f]{6})<", response.data.decode())
    assert len(codes) == 10
    return secret, codes


def _login(client):
    return client.post("/login", data={"email": "owner@example.com", "password": PASSWORD})


def test_enabling_requires_a_valid_code(tenant_a, client_for):
    client = client_for(tenant_a)
    client.get("/account/two-factor")
    response = client.post("/account/two-factor", data={"code": "000000"})
    assert response.status_code == 422
    assert b"did not match" in response.data


def test_login_asks_for_the_code_once_enabled(tenant_a, client_for):
    secret, _ = _enable(client_for(tenant_a))
    client = client_for(tenant_a, role=None)
    response = _login(client)
    assert response.headers["Location"] == "/login/verify"
    assert client.get("/").status_code == 302  # not signed in yet
    assert client.post("/login/verify", data={"code": "123456"}).status_code == 200
    assert client.post("/login/verify", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert client.get("/").status_code == 200


def test_recovery_code_works_once(tenant_a, client_for):
    _, codes = _enable(client_for(tenant_a))
    client = client_for(tenant_a, role=None)
    _login(client)
    assert client.post("/login/verify", data={"code": codes[0]}).status_code == 302
    again = client_for(tenant_a, role=None)
    _login(again)
    assert again.post("/login/verify", data={"code": codes[0]}).status_code == 200


def test_disabling_needs_the_password(tenant_a, client_for):
    client = client_for(tenant_a)
    _enable(client)
    assert client.post("/account/two-factor/disable", data={"password": "wrong"}).status_code == 422
    assert client.post("/account/two-factor/disable", data={"password": PASSWORD}).status_code == 302
    assert _login(client_for(tenant_a, role=None)).headers["Location"] == "/"


def _password_then_code(client, code):
    assert _login(client).headers["Location"] == "/login/verify"
    return client.post("/login/verify", data={"code": code})


def test_a_correct_password_does_not_buy_more_guesses_at_the_code(tenant_a, client_for):
    secret, _ = _enable(client_for(tenant_a))
    client = client_for(tenant_a, role=None)
    statuses = [_password_then_code(client, "000000").status_code for _ in range(12)]
    assert statuses[:5] == [200] * 5
    assert set(statuses[5:]) == {429}
    # While throttled even the right code is not checked.
    assert _password_then_code(client, pyotp.TOTP(secret).now()).status_code == 429


def test_an_accepted_code_clears_the_second_factor_failures(tenant_a, client_for):
    secret, _ = _enable(client_for(tenant_a))
    client = client_for(tenant_a, role=None)
    for _ in range(4):
        _password_then_code(client, "000000")
    assert _password_then_code(client, pyotp.TOTP(secret).now()).status_code == 302
    client.post("/logout")
    statuses = [_password_then_code(client, "000000").status_code for _ in range(5)]
    assert statuses == [200] * 5


def test_a_code_that_signed_in_once_cannot_sign_in_again(tenant_a, client_for):
    """RFC 6238 5.2: a code seen once (looked over a shoulder, relayed by a phishing page) is
    spent, although it stays current for up to a minute and a half."""
    secret, _ = _enable(client_for(tenant_a))
    code = pyotp.TOTP(secret).now()
    first = client_for(tenant_a, role=None)
    assert _password_then_code(first, code).status_code == 302
    replay = client_for(tenant_a, role=None)
    response = _password_then_code(replay, code)
    assert response.status_code == 200
    assert b"That code is not valid." in response.data
    assert replay.get("/").status_code == 302


def test_guesses_at_the_password_to_turn_two_factor_off_are_limited(tenant_a, client_for):
    """A stolen session must not be able to guess the password without end, turn two-factor
    off and take the account over: the guesses count against the sign-in limit."""
    client = client_for(tenant_a)
    _enable(client)
    statuses = [client.post("/account/two-factor/disable", data={"password": "wrong"}).status_code for _ in range(8)]
    assert statuses[:5] == [422] * 5
    assert set(statuses[5:]) == {429}
    assert client.post("/account/two-factor/disable", data={"password": PASSWORD}).status_code == 429
