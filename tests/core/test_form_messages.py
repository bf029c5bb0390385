"""Form errors say what to type, in plain words, not WTForms' defaults."""

import pytest

from tests.conftest import PASSWORD
from tests.tenants.test_signup import GOOD

WTFORMS_DEFAULTS = ("Field must be", "characters long", "This field is required")


def _plain(page: str) -> None:
    for default in WTFORMS_DEFAULTS:
        assert default not in page, default


@pytest.mark.parametrize("colour", ["blue", "#12345", "#1234567", "#gggggg", ""])
def test_a_bad_tag_colour_asks_for_a_colour(tenant_a, client_for, colour):
    response = client_for(tenant_a).post("/settings/tags", data={"name": "Hot", "color": colour})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Pick a colour such as #3b82f6." in page
    _plain(page)


def test_a_bad_brand_colour_asks_for_a_colour(tenant_a, client_for):
    data = {"name": "Alpha", "timezone": "Europe/Paris", "currency": "EUR", "brand_color": "orange"}
    response = client_for(tenant_a).post("/settings", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Pick a colour such as #4f46e5." in page
    _plain(page)


def test_signup_says_how_long_a_password_and_what_an_address_may_be(apex_client):
    page = apex_client.post("/signup", data={**GOOD, "password": "short", "slug": "ab"}).get_data(as_text=True)
    assert "Use at least 10 characters." in page
    assert "Use 3 to 63 lowercase letters, digits and hyphens." in page
    _plain(page)
    page = apex_client.post("/signup", data={**GOOD, "password": "x" * 201}).get_data(as_text=True)
    assert "Use at most 200 characters." in page


def test_a_new_password_too_short_says_how_long(tenant_a, client_for):
    response = client_for(tenant_a).post(
        "/account", data={"password-current_password": PASSWORD, "password-new_password": "short"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Use at least 10 characters." in page
    _plain(page)
