"""In a real browser: sign up, land on the dashboard, sign out, sign in again — on a desktop and a phone."""

import os

import pytest

pytestmark = pytest.mark.browser

SCREENSHOTS = os.environ.get("ATRIUM_SCREENSHOTS")


def _shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


def _open_user_menu(page, width):
    if width < 992:
        page.click("button.navbar-toggler")
        page.wait_for_selector("#main-nav.show")  # the collapse animation has finished
    page.click('[data-testid="user-menu"]')
    page.wait_for_selector('[data-testid="logout"]', state="visible")


@pytest.mark.parametrize("width", [1280, 375])
def test_signup_dashboard_logout_login(live_server, page_at, width):
    slug = f"umbrella{width}"
    page = page_at(width)
    page.goto(live_server.url("/"))
    _shot(page, f"landing-{width}")
    form = page.locator('[data-testid="signup-form"]')
    form.locator("#agency_name").fill("Umbrella Agency")
    form.locator("#slug").fill(slug)
    form.locator("#name").fill("Boss")
    form.locator("#email").fill("boss@umbrella.test")
    form.locator("#password").fill("correct-horse-1")
    form.locator('[data-testid="signup-submit"]').click()

    page.wait_for_url(live_server.url("/", slug=slug))
    assert page.locator('[data-testid="greeting"]').inner_text().endswith("Boss.")
    assert page.locator('[data-testid="checklist"]').is_visible()
    _shot(page, f"dashboard-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing overflows sideways

    _open_user_menu(page, width)
    page.click('[data-testid="logout"]')
    page.wait_for_url(live_server.url("/login", slug=slug))
    assert "You are signed out" in page.content()

    page.fill("#email", "boss@umbrella.test")
    page.fill("#password", "correct-horse-1")
    page.click('[data-testid="login-submit"]')
    page.wait_for_url(live_server.url("/", slug=slug))
    assert page.locator('[data-testid="greeting"]').is_visible()
    assert page.console_errors == []


def test_wrong_password_shows_an_inline_message(live_server, page_at, make_tenant):
    tenant = make_tenant("wrongpw", roles=("owner",))
    page = page_at(375)
    page.goto(live_server.url("/login", slug=tenant.slug))
    page.fill("#email", "owner@example.com")
    page.fill("#password", "not-the-password")
    page.click('[data-testid="login-submit"]')
    assert page.locator(".alert-danger").inner_text().startswith("That email and password do not match")
    assert page.console_errors == []


def test_signup_starts_the_workspace_on_the_browsers_time_zone(live_server, browser, app):
    """The signup page sends the browser's zone with the form: a Paris agency starts on Paris time."""
    from sqlalchemy import select

    from app.core.extensions import db
    from app.tenants.models import Tenant
    from tests.conftest import on_platform

    context = browser.new_context(viewport={"width": 375, "height": 900}, timezone_id="Europe/Paris")
    try:
        page = context.new_page()
        page.goto(live_server.url("/signup"))
        form = page.locator('[data-testid="signup-form"]')
        form.locator("#agency_name").fill("Paris Agency")
        form.locator("#slug").fill("parisagency")
        form.locator("#name").fill("Camille")
        form.locator("#email").fill("camille@paris.test")
        form.locator("#password").fill("correct-horse-1")
        form.locator('[data-testid="signup-submit"]').click()
        page.wait_for_url(live_server.url("/", slug="parisagency"))
    finally:
        context.close()
    with on_platform(app):
        assert db.session.scalar(select(Tenant.timezone).where(Tenant.slug == "parisagency")) == "Europe/Paris"


def test_the_signup_address_is_suggested_from_the_agency_name(live_server, page_at):
    """A newcomer typed the agency's name, then had to make up an address; it is now suggested
    as they type (accents dropped), and left alone once they write their own."""
    page = page_at(375)
    page.goto(live_server.url("/signup"))
    form = page.locator('[data-testid="signup-form"]')
    form.locator("#agency_name").fill("Café Lumière & Fils")
    assert form.locator("#slug").input_value() == "cafe-lumiere-fils"
    form.locator("#slug").fill("lumiere")
    form.locator("#agency_name").fill("Café Lumière")
    assert form.locator("#slug").input_value() == "lumiere"
    assert page.console_errors == []


@pytest.mark.parametrize("width", [1280, 1024])
def test_the_top_bar_is_one_row_on_a_laptop_even_with_a_long_agency_name(app, live_server, page_at, make_tenant, width):
    """At 1280 px a workspace named longer than 'Acme Agency' pushed Marketing onto a second row
    of the top bar; the name is cut shorter there (whole in its tooltip) and the links closer.
    At 1024 px even the demo's short name made two rows: the mark stands for the name there."""
    from app.core.extensions import db
    from app.tenants.models import Tenant
    from tests.conftest import on_platform

    tenant = make_tenant(f"longname{width}", roles=("owner",))
    with on_platform(app):
        db.session.get(Tenant, tenant.id).name = "Northwind Creative Partners International"
        db.session.commit()
    page = page_at(width)  # with the suite's test-only record type, one entry more than a workspace has
    live_server.sign_in(page, tenant.slug)
    bar = page.locator("nav.navbar").bounding_box()
    brand = page.locator(".navbar-brand").bounding_box()
    assert bar["height"] < brand["height"] * 2, bar
    assert page.locator(".brand-name").get_attribute("title") == "Northwind Creative Partners International"
