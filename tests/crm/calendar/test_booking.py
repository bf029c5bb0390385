"""Booking links: free slots against existing meetings (buffers, notice, how far ahead, daily
cap), the visitor's time zone, booking (contact created or matched, meeting, confirmation with
an .ics and a private link), cancel and reschedule by that link, team pages in turn, and
exactly one winner when 20 visitors book one slot at once (PostgreSQL)."""

import base64
import datetime as dt
import re
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from icalendar import Calendar
from sqlalchemy import func, select

from app.core.extensions import db
from app.crm.calendar.models import Booking, BookingType, Meeting
from app.messaging.models import OutboxMessage
from tests.conftest import USE_POSTGRES, in_tenant
from tests.crm.calendar.factories import make_booking_type, make_meeting
from tests.crm.factories import make_contact

# Monday 2 December 2030, 06:00 UTC: the calendar below is that week.
NOW = dt.datetime(2030, 12, 2, 6, 0, tzinfo=dt.UTC)
MONDAY = dt.date(2030, 12, 2)
MORNINGS = {"mon": [["09:00", "12:00"]], "tue": [["09:00", "12:00"]]}


def _slots(app, tenant, booking_type_id, day=MONDAY, days=1):
    from app.crm.calendar.booking import free_slots
    from app.crm.calendar.models import BookingType

    with in_tenant(app, tenant.id):
        booking_type = db.session.get(BookingType, (tenant.id, booking_type_id))
        return [(slot.start.strftime("%a %H:%M"), len(slot.hosts)) for slot in free_slots(booking_type, day, days)]


def test_free_slots_keep_clear_of_meetings_buffers_notice_and_the_daily_cap(app, tenant_a):
    with time_machine.travel(NOW, tick=False):
        booking_type_id = make_booking_type(
            app,
            tenant_a,
            availability=MORNINGS,
            duration_minutes=30,
            buffer_after_minutes=15,
            min_notice_minutes=4 * 60,
            max_days_ahead=2,
        )
        make_meeting(app, tenant_a, starts_at="2030-12-02T10:30:00Z", ends_at="2030-12-02T11:00:00Z")
        times = [label for label, _ in _slots(app, tenant_a, booking_type_id, days=3)]
    # Before 10:00 is inside the 4 hours' notice; 10:00 would end at 10:30 + 15 min of buffer;
    # 10:30 is taken; Tuesday's slots are within two days; Wednesday has no hours.
    assert times == [
        "Mon 11:00",
        "Mon 11:30",
        "Tue 09:00",
        "Tue 09:30",
        "Tue 10:00",
        "Tue 10:30",
        "Tue 11:00",
        "Tue 11:30",
    ]
    with time_machine.travel(NOW, tick=False):
        from app.crm.calendar.booking import update_booking_type
        from app.crm.calendar.models import BookingType

        with in_tenant(app, tenant_a.id):
            from app.auth.models import User

            owner = db.session.get(User, (tenant_a.id, tenant_a.users["owner"]))
            update_booking_type(
                db.session.get(BookingType, (tenant_a.id, booking_type_id)), {"max_days_ahead": 1}, actor=owner
            )
        assert [label for label, _ in _slots(app, tenant_a, booking_type_id, days=3)] == ["Mon 11:00", "Mon 11:30"]


def test_the_daily_cap_counts_bookings_of_the_day(app, tenant_a, client_for):
    with time_machine.travel(NOW, tick=False):
        booking_type_id = make_booking_type(app, tenant_a, availability=MORNINGS, min_notice_minutes=0, daily_cap=1)
        slug = _slug(app, tenant_a, booking_type_id)
        visitor = client_for(tenant_a, None)
        first = visitor.post(
            f"/book/{slug}",
            data={"slot": "2030-12-02T09:00:00+00:00", "name": "Ada Lovelace", "email": "ada@example.org"},
        )
        assert first.status_code == 302
        assert _slots(app, tenant_a, booking_type_id) == []  # Monday is full
        assert _slots(app, tenant_a, booking_type_id, dt.date(2030, 12, 3))[0] == ("Tue 09:00", 1)


def _slug(app, tenant, booking_type_id):
    from app.crm.calendar.models import BookingType

    with in_tenant(app, tenant.id):
        return db.session.get(BookingType, (tenant.id, booking_type_id)).slug


def _outbox(app, tenant):
    with in_tenant(app, tenant.id):
        return [
            dict(message.payload)
            for message in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at))
        ]


