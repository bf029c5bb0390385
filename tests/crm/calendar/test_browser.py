"""The calendar in a real browser: a meeting dragged one hour later is saved (and the change
reaches its attendees); on a phone the week's agenda fits the screen. Tasks: tick done in place on
a contact's Tasks tab, and the bell counts what is new."""

import datetime as dt

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.core.extensions import db
from tests.conftest import in_tenant
from tests.crm.calendar.factories import make_meeting
from tests.crm.factories import make_contact
from tests.crm.tasks.factories import make_task

pytestmark = pytest.mark.browser


def _starts_at(app, tenant, meeting_id):
    from app.crm.calendar.models import Meeting

    with in_tenant(app, tenant.id):
        return db.session.scalar(select(Meeting.starts_at).where(Meeting.id == meeting_id))


def test_dragging_a_meeting_on_the_calendar_reschedules_it(app, live_server, page_at, make_tenant):
    tenant = make_tenant("calendardrag", roles=("owner", "sales"))
    today = dt.datetime.now(dt.UTC).date()
    start = dt.datetime.combine(today, dt.time(10, 0), tzinfo=dt.UTC)
    contact_id = make_contact(app, tenant, emails=["ada@example.org"])
    meeting_id = make_meeting(
        app,
        tenant,
        title="Design review",
        starts_at=start.isoformat(),
        ends_at=(start + dt.timedelta(hours=1)).isoformat(),
        attendees=[{"contact_id": str(contact_id)}],
    )
    page = page_at(1280)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/calendar", slug=tenant.slug))
    calendar = page.get_by_test_id("calendar")
    expect(calendar).to_have_attribute("data-loaded", "1")
    event = calendar.get_by_text("Design review")
    expect(event).to_be_visible()
    box = event.bounding_box()
    # One hour is the distance between two hour labels of the time axis.
    hour = (
        calendar.get_by_text("11am", exact=True).bounding_box()["y"]
        - calendar.get_by_text("10am", exact=True).bounding_box()["y"]
    )
    assert hour > 20
    x, y = box["x"] + box["width"] / 2, box["y"] + 6
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x, y + hour * step / 10)
    page.mouse.up()
    expect(calendar).to_have_attribute("data-saving", "false")
    expect(calendar).to_have_attribute("data-last-saved", f"{meeting_id} {(start + dt.timedelta(hours=1)).isoformat()}")
    assert _starts_at(app, tenant, meeting_id) == start + dt.timedelta(hours=1)
    # It stays there after a reload (saved on the server, not only moved on the screen).
    page.reload()
    expect(page.get_by_test_id("calendar")).to_have_attribute("data-loaded", "1")
    assert "11:00" in page.get_by_test_id("calendar").get_by_text("Design review").locator("..").inner_text()
    # Choosing a time range opens a new meeting's form with that range, in the workspace's zone.
    page.evaluate(f"window.atriumCalendar.select('{today.isoformat()}T15:00:00', '{today.isoformat()}T16:30:00')")
    page.wait_for_url("**/meetings/new?*")
    assert page.locator("#f-starts_at").input_value() == f"{today.isoformat()}T15:00"
    assert page.locator("#f-ends_at").input_value() == f"{today.isoformat()}T16:30"
    with in_tenant(app, tenant.id):
        from app.messaging.models import OutboxMessage

        subjects = [message.payload["subject"] for message in db.session.scalars(select(OutboxMessage))]
    assert "Updated invitation: Design review" in subjects
    assert page.console_errors == []


