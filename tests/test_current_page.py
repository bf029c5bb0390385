"""A menu tells a screen reader which of its entries is the page it is on, not only by colour."""

import re


def _current_entries(html: str) -> list[str]:
    """The text of each link marked as the current page."""
    links = re.findall(r"<a\b([^>]*)>(.*?)</a>", html, re.S)
    return [re.sub(r"<[^>]+>", "", text).strip() for attrs, text in links if 'aria-current="page"' in attrs]


def test_the_apps_menu_says_which_page_is_open(client_for, tenant_a):
    html = client_for(tenant_a).get("/contacts").get_data(as_text=True)
    menu = html.split('id="main-nav"', 1)[1].split("</nav>", 1)[0]
    assert _current_entries(menu) == ["Contacts"]


def test_a_menus_entry_in_a_dropdown_says_it_is_open(client_for, tenant_a):
    html = client_for(tenant_a).get("/quotes").get_data(as_text=True)  # under the Sales menu
    menu = html.split('id="main-nav"', 1)[1].split("</nav>", 1)[0]
    assert _current_entries(menu) == ["Quotes"]


def test_the_consoles_and_the_sites_menus_say_which_page_is_open(console, apex_client):
    html = console.get("/tenants").get_data(as_text=True)
    assert _current_entries(html.split('id="console-nav"', 1)[1].split("</nav>", 1)[0]) == ["Agencies"]
    assert _current_entries(apex_client.get("/pricing").get_data(as_text=True)) == ["Pricing"]