def test_a_visitor_books_in_their_time_zone_and_manages_the_booking(app, tenant_a, client_for):
    make_contact(app, tenant_a, first_name="Grace", last_name="Hopper", emails=["grace@example.org"])
    with time_machine.travel(NOW, tick=False):
        booking_type_id = make_booking_type(app, tenant_a, availability=MORNINGS, min_notice_minutes=0, location="Zoom")
        slug = _slug(app, tenant_a, booking_type_id)
        visitor = client_for(tenant_a, None)
        page = visitor.get(f"/book/{slug}?tz=America/New_York").get_data(as_text=True)
        # 09:00 UTC is 04:00 in New York (EST, UTC-5).
        assert "04:00" in page
        assert "times in America/New York" in page
        booked = visitor.post(
            f"/book/{slug}",
            data={
                "slot": "2030-12-02T09:00:00+00:00",
                "name": "Grace Hopper",
                "email": "Grace@Example.org",
                "tz": "America/New_York",
            },
        )
        assert booked.status_code == 302
        manage = booked.headers["Location"]
        shown = visitor.get(manage).get_data(as_text=True)
        assert "Monday 02 December 2030, 04:00" in shown
        again = visitor.post(
            f"/book/{slug}", data={"slot": "2030-12-02T09:00:00+00:00", "name": "Alan", "email": "alan@example.org"}
        )
        assert again.status_code == 409
        assert "just taken" in again.get_data(as_text=True)
        bad = visitor.post(f"/book/{slug}", data={"slot": "whenever", "name": "", "email": "nope"})
        assert bad.status_code == 422
    with in_tenant(app, tenant_a.id):
        from app.crm.contacts.models import Contact

        assert db.session.scalar(select(func.count()).select_from(Contact)) == 1  # matched by email, not duplicated
        meeting = db.session.scalar(select(Meeting))
        assert meeting.title == "Intro call with Grace Hopper"
        assert meeting.owner_id == tenant_a.users["owner"]
        assert [row.email for row in meeting.attendees] == ["grace@example.org"]
        from app.notifications.models import Notification

        told = db.session.scalars(select(Notification.title).where(Notification.user_id == tenant_a.users["owner"]))
        assert list(told) == ["New booking: Intro call with Grace Hopper"]
    [confirmation] = [p for p in _outbox(app, tenant_a) if p["to"] == "grace@example.org"]
    # The host's calendar names the visitor; the visitor's names whom they meet.
    assert confirmation["subject"] == "Confirmed: Intro call with Owner Person"
    assert "Intro call with Owner Person\n" in confirmation["text"]
    assert manage.split("?")[0] in confirmation["text"]
    calendar = Calendar.from_ical(base64.b64decode(confirmation["attachments"][0]["content"]))
    [event] = calendar.walk("VEVENT")
    assert str(event["summary"]) == "Intro call with Owner Person"
    assert event.decoded("dtstart") == dt.datetime(2030, 12, 2, 9, 0, tzinfo=dt.UTC)

    with time_machine.travel(NOW, tick=False):
        moved = visitor.post(manage.replace("?", "/reschedule?"), data={"slot": "2030-12-03T10:00:00+00:00"})
        assert moved.status_code == 302
        cancelled = visitor.post(manage.replace("?", "/cancel?"), data={})
        assert cancelled.status_code == 302
        assert 'data-testid="booking-cancelled"' in visitor.get(manage).get_data(as_text=True)
    # The clock is frozen, so the three emails share one created_at: compare them without order.
    subjects = [p["subject"] for p in _outbox(app, tenant_a) if p["to"] == "grace@example.org"]
    assert sorted(subjects) == [
        "Cancelled: Intro call with Owner Person",
        "Confirmed: Intro call with Owner Person",
        "Updated invitation: Intro call with Owner Person",
    ]
    assert visitor.get("/book/manage/not-a-token").status_code == 404


def test_a_team_page_picks_the_next_free_member_in_turn(app, tenant_a, client_for):
    with time_machine.travel(NOW, tick=False):
        members = [str(tenant_a.users["owner"]), str(tenant_a.users["sales"])]
        booking_type_id = make_booking_type(
            app, tenant_a, availability=MORNINGS, min_notice_minutes=0, member_ids=members
        )
        slug = _slug(app, tenant_a, booking_type_id)
        visitor = client_for(tenant_a, None)
        for index, slot in enumerate(("09:00", "09:00", "10:00", "10:30")):
            response = visitor.post(
                f"/book/{slug}",
                data={
                    "slot": f"2030-12-02T{slot}:00+00:00",
                    "name": f"Visitor {index}",
                    "email": f"v{index}@example.org",
                },
            )
            assert response.status_code == 302
        assert (
            visitor.post(
                f"/book/{slug}", data={"slot": "2030-12-02T09:00:00+00:00", "name": "Late", "email": "late@example.org"}
            ).status_code
            == 409
        )
    with in_tenant(app, tenant_a.id):
        by_email = {row.email: row.host_id for row in db.session.scalars(select(Booking))}
        hosts = [by_email[f"v{index}@example.org"] for index in range(4)]
    owner, sales = tenant_a.users["owner"], tenant_a.users["sales"]
    assert hosts == [owner, sales, owner, sales]


def test_a_sales_user_manages_their_own_pages_but_makes_no_team_page(app, tenant_a, client_for, api_client_for):
    sales = client_for(tenant_a, "sales")
    page = sales.get("/calendar/booking-pages")
    assert page.status_code == 200
    assert 'name="member_ids"' not in page.get_data(as_text=True)
    created = sales.post(
        "/calendar/booking-pages",
        data={
            "name": "Demo",
            "slug": "demo",
            "duration_minutes": "45",
            "timezone": "Europe/Berlin",
            "mon.on": "1",
            "mon.start": "10:00",
            "mon.end": "12:00",
            "active": "1",
        },
    )
    assert created.status_code == 302
    refused = sales.post(
        "/calendar/booking-pages",
        data={
            "name": "Team",
            "slug": "team",
            "member_ids.present": "1",
            "member_ids": [str(tenant_a.users["owner"])],
            "timezone": "UTC",
            "duration_minutes": "30",
        },
    )
    assert refused.status_code == 422
    bad = sales.post(
        "/calendar/booking-pages",
        data={
            "name": "Late",
            "mon.on": "1",
            "mon.start": "18:00",
            "mon.end": "09:00",
            "timezone": "UTC",
            "duration_minutes": "30",
        },
    )
    assert bad.status_code == 422
    api = api_client_for(tenant_a)
    items = api.get("/api/v1/booking-types").get_json()["items"]
    assert [(item["slug"], item["availability"]) for item in items] == [("demo", {"mon": [["10:00", "12:00"]]})]
    assert items[0]["url"].endswith("/book/demo")
    assert client_for(tenant_a, "viewer").post("/calendar/booking-pages", data={"name": "x"}).status_code == 403


