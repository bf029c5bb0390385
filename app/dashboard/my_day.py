""" "My day", the dashboard's first panel: sections that domains register (today's tasks and
meetings, overdue items, leads not yet contacted, rotting deals…), each loading a bounded
number of rows for the signed-in user."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class MyDaySection:
    key: str
    title: str
    icon: str
    template: str  # rendered with `section`, `user` and what `load` returns
    load: Callable  # load(user) -> dict, or None when the section has nothing to show
    permission: str | None = None
    order: int = 100


MY_DAY_SECTIONS: list[MyDaySection] = []


def register_my_day_section(section: MyDaySection) -> None:
    if all(existing.key != section.key for existing in MY_DAY_SECTIONS):
        MY_DAY_SECTIONS.append(section)


def offered_sections(can) -> list[MyDaySection]:
    """The sections the user may see, in order (whether or not they have anything today)."""
    ordered = sorted(MY_DAY_SECTIONS, key=lambda item: item.order)
    return [section for section in ordered if not section.permission or can(section.permission)]


def my_day(user, can) -> list[tuple[MyDaySection, dict]]:
    """The sections the user may see, in order, with what each loaded (empty ones left out)."""
    shown = []
    for section in offered_sections(can):
        data = section.load(user)
        if data:
            shown.append((section, data))
    return shown
