"""Colour contrast in a real browser: text people must read meets WCAG AA (4.5:1) against
what is behind it."""

import pytest

from tests.crm.factories import make_contact, make_tag, open_new_contact
from tests.notifications.factories import make_notification

pytestmark = pytest.mark.browser

# The contrast ratio of an element's text against the first opaque background behind it.
CONTRAST = """element => {
  const rgb = value => value.match(/[\\d.]+/g).map(Number);
  const luminance = ([r, g, b]) => {
    const [R, G, B] = [r, g, b].map(c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * R + 0.7152 * G + 0.0722 * B;
  };
  let behind = element;
  while (behind && rgb(getComputedStyle(behind).backgroundColor).concat([1])[3] === 0) behind = behind.parentElement;
  const backColour = rgb(getComputedStyle(behind || document.body).backgroundColor);
  // Text drawn in a see-through colour (Bootstrap's greys are) shows blended with what is behind.
  const [r, g, b, alpha = 1] = rgb(getComputedStyle(element).color);
  const text = luminance([r, g, b].map((channel, i) => alpha * channel + (1 - alpha) * backColour[i]));
  const back = luminance(backColour);
  return (Math.max(text, back) + 0.05) / (Math.min(text, back) + 0.05);
}"""


def test_grey_outline_buttons_are_readable_on_the_grey_page(live_server, page_at, make_tenant):
    tenant = make_tenant("greybuttons", roles=("owner",))
    page = page_at(1280)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/contacts", slug=tenant.slug))
    export = page.get_by_test_id("export-menu")  # an outline-secondary button on the page's grey
    assert export.evaluate(CONTRAST) >= 4.5


@pytest.mark.parametrize("colour", ["#0dcaf0", "#20c997", "#6610f2", "#ffc107"])
def test_tag_names_are_readable_on_their_colour(app, live_server, page_at, make_tenant, colour):
    tenant = make_tenant(f"tags{colour[1:]}", roles=("owner",))
    tag_id = make_tag(app, tenant, name="Priority", color=colour)
    make_contact(app, tenant, first_name="Ada", last_name="Lovelace", tag_ids=[str(tag_id)])
    page = page_at(1280)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/contacts", slug=tenant.slug))
    badge = page.get_by_test_id("record-row").locator(".tag-badge")
    assert badge.inner_text() == "Priority"
    assert badge.evaluate(CONTRAST) >= 4.5


def test_red_outline_buttons_are_readable_on_the_grey_page(app, live_server, page_at, make_tenant):
    tenant = make_tenant("redbuttons", roles=("owner",))
    page = page_at(1280)
    open_new_contact(app, live_server, page, tenant)
    assert page.get_by_test_id("delete-record").evaluate(CONTRAST) >= 4.5  # outline-danger


def _console_page(live_server, page_at, platform_admin):
    """A browser page signed in to the console (its sign-in asks for a second factor)."""
    admin_id, token = platform_admin
    host = f"admin.{live_server.base_domain}"
    client = live_server.app.test_client()
    with client.session_transaction(base_url=f"http://{host}") as session:
        session["_user_id"] = f"{admin_id}:{token}"
        session["_fresh"] = True
    name = live_server.app.config["ADMIN_SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name, domain=host.split(":")[0])  # a cookie's domain has no port
    page = page_at(1280)
    page.context.add_cookies([{"name": name, "value": cookie.value, "url": f"http://{host}/"}])
    return page


def test_the_consoles_current_page_is_readable_in_its_dark_menu(live_server, page_at, platform_admin):
    page = _console_page(live_server, page_at, platform_admin)
    page.goto(f"http://admin.{live_server.base_domain}/tenants")
    current = page.locator("#console-nav .nav-link.active")
    assert current.inner_text().strip() == "Agencies"
    assert current.evaluate(CONTRAST) >= 4.5  # the brand's indigo was 2.5:1 on the dark bar


def test_greyed_text_is_still_readable(live_server, page_at, platform_admin):
    page = page_at(1280)
    page.goto(live_server.url("/pricing"))
    missing = page.locator("[data-included=no]").first  # a plan's "SMS: not included"
    assert missing.evaluate(CONTRAST) >= 4.5
    page = _console_page(live_server, page_at, platform_admin)
    page.goto(f"http://admin.{live_server.base_domain}/plans")
    assert page.locator("[data-on=no]").first.evaluate(CONTRAST) >= 4.5


@pytest.mark.parametrize("brand", ["#ffc107", "#20c997", "#0dcaf0"])
def test_a_light_brand_colour_still_gives_readable_links_and_buttons(
    app, live_server, page_at, make_tenant, set_tenant, brand
):
    tenant = make_tenant(f"brand{brand[1:]}", roles=("owner",))
    set_tenant(tenant, brand_color=brand)  # a workspace's own colour, chosen in its settings
    make_contact(app, tenant, first_name="Ada", last_name="Lovelace")
    page = page_at(1280)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/contacts", slug=tenant.slug))
    assert page.get_by_role("link", name="Ada Lovelace").evaluate(CONTRAST) >= 4.5
    assert page.locator("#main-nav .nav-link.active").evaluate(CONTRAST) >= 4.5
    assert page.get_by_role("link", name="New contact").evaluate(CONTRAST) >= 4.5  # a primary button


def test_an_unread_notifications_time_is_readable_on_its_blue(app, live_server, page_at, make_tenant):
    tenant = make_tenant("greyonblue", roles=("owner",))
    make_notification(app, tenant)
    page = page_at(1280)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/notifications", slug=tenant.slug))
    when = page.locator(".notification-unread .text-body-tertiary").first  # when it came, in faint grey
    assert when.evaluate(CONTRAST) >= 4.5