@pytest.mark.postgres
@pytest.mark.skipif(not USE_POSTGRES, reason="needs PostgreSQL (ATRIUM_TEST_DB=postgresql)")
def test_twenty_visitors_book_one_slot_at_once_and_exactly_one_gets_it(app, tenant_a, client_for):
    _visitors_book_one_slot_at_once(app, tenant_a, client_for, 20)


def test_on_sqlite_too_visitors_booking_one_slot_at_once_leave_one_booking(app, tenant_a, client_for):
    # SQLite ignores FOR UPDATE and begins a transaction only at its first write: each of the
    # visitors found the slot free and all of them were booked into it.
    _visitors_book_one_slot_at_once(app, tenant_a, client_for, 6)


def _visitors_book_one_slot_at_once(app, tenant_a, client_for, visitors):
    start = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    day = start.strftime("%a").lower()
    booking_type_id = make_booking_type(
        app, tenant_a, availability={day: [["09:00", "12:00"]]}, min_notice_minutes=0, max_days_ahead=3
    )
    slug = _slug(app, tenant_a, booking_type_id)
    barrier = threading.Barrier(visitors)
    statuses = []

    def visit(index):
        client = client_for(tenant_a, None)
        barrier.wait()
        response = client.post(
            f"/book/{slug}",
            data={"slot": start.isoformat(), "name": f"Visitor {index}", "email": f"v{index}@example.org"},
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=visit, args=(index,)) for index in range(visitors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302] + [409] * (visitors - 1)
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(func.count()).select_from(Meeting)) == 1
        assert db.session.scalar(select(func.count()).select_from(Booking)) == 1


def test_booking_is_rate_limited(app, tenant_a, client_for):
    booking_type_id = make_booking_type(app, tenant_a)
    slug = _slug(app, tenant_a, booking_type_id)
    visitor = client_for(tenant_a, None)
    answers = [
        visitor.post(
            f"/book/{slug}", data={"slot": "not a time", "name": "Spam", "email": "spam@example.org"}
        ).status_code
        for _ in range(21)
    ]
    assert answers[:20] == [422] * 20
    assert answers[20] == 429


def test_another_agencys_booking_page_and_link_are_missing(app, tenant_a, tenant_b, client_for):
    from tests.crm.calendar.factories import booking_link, booking_page

    slug = booking_page(app, tenant_a)["slug"]
    token = booking_link(app, tenant_a)["token"]
    mine, theirs = client_for(tenant_a, None), client_for(tenant_b, None)
    assert mine.get(f"/book/{slug}").status_code == 200
    assert mine.get(f"/book/manage/{token}").status_code == 200
    assert theirs.get(f"/book/{slug}").status_code == 404
    assert theirs.get(f"/book/manage/{token}").status_code == 404
    assert theirs.post(f"/book/manage/{token}/cancel", data={}).status_code == 404


def test_a_time_zone_that_is_not_text_is_a_422(app, tenant_a, api_client_for):
    api = api_client_for(tenant_a)
    created = api.post("/api/v1/booking-types", json={"name": "Intro call", "duration_minutes": 30})
    assert created.status_code == 201
    for zone in ({"Europe": "Berlin"}, ["UTC"], 7):
        refused = api.patch(f"/api/v1/booking-types/{created.json['id']}", json={"timezone": zone})
        assert refused.status_code == 422, zone
        assert "timezone" in refused.json["error"]["details"]


def test_hours_ending_before_they_start_are_refused_in_words_on_the_form(app, tenant_a, client_for):
    """The form names the weekday and says what is wrong, not the API's JSON shape
    ('mon: each window is ["HH:MM", "HH:MM"], …'); what was typed stays in the form."""
    page = client_for(tenant_a).post(
        "/calendar/booking-pages",
        data={"name": "Late", "slug": "late", "mon.on": "1", "mon.start": "18:00", "mon.end": "09:00"},
    )
    assert page.status_code == 422
    body = page.get_data(as_text=True)
    assert "Monday: the hours must end after they start." in body
    assert "HH:MM" not in body
    assert 'value="18:00"' in body


def test_a_booking_page_without_a_name_is_asked_for_its_name_once(app, tenant_a, client_for):
    """An empty form said 'Name the meeting type.' and, under the address made from that name,
    'Use lower-case letters, digits and dashes.'; the name had no star and the address did not
    say it may stay empty."""
    page = client_for(tenant_a).post("/calendar/booking-pages", data={"name": "", "slug": "", "mon.on": "1"})
    assert page.status_code == 422
    body = page.get_data(as_text=True)
    assert "Name the meeting type." in body
    assert "Use lower-case letters, digits and dashes." not in body
    assert re.search(r'for="bt-name">Name <span class="text-danger"', body)
    assert "Empty: made from the name." in body
    refused = client_for(tenant_a).post("/calendar/booking-pages", data={"name": "Call", "slug": "!!!"})
    assert "Use lower-case letters, digits and dashes." in refused.get_data(as_text=True)


