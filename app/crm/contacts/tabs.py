"""The customer-360 page's tabs: a registry, so a later domain (deals, tickets…) adds a tab by
calling `register_contact_tab(...)` instead of editing the page."""

from collections.abc import Callable
from dataclasses import dataclass

from flask import request


@dataclass(frozen=True)
class ContactTab:
    key: str
    label: str
    template: str  # rendered with `contact` and the loader's dict
    loader: Callable  # function(contact) -> dict of template values; a bounded number of queries
    icon: str = "circle"
    order: int = 100


_TABS: dict[str, ContactTab] = {}


def register_contact_tab(key: str, label: str, template: str, loader: Callable, *, icon="circle", order=100) -> None:
    _TABS[key] = ContactTab(key, label, template, loader, icon, order)


def contact_tabs() -> list[ContactTab]:
    return sorted(_TABS.values(), key=lambda tab: (tab.order, tab.label))


def get_tab(key: str) -> ContactTab | None:
    return _TABS.get(key)


def _timeline(contact) -> dict:
    from app.crm.activities.views import timeline_context

    return timeline_context(contact, "contact", request.args)


def _notes(contact) -> dict:
    from app.crm.activities.views import timeline_context

    return timeline_context(contact, "contact", {}, fixed_types=["note"])


register_contact_tab("timeline", "Timeline", "crm/activities/_timeline.html", _timeline, icon="clock-history", order=10)
register_contact_tab("notes", "Notes", "crm/activities/_timeline.html", _notes, icon="sticky", order=20)
