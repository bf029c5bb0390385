"""The tenant shell's navigation: only sections that exist and that the user may open."""

from collections import Counter
from dataclasses import dataclass

from flask import g, request, url_for
from flask_login import current_user


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    icon: str
    permission: str | None = None
    group: str = "main"  # "main" in the top bar, "settings" in the settings menu
    feature: str | None = None
    order: int = 100
    # A count beside the label (my tasks due today): the endpoint of its fragment, fetched once
    # the page has loaded (no query on every page), and the event that has it fetched again.
    badge: tuple[str, str] | None = None
    # ((name, value), …) of the query the entry opens its page with: its usual view.
    args: tuple[tuple[str, str], ...] = ()


NAV_ITEMS: list[NavItem] = [
    NavItem("Dashboard", "dashboard.index", "speedometer2", order=0),
    NavItem("Agency", "settings.agency", "building-gear", "settings.manage", "settings"),
    NavItem("Team", "auth.users", "people", "users.manage", "settings"),
    NavItem("Audit log", "audit.index", "journal-text", "audit.view", "settings"),
    NavItem("API keys", "api.keys", "key", "api_keys.manage", "settings"),
]


@dataclass(frozen=True)
class NavMenu:
    """A drop-down of the top bar that gathers the items of one group (Sales: products,
    quotes, invoices), so the bar stays one line however many sections the app grows."""

    group: str
    label: str
    icon: str
    order: int = 100


NAV_MENUS: dict[str, NavMenu] = {}


def register_nav_menu(menu: NavMenu) -> None:
    NAV_MENUS.setdefault(menu.group, menu)


def register_nav_item(item: NavItem, *, before: str | None = None) -> None:
    """Domains add their section here when their blueprint exists."""
    if any(existing.endpoint == item.endpoint for existing in NAV_ITEMS):
        return
    if before:
        for index, existing in enumerate(NAV_ITEMS):
            if existing.endpoint == before:
                NAV_ITEMS.insert(index, item)
                return
    NAV_ITEMS.append(item)


def _blueprint(endpoint: str | None) -> str:
    return (endpoint or "").split(".")[0]


def _is_active(item: NavItem, sections: Counter) -> bool:
    """The section the page belongs to: its own page, a page under its address (/inbox/…), or
    any page of its blueprint when no other section of the bar shares that blueprint (the
    inbox and campaigns do: a campaign's page must not light up the inbox)."""
    if request.endpoint == item.endpoint:
        return True
    if item.group == "settings" or _blueprint(request.endpoint) != _blueprint(item.endpoint):
        return False
    return sections[_blueprint(item.endpoint)] == 1 or request.path.startswith(url_for(item.endpoint) + "/")


def navigation_for(is_allowed) -> dict[str, list[dict]]:
    """The signed-in user's sections: `is_allowed(item)` answers for its permission and feature
    (the shell passes the answer of auth and plans, which this module sits below)."""
    if g.get("host_kind") != "tenant" or not current_user.is_authenticated:
        return {"main": [], "settings": [], "menus": []}
    groups: dict[str, list[dict]] = {"main": [], "settings": []}
    allowed = [item for item in sorted(NAV_ITEMS, key=lambda entry: entry.order) if is_allowed(item)]
    sections = Counter(_blueprint(item.endpoint) for item in allowed if item.group != "settings")
    for item in allowed:
        groups.setdefault(item.group, []).append(
            {
                "label": item.label,
                "endpoint": item.endpoint,
                "href": url_for(item.endpoint, **dict(item.args)),
                "icon": item.icon,
                "active": _is_active(item, sections),
                "badge": item.badge,
            }
        )
    groups["menus"] = [
        {
            "label": menu.label,
            "icon": menu.icon,
            "items": groups[menu.group],
            "active": any(item["active"] for item in groups[menu.group]),
        }
        for menu in sorted(NAV_MENUS.values(), key=lambda entry: entry.order)
        if groups.get(menu.group)
    ]
    return groups