def test_a_booking_page_saved_hidden_is_not_called_published(app, tenant_a, client_for):
    client = client_for(tenant_a)
    week = {"timezone": "UTC", "mon.on": "1", "mon.start": "09:00", "mon.end": "17:00"}
    saved = client.post("/calendar/booking-pages", data={"name": "Draft call", **week}, follow_redirects=True)
    assert "Booking page “Draft call” saved, hidden: publish it when it is ready." in saved.get_data(as_text=True)
    published = client.post(
        "/calendar/booking-pages", data={"name": "Open call", "active": "1", **week}, follow_redirects=True
    )
    assert "Booking page “Open call” published." in published.get_data(as_text=True)


def test_the_visitors_booking_page_is_headed_by_the_booking_page_not_the_teams_meeting_title(app, tenant_a, client_for):
    """The visitor's page was headed 'Intro call with Grace Hopper', their own name, and showed
    any title the team gave the meeting for itself."""
    from app.crm.calendar.models import Meeting

    with time_machine.travel(NOW, tick=False):
        booking_type_id = make_booking_type(
            app, tenant_a, name="Intro call", availability=MORNINGS, min_notice_minutes=0
        )
        slug = _slug(app, tenant_a, booking_type_id)
        visitor = client_for(tenant_a, None)
        booked = visitor.post(
            f"/book/{slug}",
            data={"slot": "2030-12-02T09:00:00+00:00", "name": "Grace Hopper", "email": "grace@example.org"},
        )
        with in_tenant(app, tenant_a.id):
            meeting = db.session.scalar(select(Meeting))
            meeting.title = "Grace: pricing worries, push annual plan"
            db.session.commit()
        shown = visitor.get(booked.headers["Location"]).get_data(as_text=True)
    assert '<h1 class="h4" data-testid="booking-title">Intro call</h1>' in shown
    assert "pricing worries" not in shown


def test_a_refused_booking_page_keeps_its_team_and_hidden_choice_and_numbers_say_their_units(app, tenant_a, client_for):
    """On an error the form kept the hours but dropped the chosen team members and ticked
    "Published" again; the buffers and the cap did not say what they count."""
    sales, admin = str(tenant_a.users["sales"]), str(tenant_a.users["admin"])
    page = client_for(tenant_a).post(
        "/calendar/booking-pages",
        data={"name": "", "slug": "team", "member_ids.present": "1", "member_ids": [sales, admin]},
    )
    assert page.status_code == 422
    body = page.get_data(as_text=True)
    assert f'<option value="{sales}" selected>' in body
    assert f'<option value="{admin}" selected>' in body
    assert 'name="active" value="1">' in body  # left unticked: the page stays hidden
    assert "Buffer before (minutes)" in body
    assert "Buffer after (minutes)" in body
    assert "Bookings a day, at most" in body
    fresh = client_for(tenant_a).get("/calendar/booking-pages").get_data(as_text=True)
    assert 'name="active" value="1" checked>' in fresh


def _booking_type(app, tenant, booking_type_id):
    with in_tenant(app, tenant.id):
        found = db.session.get(BookingType, (tenant.id, booking_type_id))
        db.session.expunge(found)
        return found


EDITED = {
    "name": "Discovery call",
    "slug": "discovery",
    "duration_minutes": "45",
    "daily_cap": "",
    "buffer_before_minutes": "5",
    "buffer_after_minutes": "5",
    "min_notice_minutes": "60",
    "max_days_ahead": "14",
    "timezone": "Europe/Berlin",
    "tue.on": "1",
    "tue.start": "10:00",
    "tue.end": "12:00",
    "location": "Zoom",
    "description": "A first talk.",
}


def test_a_booking_page_is_edited_in_its_own_form(app, tenant_a, client_for):
    booking_type_id = make_booking_type(app, tenant_a, name="Intro call", slug="intro", duration_minutes=30)
    client = client_for(tenant_a)
    form = client.get(f"/calendar/booking-pages/{booking_type_id}/edit")
    assert form.status_code == 200
    body = form.get_data(as_text=True)
    assert 'value="Intro call"' in body
    assert 'value="intro"' in body
    assert 'name="mon.on" value="1" checked' in body
    saved = client.post(f"/calendar/booking-pages/{booking_type_id}/edit", data=EDITED)
    assert saved.status_code == 302
    edited = _booking_type(app, tenant_a, booking_type_id)
    assert (edited.name, edited.slug, edited.duration_minutes, edited.timezone) == (
        "Discovery call",
        "discovery",
        45,
        "Europe/Berlin",
    )
    assert (edited.availability, edited.active, edited.daily_cap) == ({"tue": [["10:00", "12:00"]]}, False, None)
    assert client.get("/book/discovery").status_code == 404  # saved unticked: hidden


def test_a_refused_edit_changes_nothing_and_says_why_beside_the_field(app, tenant_a, client_for):
    booking_type_id = make_booking_type(app, tenant_a, name="Intro call", slug="intro", duration_minutes=30)
    refused = client_for(tenant_a).post(
        f"/calendar/booking-pages/{booking_type_id}/edit", data={**EDITED, "duration_minutes": "2"}
    )
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "Use a number from 5 to 480." in body
    assert 'value="Discovery call"' in body  # what was typed stays in the form
    kept = _booking_type(app, tenant_a, booking_type_id)
    assert (kept.name, kept.slug, kept.duration_minutes) == ("Intro call", "intro", 30)