def test_the_week_shows_meetings_before_seven_and_after_nine(app, live_server, page_at, make_tenant):
    # A client overseas: 06:00 and 22:30 in the workspace's zone. The week and day grids ran
    # from 07:00 to 21:00 and left both out, with nothing to say they were there.
    tenant = make_tenant("calendarhours", roles=("owner",))
    today = dt.datetime.now(dt.UTC).date()
    for title, hour, minute in (("Early call", 6, 0), ("Late call", 22, 30)):
        start = dt.datetime.combine(today, dt.time(hour, minute), tzinfo=dt.UTC)
        make_meeting(
            app,
            tenant,
            title=title,
            starts_at=start.isoformat(),
            ends_at=(start + dt.timedelta(minutes=30)).isoformat(),
        )
    page = page_at(1280)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/calendar", slug=tenant.slug))
    calendar = page.get_by_test_id("calendar")
    expect(calendar).to_have_attribute("data-loaded", "2")
    expect(calendar.get_by_text("Early call")).to_have_count(1)
    expect(calendar.get_by_text("Late call")).to_have_count(1)
    # The working day is what shows first: the grid opens scrolled to 07:00, not midnight.
    expect(calendar.get_by_text("8am", exact=True)).to_be_in_viewport()
    assert page.console_errors == []


def test_on_a_phone_a_long_meeting_title_wraps_in_the_agenda(app, live_server, page_at, make_tenant):
    """The agenda's title cell is one line that hides what it cannot hold: 'Kick-off: spring
    campaign' read 'Kick-off: spring ca', with no ellipsis and no way to read the rest."""
    tenant = make_tenant("phonetitle", roles=("owner",))
    start = dt.datetime.combine(dt.datetime.now(dt.UTC).date(), dt.time(10, 0), tzinfo=dt.UTC)
    title = "Kick-off for the spring campaign with the whole client team"
    end = (start + dt.timedelta(hours=1)).isoformat()
    make_meeting(app, tenant, title=title, starts_at=start.isoformat(), ends_at=end)
    page = page_at(375)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/calendar", slug=tenant.slug))
    calendar = page.get_by_test_id("calendar")
    expect(calendar).to_have_attribute("data-loaded", "1")
    shown = calendar.get_by_text(title)
    expect(shown).to_be_visible()
    assert shown.evaluate("e => e.scrollWidth <= e.clientWidth")  # nothing cut off
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_on_a_phone_the_weeks_agenda_fits_and_a_task_is_ticked_done_in_place(app, live_server, page_at, make_tenant):
    tenant = make_tenant("phoneday", roles=("owner", "sales"))
    contact_id = make_contact(app, tenant)
    task_id = make_task(app, tenant, title="Send the deck", related_id=contact_id)
    make_task(app, tenant, title="From a colleague", owner_id=str(tenant.users["owner"]))
    start = dt.datetime.combine(dt.datetime.now(dt.UTC).date(), dt.time(10, 0), tzinfo=dt.UTC)
    make_meeting(
        app,
        tenant,
        title="Design review",
        starts_at=start.isoformat(),
        ends_at=(start + dt.timedelta(hours=1)).isoformat(),
    )
    page = page_at(375)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/calendar", slug=tenant.slug))
    calendar = page.get_by_test_id("calendar")
    expect(calendar).to_have_attribute("data-loaded", "1")
    # A phone opens on the week's agenda (not a day's grid of empty hours), its title short enough to fit.
    expect(calendar.get_by_text("Design review")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # A phone keeps a way back to today: a week ahead, then Today (disabled while this week shows).
    today = page.get_by_role("button", name="This Week")
    expect(today).to_be_disabled()
    page.get_by_role("button", name="Next Week").click()
    expect(today).to_be_enabled()
    expect(calendar.get_by_text("No meetings this week.")).to_be_visible()
    today.click()
    expect(today).to_be_disabled()
    calendar.get_by_text("Day", exact=True).click()
    expect(calendar.get_by_text("Design review")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.goto(live_server.url(f"/contacts/{contact_id}?tab=tasks", slug=tenant.slug))
    tick = page.get_by_test_id(f"tick-{task_id}")
    expect(tick).to_have_attribute("aria-pressed", "false")
    tick.click()
    expect(page.get_by_test_id(f"tick-{task_id}")).to_have_attribute("aria-pressed", "true")  # swapped by HTMX
    from app.crm.tasks.models import Task

    with in_tenant(app, tenant.id):
        assert db.session.get(Task, (tenant.id, task_id)).status == "done"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.console_errors == []
