"""Searching a kit list: every match once, in the list's order, page after page (forward and
back), only the current tenant's rows, whichever path the search takes on PostgreSQL (the
gathered window, the walk of the sort's index for a common term, the plain LIKE when filters
are too narrow for the window)."""

import pytest
from sqlalchemy import select, text

from app.core.extensions import db
from app.records import listing, search
from app.records.listing import count_records, list_records
from app.records.registry import get_record_type
from tests.conftest import USE_POSTGRES, in_tenant
from tests.crm.factories import make_record
from tests.records.example import Gadget

NAMES = [f"Zoey {letter}" for letter in "GFEDCBA"] + ["Adam Zoeyfield", "Other one", "Shoe maker"]


def _fill(app, tenant, names=NAMES):
    for index, name in enumerate(names):
        make_record(app, tenant, "gadget", name=name, color="blue" if index % 3 == 0 else "red")


def _walk(app, tenant, query, *, filters=None, sort="name", limit=2):
    """Every page forward; then, from the last page, every page back, ending with the last
    page itself: both lists should be every match in order."""
    gadgets = get_record_type("gadget")
    forward, backward, cursor = [], [], None
    with in_tenant(app, tenant):
        while True:
            page = list_records(gadgets, search=query, filters=filters, sort=sort, cursor=cursor, limit=limit)
            forward.extend(item.name for item in page.items)
            if not page.next_cursor:
                break
            cursor = page.next_cursor
        backward = [item.name for item in page.items]
        cursor = page.prev_cursor
        while cursor:
            page = list_records(gadgets, search=query, filters=filters, sort=sort, cursor=cursor, limit=limit)
            backward[:0] = [item.name for item in page.items]
            cursor = page.prev_cursor
        count = count_records(gadgets, search=query, filters=filters)
    return forward, backward, count


@pytest.mark.parametrize(("probe_rows", "gather_limit"), [(1, 1000), (1, 3), (1000, 1000)])
def test_search_pages_hold_every_match_once_in_order(app, tenant_a, tenant_b, monkeypatch, probe_rows, gather_limit):
    # probe_rows 1: the probe of the list's next rows never fills a page; gather_limit 3:
    # "zoey" is then a common term, found by walking the sort's index.
    monkeypatch.setattr(search, "PROBE_ROWS", probe_rows)
    monkeypatch.setattr(search, "GATHER_LIMIT", gather_limit)
    _fill(app, tenant_a)
    _fill(app, tenant_b, ["Zoey Twin", "Zoey Look-alike"])
    expected = sorted(name for name in NAMES if "zoey" in name.lower())
    forward, backward, count = _walk(app, tenant_a, "zoey")
    assert forward == expected
    assert backward == expected
    assert count == (len(expected), False)
    newest_first, _, _ = _walk(app, tenant_a, "zoey", sort="-name", limit=3)
    assert newest_first == expected[::-1]


def test_filtered_search_keeps_every_match_when_the_window_is_too_small(app, tenant_a, monkeypatch):
    monkeypatch.setattr(listing, "FILTERED_SEARCH_WINDOW", 2)
    _fill(app, tenant_a)
    forward, _, count = _walk(app, tenant_a, "zoey", filters={"color": "blue"}, limit=1)
    expected = sorted(name for index, name in enumerate(NAMES) if "zoey" in name.lower() and index % 3 == 0)
    assert forward == expected
    assert count == (len(expected), False)


def test_short_terms_match_the_start_of_a_word(app, tenant_a):
    _fill(app, tenant_a)
    forward, _, count = _walk(app, tenant_a, "sh")
    assert forward == ["Shoe maker"]
    assert _walk(app, tenant_a, "ho")[0] == []  # inside "Shoe": two letters match only a word's start
    assert _walk(app, tenant_a, "hoe")[0] == ["Shoe maker"]
    assert count == (1, False)


@pytest.mark.skipif(not USE_POSTGRES, reason="the platform-role window exists on PostgreSQL only")
def test_postgres_searches_through_the_window_with_the_tenant_bound(app, tenant_a, tenant_b, monkeypatch):
    _fill(app, tenant_a)
    _fill(app, tenant_b)
    windows = []
    original = listing.search_window

    def spy(*args, **kwargs):
        windows.append(original(*args, **kwargs))
        return windows[-1]

    monkeypatch.setattr(listing, "search_window", spy)
    forward, _, _ = _walk(app, tenant_a, "zoey", limit=10)
    assert len(forward) == 8
    assert windows
    assert windows[0].matches == 8  # tenant B's eight look-alikes are not counted
    with in_tenant(app, tenant_a):
        own = set(db.session.scalars(select(Gadget.id)))
    assert set(windows[0].ids) <= own


@pytest.mark.skipif(not USE_POSTGRES, reason="trigram indexes exist on PostgreSQL only")
def test_activity_search_reads_a_window_of_the_tenants_matches_in_order(app, tenant_a, tenant_b, monkeypatch):
    """The activities list searches through an ordered window of this tenant's matches (its
    newest rows first, then the trigram index), and pages through them by cursor."""
    from datetime import timedelta

    from app.auth.models import User
    from app.core.types import utcnow
    from app.crm.activities import services as activities
    from tests.crm.factories import make_activity, make_contact

    make_activity(app, tenant_b, body="Sent the harvest proposal.")
    contact_id = make_contact(app, tenant_a)
    start = utcnow() - timedelta(days=30)
    with in_tenant(app, tenant_a):
        owner = db.session.get(User, (tenant_a.id, tenant_a.users["owner"]))
        for day in range(24):
            body = f"Harvest proposal, draft {day}." if day % 3 else f"Called about invoices {day}."
            data = {"type": "note", "body": body, "contact_id": contact_id, "occurred_at": start + timedelta(days=day)}
            activities.log_activity(data, actor=owner)
    windows = []
    original = activities.search_window
    monkeypatch.setattr(activities, "search_window", lambda *a, **k: windows.append(original(*a, **k)) or windows[-1])
    with in_tenant(app, tenant_a):
        pages, cursor = [], None
        while True:
            page = activities.list_activities(search="HARVEST proposal", cursor=cursor, limit=5)
            pages.append([activity.body for activity in page.items])
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        back = activities.list_activities(search="harvest proposal", cursor=page.prev_cursor, limit=5)
        back_bodies = [activity.body for activity in back.items]
        definition = db.session.execute(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_activities_search_trgm'")
        ).scalar()
    wanted = [f"Harvest proposal, draft {day}." for day in reversed(range(24)) if day % 3]
    assert [len(items) for items in pages] == [5, 5, 5, 1]
    assert [body for items in pages for body in items] == wanted
    assert back_bodies == wanted[10:15]
    assert len(windows) == 5  # one window per page, none of them from tenant B
    assert "gin_trgm_ops" in definition
    assert "lower" in definition