def test_only_who_may_change_a_booking_page_sees_its_edit_button_and_form(app, tenant_a, client_for):
    owners_page = make_booking_type(app, tenant_a, name="Owner's call", slug="owners")
    sales = client_for(tenant_a, "sales")
    assert (
        sales.post("/calendar/booking-pages", data={**EDITED, "name": "Sales call", "slug": "sales"}).status_code == 302
    )
    with in_tenant(app, tenant_a.id):
        sales_page = db.session.scalar(select(BookingType.id).where(BookingType.slug == "sales"))
    listing = sales.get("/calendar/booking-pages").get_data(as_text=True)
    assert f"/calendar/booking-pages/{sales_page}/edit" in listing
    assert f"/calendar/booking-pages/{owners_page}/edit" not in listing
    assert sales.get(f"/calendar/booking-pages/{owners_page}/edit").status_code == 403
    assert sales.post(f"/calendar/booking-pages/{owners_page}/edit", data=EDITED).status_code == 403
    assert _booking_type(app, tenant_a, owners_page).name == "Owner's call"
    # An admin changes anyone's page; a viewer sees no edit button and no form.
    admin = client_for(tenant_a, "admin").get("/calendar/booking-pages").get_data(as_text=True)
    assert f"/calendar/booking-pages/{owners_page}/edit" in admin
    viewer = client_for(tenant_a, "viewer")
    assert "/edit" not in viewer.get("/calendar/booking-pages").get_data(as_text=True)
    assert viewer.get(f"/calendar/booking-pages/{sales_page}/edit").status_code == 403


def test_editing_a_day_in_the_form_keeps_its_other_windows_made_through_the_api(app, tenant_a, client_for):
    windows = {"mon": [["09:00", "12:00"], ["14:00", "17:00"]], "tue": [["09:00", "12:00"], ["14:00", "17:00"]]}
    booking_type_id = make_booking_type(app, tenant_a, availability=windows)
    data = {**EDITED, "mon.on": "1", "mon.start": "09:00", "mon.end": "12:00", "tue.start": "08:00"}
    assert client_for(tenant_a).post(f"/calendar/booking-pages/{booking_type_id}/edit", data=data).status_code == 302
    assert _booking_type(app, tenant_a, booking_type_id).availability == {
        "mon": [["09:00", "12:00"], ["14:00", "17:00"]],
        "tue": [["08:00", "12:00"]],
    }


def test_the_host_hears_when_a_visitor_moves_or_cancels(app, tenant_a, client_for):
    from app.notifications.models import Notification

    with time_machine.travel(NOW, tick=False):
        booking_type_id = make_booking_type(app, tenant_a, availability=MORNINGS, min_notice_minutes=0)
        slug = _slug(app, tenant_a, booking_type_id)
        visitor = client_for(tenant_a, None)
        booked = visitor.post(
            f"/book/{slug}",
            data={"slot": "2030-12-02T09:00:00+00:00", "name": "Grace Hopper", "email": "grace@example.org"},
        )
        manage = booked.headers["Location"]
        visitor.post(manage.replace("?", "/reschedule?"), data={"slot": "2030-12-03T10:00:00+00:00"})
        visitor.post(manage.replace("?", "/cancel?"), data={})
    with in_tenant(app, tenant_a.id):
        rows = db.session.execute(
            select(Notification.title, Notification.body).where(Notification.user_id == tenant_a.users["owner"])
        )
        told = dict(rows.all())
        # Their own kind, chosen on its own: a host who silenced "a record is assigned to you"
        # (a busy owner) still hears that a customer booked, moved or cancelled.
        kinds = set(db.session.scalars(select(Notification.kind).where(Notification.title.like("Booking%"))))
    assert kinds == {"booking"}
    assert told["Booking moved: Intro call with Grace Hopper"] == (
        "Grace Hopper (grace@example.org) moved it to Tuesday 03 December 2030, 10:00 (UTC), 30 minutes."
    )
    assert told["Booking cancelled: Intro call with Grace Hopper"] == (
        "Grace Hopper (grace@example.org) cancelled Tuesday 03 December 2030, 10:00 (UTC), 30 minutes."
    )


def test_the_booking_page_stops_at_how_far_ahead_it_books(app, tenant_a, client_for):
    with time_machine.travel(NOW, tick=False):
        booking_type_id = make_booking_type(app, tenant_a, availability=MORNINGS, max_days_ahead=10)
        slug = _slug(app, tenant_a, booking_type_id)
        visitor = client_for(tenant_a, None)
        first = visitor.get(f"/book/{slug}").get_data(as_text=True)
        last = visitor.get(f"/book/{slug}?start=2030-12-12").get_data(as_text=True)
    assert 'data-testid="next-week"' in first
    # The week past the window offered "Try the next one" and a next arrow that came back to it.
    assert 'data-testid="next-week"' not in last
    assert "Times can be booked up to 10 days ahead." in last


def test_a_visitor_moving_a_booking_can_look_at_later_weeks(app, tenant_a, client_for):
    with time_machine.travel(NOW, tick=False):
        booking_type_id = make_booking_type(app, tenant_a, availability=MORNINGS, min_notice_minutes=0)
        slug = _slug(app, tenant_a, booking_type_id)
        visitor = client_for(tenant_a, None)
        booked = visitor.post(
            f"/book/{slug}",
            data={"slot": "2030-12-02T09:00:00+00:00", "name": "Grace Hopper", "email": "grace@example.org"},
        )
        manage = booked.headers["Location"]
        page = visitor.get(manage).get_data(as_text=True)
        later = visitor.get(manage + "&start=2030-12-09").get_data(as_text=True)
    # "Choose another time" showed this week only, and with none free said "Try the next one".
    assert 'data-testid="next-week"' in page
    assert "Monday 09 December" in later


