"""Console navigation: packages add their console pages here."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ConsoleNavItem:
    label: str
    endpoint: str
    icon: str


CONSOLE_NAV: list[ConsoleNavItem] = [
    ConsoleNavItem("Overview", "console.index", "speedometer2"),
    ConsoleNavItem("Agencies", "console.tenants", "buildings"),
    ConsoleNavItem("Plans", "console.plans", "stars"),
    ConsoleNavItem("Jobs", "console.jobs", "clock-history"),
    ConsoleNavItem("Audit log", "console.audit", "journal-text"),
    ConsoleNavItem("Admins", "console.admins", "person-badge"),
]


def register_console_nav(item: ConsoleNavItem) -> None:
    if all(existing.endpoint != item.endpoint for existing in CONSOLE_NAV):
        CONSOLE_NAV.append(item)


def console_nav() -> list[ConsoleNavItem]:
    return list(CONSOLE_NAV)
