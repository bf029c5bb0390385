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


def test_every_page_form_speaks_plain_words(app):
    """A form built on Flask-WTF directly would show WTForms' defaults again."""
    from flask_wtf import FlaskForm

    from app.core.forms import PageForm

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    strays = [f"{form.__module__}.{form.__name__}" for form in subclasses(FlaskForm) if not issubclass(form, PageForm)]
    assert [name for name in strays if name.startswith("app.") and name != "app.core.forms.PageForm"] == []


def test_wtforms_length_and_required_messages_read_as_plain_words(tenant_a, client_for):
    response = client_for(tenant_a).post("/settings/webhooks", data={"name": "x" * 121, "url": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Use at most 120 characters." in page
    assert "Fill this in." in page
    _plain(page)
    assert "cannot be longer" not in page


def test_plain_words_keep_wtforms_counts_and_leave_other_messages_alone():
    from app.core.form_messages import PLAIN_WORDS

    one = PLAIN_WORDS.ngettext(
        "Field cannot be longer than %(max)d character.", "Field cannot be longer than %(max)d characters.", 1
    )
    many = PLAIN_WORDS.ngettext(
        "Field cannot be longer than %(max)d character.", "Field cannot be longer than %(max)d characters.", 80
    )
    assert (one % {"max": 1}, many % {"max": 80}) == ("Use at most 1 character.", "Use at most 80 characters.")
    assert PLAIN_WORDS.gettext("Not a valid integer value.") == "Enter a whole number, such as 12."
    assert PLAIN_WORDS.gettext("Pick a colour such as #3b82f6.") == "Pick a colour such as #3b82f6."