def test_the_confirmation_says_the_time_in_the_visitors_zone_and_its_link_keeps_it(app, tenant_a, client_for):
    with time_machine.travel(NOW, tick=False):
        booking_type_id = make_booking_type(
            app, tenant_a, availability=MORNINGS, min_notice_minutes=0, timezone="Europe/Berlin"
        )
        slug = _slug(app, tenant_a, booking_type_id)
        visitor = client_for(tenant_a, None)
        # 09:00 in Berlin is 08:00 UTC, 03:00 in New York.
        visitor.post(
            f"/book/{slug}",
            data={
                "slot": "2030-12-02T08:00:00+00:00",
                "name": "Grace Hopper",
                "email": "grace@example.org",
                "tz": "America/New_York",
            },
        )
        [confirmation] = [p for p in _outbox(app, tenant_a) if p["to"] == "grace@example.org"]
        # The email said "09:00 (Europe/Berlin)" to a visitor who chose 03:00 on a page in her own
        # zone, and its link opened the booking in UTC.
        assert "When: Monday 02 December 2030, 03:00 (America/New_York), 30 minutes" in confirmation["text"]
        link = next(line for line in confirmation["text"].splitlines() if "/book/manage/" in line)
        assert "tz=America%2FNew_York" in link or "tz=America/New_York" in link
        shown = visitor.get("/" + link.split("://", 1)[1].split("/", 1)[1]).get_data(as_text=True)
    assert "Monday 02 December 2030, 03:00" in shown


def _book_monday(app, tenant, visitor, slot="2030-12-02T09:00:00+00:00"):
    booking_type_id = make_booking_type(app, tenant, availability=MORNINGS, min_notice_minutes=0)
    booked = visitor.post(
        f"/book/{_slug(app, tenant, booking_type_id)}",
        data={"slot": slot, "name": "Grace Hopper", "email": "grace@example.org"},
    )
    return booked.headers["Location"]


def _the_meeting(app, tenant):
    with in_tenant(app, tenant.id):
        meeting = db.session.scalar(select(Meeting))
        return meeting.id, meeting.status, meeting.starts_at


def test_a_booking_the_host_cancelled_is_shown_cancelled_and_cannot_be_moved(app, tenant_a, client_for, api_client_for):
    visitor = client_for(tenant_a, None)
    with time_machine.travel(NOW, tick=False):
        manage = _book_monday(app, tenant_a, visitor)
        meeting_id, _, _ = _the_meeting(app, tenant_a)
        api_client_for(tenant_a).patch(f"/api/v1/meetings/{meeting_id}", json={"status": "cancelled"})
        page = visitor.get(manage).get_data(as_text=True)
        # The page offered to cancel or move it, and moving it said "Your booking is moved" while
        # the meeting stayed cancelled.
        assert 'data-testid="booking-cancelled"' in page
        assert 'data-testid="reschedule-booking"' not in page
        moved = visitor.post(manage.replace("?", "/reschedule?"), data={"slot": "2030-12-03T10:00:00+00:00"})
        assert moved.status_code == 303
        assert "This booking was cancelled" in visitor.get(moved.headers["Location"]).get_data(as_text=True)
    assert _the_meeting(app, tenant_a)[1:] == ("cancelled", dt.datetime(2030, 12, 2, 9, 0, tzinfo=dt.UTC))


def test_a_meeting_that_has_taken_place_is_not_cancelled_by_its_booking_link(app, tenant_a, client_for, api_client_for):
    visitor = client_for(tenant_a, None)
    with time_machine.travel(NOW, tick=False):
        manage = _book_monday(app, tenant_a, visitor)
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        meeting_id, _, _ = _the_meeting(app, tenant_a)
        api_client_for(tenant_a).patch(f"/api/v1/meetings/{meeting_id}", json={"outcome": "held"})
        page = visitor.get(manage).get_data(as_text=True)
        assert 'data-testid="booking-past"' in page
        assert 'data-testid="cancel-booking"' not in page
        # Yesterday's held meeting became "cancelled" (outcome: held) and the host was told so.
        refused = visitor.post(manage.replace("?", "/cancel?"), data={})
        assert refused.status_code == 303
        assert "already taken place" in visitor.get(refused.headers["Location"]).get_data(as_text=True)
    assert _the_meeting(app, tenant_a)[1] == "completed"


def test_on_the_night_the_clocks_go_forward_each_free_time_is_offered_once(app, tenant_a):
    # Los Angeles goes from 02:00 to 03:00 on Sunday 10 March 2030. Stepping by the wall clock
    # offered 02:00 and 02:30, which never happen there: the same moments as 03:00 and 03:30,
    # each offered twice.
    with time_machine.travel(dt.datetime(2030, 3, 8, 12, 0, tzinfo=dt.UTC), tick=False):
        booking_type_id = make_booking_type(
            app,
            tenant_a,
            timezone="America/Los_Angeles",
            availability={"sun": [["00:00", "04:00"]]},
            min_notice_minutes=0,
        )
        from app.crm.calendar.booking import free_slots

        with in_tenant(app, tenant_a.id):
            booking_type = db.session.get(BookingType, (tenant_a.id, booking_type_id))
            slots = free_slots(booking_type, dt.date(2030, 3, 10), 1)
            zone = ZoneInfo("America/Los_Angeles")
            shown = [
                (slot.start.astimezone(zone).strftime("%H:%M"), slot.end.astimezone(dt.UTC) - slot.start)
                for slot in slots
            ]
    half_hour = dt.timedelta(minutes=30)
    assert shown == [(time, half_hour) for time in ("00:00", "00:30", "01:00", "01:30", "03:00", "03:30")]


def test_a_time_at_the_end_of_the_calendar_is_refused_not_a_500(app, tenant_a, client_for):
    with time_machine.travel(NOW, tick=False):
        booking_type_id = make_booking_type(app, tenant_a, availability=MORNINGS, min_notice_minutes=0)
        slug = _slug(app, tenant_a, booking_type_id)
        visitor = client_for(tenant_a, None)
        # Looking for free times on 31 December 9999 ran past the last day there is.
        last_day = {"slot": "9999-12-31T10:00:00+00:00", "name": "Grace Hopper", "email": "grace@example.org"}
        refused = visitor.post(f"/book/{slug}", data=last_day)
        assert refused.status_code == 409
        manage = _book_monday(app, tenant_a, visitor)
        moved = visitor.post(manage.replace("?", "/reschedule?"), data={"slot": last_day["slot"]})
        assert moved.status_code == 303


def test_a_moved_booking_is_confirmed_in_the_visitors_zone_with_its_link(app, tenant_a, client_for):
    with time_machine.travel(NOW, tick=False):
        booking_type_id = make_booking_type(app, tenant_a, availability=MORNINGS, min_notice_minutes=0)
        slug = _slug(app, tenant_a, booking_type_id)
        visitor = client_for(tenant_a, None)
        data = {"name": "Grace Hopper", "email": "grace@example.org", "tz": "America/New_York"}
        booked = visitor.post(f"/book/{slug}", data={**data, "slot": "2030-12-02T09:00:00+00:00"})
        manage = booked.headers["Location"]
        visitor.post(manage.replace("?", "/reschedule?"), data={"slot": "2030-12-03T10:00:00+00:00"})
    [moved] = [p for p in _outbox(app, tenant_a) if p["subject"].startswith("Updated invitation")]
    # The update said "10:00 (UTC)" to a visitor who chose 05:00 in New York, and gave her no
    # link back to her booking.
    assert "Tuesday 03 December 2030, 05:00 (America/New_York)" in moved["text"]
    assert manage.split("?")[0] in moved["text"]
    [event] = Calendar.from_ical(base64.b64decode(moved["attachments"][0]["content"])).walk("VEVENT")
    assert event.decoded("dtstart") == dt.datetime(2030, 12, 3, 10, 0, tzinfo=dt.UTC)
    assert event.decoded("sequence") == 1


def test_a_visitor_moving_a_booking_is_not_offered_its_own_time(app, tenant_a, client_for):
    with time_machine.travel(NOW, tick=False):
        visitor = client_for(tenant_a, None)
        manage = _book_monday(app, tenant_a, visitor)
        page = visitor.get(manage).get_data(as_text=True)
        # Its own 09:00 was among the free times; choosing it said "Your booking is moved".
        assert 'value="2030-12-02T09:00:00+00:00"' not in page
        assert 'value="2030-12-02T09:30:00+00:00"' in page
        same = visitor.post(manage.replace("?", "/reschedule?"), data={"slot": "2030-12-02T09:00:00+00:00"})
        assert same.status_code == 303
        assert "already at that time" in visitor.get(same.headers["Location"]).get_data(as_text=True)
    subjects = [p["subject"] for p in _outbox(app, tenant_a) if p["to"] == "grace@example.org"]
    assert subjects == ["Confirmed: Intro call with Owner Person"]


def _book_in_new_york(app, tenant, visitor):
    booking_type_id = make_booking_type(app, tenant, availability=MORNINGS, min_notice_minutes=0)
    booked = visitor.post(
        f"/book/{_slug(app, tenant, booking_type_id)}",
        data={
            "slot": "2030-12-02T09:00:00+00:00",
            "name": "Grace Hopper",
            "email": "grace@example.org",
            "tz": "America/New_York",
        },
    )
    return booked.headers["Location"]


def test_a_booking_keeps_the_visitors_time_zone(app, tenant_a, client_for):
    with time_machine.travel(NOW, tick=False):
        _book_in_new_york(app, tenant_a, client_for(tenant_a, None))
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(Booking.visitor_timezone)) == "America/New_York"


def test_the_manage_link_without_its_zone_still_shows_and_moves_in_the_visitors_zone(app, tenant_a, client_for):
    """Opened without `?tz=` (the link copied short, a bookmark), the page showed UTC, and a move
    made there was confirmed in UTC to a visitor in New York."""
    with time_machine.travel(NOW, tick=False):
        visitor = client_for(tenant_a, None)
        manage = _book_in_new_york(app, tenant_a, visitor).split("?")[0]
        assert "Monday 02 December 2030, 04:00" in visitor.get(manage).get_data(as_text=True)
        visitor.post(f"{manage}/reschedule", data={"slot": "2030-12-03T10:00:00+00:00"})
    [moved] = [p for p in _outbox(app, tenant_a) if p["subject"].startswith("Updated invitation")]
    assert "Tuesday 03 December 2030, 05:00 (America/New_York)" in moved["text"]
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(Booking.visitor_timezone)) == "America/New_York"


def test_when_the_host_moves_or_cancels_a_booked_meeting_the_visitor_reads_it_in_their_zone(
    app, tenant_a, client_for, api_client_for
):
    with time_machine.travel(NOW, tick=False):
        _book_in_new_york(app, tenant_a, client_for(tenant_a, None))
        meeting_id, _, _ = _the_meeting(app, tenant_a)
        api = api_client_for(tenant_a)
        moved = api.patch(
            f"/api/v1/meetings/{meeting_id}",
            json={"starts_at": "2030-12-02T10:00:00+00:00", "ends_at": "2030-12-02T10:30:00+00:00"},
        )
        assert moved.status_code == 200
        api.patch(f"/api/v1/meetings/{meeting_id}", json={"status": "cancelled"})
    sent = [p for p in _outbox(app, tenant_a) if p["to"] == "grace@example.org"]
    [update] = [p for p in sent if p["subject"].startswith("Updated invitation")]
    assert "Monday 02 December 2030, 05:00–05:30 (America/New_York)" in update["text"]
    [cancel] = [p for p in sent if p["subject"].startswith("Cancelled")]
    assert "(America/New_York)" in cancel["text"]
    # Under the name the visitor knows it by, in the email and in their calendar.
    assert cancel["subject"] == "Cancelled: Intro call with Owner Person"
    [event] = Calendar.from_ical(base64.b64decode(update["attachments"][0]["content"])).walk("VEVENT")
    assert str(event["summary"]) == "Intro call with Owner Person"


def test_a_booking_pages_video_link_is_the_booked_meetings_and_the_visitor_is_given_it(app, tenant_a, client_for):
    link = "https://meet.example.com/alpha-intro"
    with time_machine.travel(NOW, tick=False):
        booking_type_id = make_booking_type(
            app, tenant_a, availability=MORNINGS, min_notice_minutes=0, location="Video call", video_url=link
        )
        visitor = client_for(tenant_a, None)
        booked = visitor.post(
            f"/book/{_slug(app, tenant_a, booking_type_id)}",
            data={"slot": "2030-12-02T09:00:00+00:00", "name": "Grace Hopper", "email": "grace@example.org"},
        )
        manage = visitor.get(booked.headers["Location"]).get_data(as_text=True)
    assert link in manage
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(Meeting.video_url)) == link
    [confirmation] = [p for p in _outbox(app, tenant_a) if p["to"] == "grace@example.org"]
    assert f"Video: {link}" in confirmation["text"]
    [event] = Calendar.from_ical(base64.b64decode(confirmation["attachments"][0]["content"])).walk("VEVENT")
    assert str(event["url"]) == link


def test_a_booking_pages_video_link_is_a_web_address(app, tenant_a, api_client_for, client_for):
    api = api_client_for(tenant_a)
    refused = api.post("/api/v1/booking-types", json={"name": "Intro", "video_url": "javascript:alert(1)"})
    assert refused.status_code == 422
    assert "video_url" in refused.get_json()["error"]["details"]
    created = api.post("/api/v1/booking-types", json={"name": "Intro", "video_url": "https://meet.example.com/x"})
    assert created.status_code == 201
    assert created.get_json()["video_url"] == "https://meet.example.com/x"
    page = client_for(tenant_a).get("/calendar/booking-pages").get_data(as_text=True)
    assert 'name="video_url"' in page


def test_a_visitors_bookings_are_in_their_data_export_and_go_with_their_erasure(app, tenant_a, client_for):
    """The privacy tools knew nothing of bookings: erased, the person still had their name, email,
    time zone and note on each booking, and their name in the booked meeting's title."""
    import json

    from app.crm.contacts.models import Contact, ContactEmail
    from app.records.models import RecordEntry
    from tests.conftest import csrf_token_from

    with time_machine.travel(NOW, tick=False):
        booking_type_id = make_booking_type(app, tenant_a, availability=MORNINGS, min_notice_minutes=0)
        client_for(tenant_a, None).post(
            f"/book/{_slug(app, tenant_a, booking_type_id)}",
            data={
                "slot": "2030-12-02T09:00:00+00:00",
                "name": "Grace Hopper",
                "email": "grace@example.org",
                "tz": "America/New_York",
                "note": "About the COBOL rewrite",
            },
        )
    with in_tenant(app, tenant_a.id):
        contact_id = db.session.scalar(select(ContactEmail.contact_id).where(ContactEmail.email == "grace@example.org"))
    owner = client_for(tenant_a)
    exported = json.loads(owner.get(f"/privacy/contact/{contact_id}/data.json").get_data())
    [booked] = exported["bookings"]
    assert (booked["name"], booked["email"], booked["time_zone"]) == (
        "Grace Hopper",
        "grace@example.org",
        "America/New_York",
    )
    assert booked["note"] == "About the COBOL rewrite"

    page = owner.get(f"/contacts/{contact_id}").get_data(as_text=True)
    assert (
        owner.post(f"/privacy/contact/{contact_id}/erase", data={"csrf_token": csrf_token_from(page)}).status_code
        == 302
    )
    with in_tenant(app, tenant_a.id):
        assert db.session.get(Contact, (tenant_a.id, contact_id)).first_name == ""
        booking = db.session.scalar(select(Booking))
        assert (booking.name, booking.email, booking.visitor_timezone) == ("", "", None)
        meeting = db.session.scalar(select(Meeting))
        assert meeting.title == "Intro call"
        assert meeting.agenda == ""
        assert "grace" not in meeting.search_text
        assert db.session.get(RecordEntry, (tenant_a.id, meeting.id)).title == "Intro call"
