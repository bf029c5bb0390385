"""Meetings: attendees invited by email with an .ics (RFC 5545, parsed with `icalendar`),
updates and cancellations, the calendar's events and rescheduling, private ICS feeds."""

import base64
import datetime as dt
import re

from icalendar import Calendar
from sqlalchemy import select

from app.core.extensions import db
from app.messaging.models import OutboxMessage
from tests.conftest import csrf_token_from, in_tenant
from tests.crm.calendar.factories import make_meeting
from tests.crm.factories import make_contact


def _outbox(app, tenant):
    with in_tenant(app, tenant.id):
        return [
            dict(message.payload)
            for message in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at))
        ]


def _ics(payload) -> Calendar:
    [attachment] = payload["attachments"]
    assert attachment["filename"] == "invite.ics"
    return Calendar.from_ical(base64.b64decode(attachment["content"]))


def _event(calendar: Calendar):
    [event] = list(calendar.walk("VEVENT"))
    return event


def test_attendees_are_invited_with_an_ics_and_updates_and_cancellations_follow(app, tenant_a, api_client_for):
    contact_id = make_contact(app, tenant_a, emails=["ada@example.org"])
    api = api_client_for(tenant_a)
    created = api.post(
        "/api/v1/meetings",
        json={
            "title": "Kick-off",
            "starts_at": "2030-03-05T10:00:00",
            "ends_at": "2030-03-05T11:30:00",
            "timezone": "Europe/Berlin",
            "location": "Room 4",
            "attendees": [{"contact_id": str(contact_id)}, {"user_id": str(tenant_a.users["sales"])}],
            "reminders": ["15"],
        },
    )
    assert created.status_code == 201, created.get_json()
    meeting = created.get_json()
    # A wall-clock time without an offset is read in the meeting's zone (Berlin is UTC+1 in March).
    assert dt.datetime.fromisoformat(meeting["starts_at"]) == dt.datetime(2030, 3, 5, 9, 0, tzinfo=dt.UTC)
    assert {tuple(item) for item in meeting["attendees"]} == {("contact_id",), ("user_id",)}
    invitations = {
        payload["to"]: payload for payload in _outbox(app, tenant_a) if payload["subject"].startswith("Invitation")
    }
    assert set(invitations) == {"ada@example.org", "sales@example.com"}
    calendar = _ics(invitations["ada@example.org"])
    assert calendar["method"] == "REQUEST"
    event = _event(calendar)
    assert str(event["summary"]) == "Kick-off"
    assert str(event["location"]) == "Room 4"
    assert event.decoded("dtstart") == dt.datetime(2030, 3, 5, 9, 0, tzinfo=dt.UTC)
    assert event.decoded("dtend") == dt.datetime(2030, 3, 5, 10, 30, tzinfo=dt.UTC)
    assert {str(attendee) for attendee in event["attendee"]} == {"mailto:ada@example.org", "mailto:sales@example.com"}
    assert str(event["organizer"]) == "mailto:owner@example.com"
    assert event["uid"].startswith(meeting["id"])
    assert int(event["sequence"]) == 0
    assert [component.decoded("trigger") for component in event.walk("VALARM")] == [dt.timedelta(minutes=-15)]

    moved = api.post(
        f"/api/v1/meetings/{meeting['id']}/reschedule",
        json={"starts_at": "2030-03-06T09:00:00+00:00", "ends_at": "2030-03-06T10:00:00+00:00"},
    )
    assert moved.status_code == 200
    updates = [
        p
        for p in _outbox(app, tenant_a)
        if p["subject"] == "Updated invitation: Kick-off" and p["to"] == "ada@example.org"
    ]
    assert int(_event(_ics(updates[0]))["sequence"]) == 1
    cancelled = api.patch(f"/api/v1/meetings/{meeting['id']}", json={"status": "cancelled"})
    assert cancelled.status_code == 200
    [cancel] = [
        p for p in _outbox(app, tenant_a) if p["subject"] == "Cancelled: Kick-off" and p["to"] == "ada@example.org"
    ]
    assert _ics(cancel)["method"] == "CANCEL"
    assert str(_event(_ics(cancel))["status"]) == "CANCELLED"


def test_bad_meetings_are_refused_with_field_errors(app, tenant_a, api_client_for):
    api = api_client_for(tenant_a)
    response = api.post(
        "/api/v1/meetings",
        json={
            "title": "Backwards",
            "starts_at": "2030-03-05T10:00:00Z",
            "ends_at": "2030-03-05T09:00:00Z",
            "timezone": "Mars/Olympus",
            "attendees": [{"user_id": "nope"}],
        },
    )
    assert response.status_code == 422
    details = response.get_json()["error"]["details"]
    assert set(details) >= {"timezone", "attendees"}


def test_a_calendar_window_at_the_edge_of_time_is_a_422_not_a_500(app, tenant_a, api_client_for, client_for):
    """The window is checked by the shared has_utc_time(): the refusal names the bound at fault
    (an end past year 9999 was blamed on the start), and a window inside year 9999 that runs to
    its last day is a window, not an error."""
    api = api_client_for(tenant_a)
    # Year 1 east of UTC has no UTC time, nor the last hours of year 9999 west of it.
    for start, end, bad in (
        ("0001-01-01T00:00:00+06:00", "0001-01-01T06:00:00-01:01", "start"),
        ("2026-01-01T00:00:00Z", "9999-12-31T23:00:00-05:00", "end"),
    ):
        response = api.get("/api/v1/meetings/calendar", query_string={"start": start, "end": end})
        assert response.status_code == 422
        assert response.get_json()["error"]["details"] == {bad: ["Use a date between the years 1 and 9999."]}
        page = client_for(tenant_a, "owner").get("/calendar/events", query_string={"start": start, "end": end})
        assert page.status_code in (400, 422)
    last_days = {"start": "9999-12-20T00:00:00Z", "end": "9999-12-31T00:00:00Z"}
    assert api.get("/api/v1/meetings/calendar", query_string=last_days).status_code == 200


def test_the_calendar_shows_chosen_users_and_a_drag_is_saved(app, tenant_a, client_for, query_counter):
    mine = make_meeting(app, tenant_a, title="Mine")
    make_meeting(app, tenant_a, title="Sales call", owner_id=str(tenant_a.users["sales"]))
    client = client_for(tenant_a)
    page = client.get("/calendar").get_data(as_text=True)
    assert 'data-testid="calendar"' in page
    assert "Sales Person" in page
    window = "start=2030-03-01T00:00:00Z&end=2030-03-31T00:00:00Z"
    own = client.get(f"/calendar/events?{window}").get_json()
    assert [event["title"] for event in own] == ["Mine"]
    both = client.get(f"/calendar/events?{window}&users={tenant_a.users['owner']},{tenant_a.users['sales']}").get_json()
    assert {event["title"] for event in both} == {"Mine", "Sales call"}
    assert len({event["color"] for event in both}) == 2  # one colour per organizer
    assert client.get("/calendar/events?start=next-tuesday&end=2031-01-01").status_code == 422
    # A year is cut to its first two months: March is in, so are both meetings.
    assert len(client.get("/calendar/events?start=2030-02-01&end=2031-01-01").get_json()) == 1
    moved = client.post(
        f"/meetings/{mine}/reschedule",
        data={"csrf_token": csrf_token_from(page), "start": "2030-03-07T14:00:00Z", "end": "2030-03-07T15:30:00Z"},
    )
    assert moved.status_code == 200
    assert dt.datetime.fromisoformat(moved.get_json()["start"]) == dt.datetime(2030, 3, 7, 14, 0, tzinfo=dt.UTC)
    backwards = client.post(
        f"/meetings/{mine}/reschedule",
        data={"csrf_token": csrf_token_from(page), "start": "2030-03-07T14:00:00Z", "end": "2030-03-07T13:00:00Z"},
    )
    assert backwards.status_code == 422
    with query_counter() as few:
        client.get(f"/calendar/events?{window}")
    for index in range(8):
        make_meeting(
            app,
            tenant_a,
            title=f"More {index}",
            attendees=[{"user_id": str(tenant_a.users["owner"])}],
            owner_id=str(tenant_a.users["sales"]),
        )
    with query_counter() as counted:
        events = client.get(f"/calendar/events?{window}").get_json()
    assert len(events) == 9
    assert counted.count == few.count, counted.statements


def test_a_private_feed_is_readable_without_signing_in_until_revoked(app, tenant_a, client_for, make_tenant):
    soon = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=2)
    when = {"starts_at": soon.isoformat(), "ends_at": (soon + dt.timedelta(hours=1)).isoformat()}
    make_meeting(app, tenant_a, title="Board meeting", **when)
    make_meeting(app, tenant_a, title="Not mine", owner_id=str(tenant_a.users["sales"]), **when)
    client = client_for(tenant_a)
    page = client.get("/calendar").get_data(as_text=True)
    made = client.post("/calendar/feed", data={"csrf_token": csrf_token_from(page)})
    assert made.status_code == 302
    shown = client.get(made.headers["Location"]).get_data(as_text=True)
    url = shown.split('data-testid="feed-url"')[0].rsplit('value="', 1)[1].split('"', 1)[0]
    path = url.split(tenant_a.host, 1)[1]
    anonymous = client_for(tenant_a, None)
    response = anonymous.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    assert calendar["method"] == "PUBLISH"
    assert [str(event["summary"]) for event in calendar.walk("VEVENT")] == ["Board meeting"]
    # The same token on another agency's host is unknown there.
    other = make_tenant("charlie")
    assert client_for(other, None).get(path).status_code == 404
    page = client.get("/calendar").get_data(as_text=True)
    client.post("/calendar/feed", data={"csrf_token": csrf_token_from(page), "action": "revoke"})
    assert anonymous.get(path).status_code == 404


def test_a_new_feed_address_is_shown_once_and_never_put_in_a_url(tenant_a, client_for):
    """The feed's token is its only key: in the redirect's URL it would stay in the browser's
    history and the server's access log, and anyone could reopen it there."""
    client = client_for(tenant_a)
    page = client.get("/calendar").get_data(as_text=True)
    made = client.post("/calendar/feed", data={"csrf_token": csrf_token_from(page)})
    assert "?" not in made.headers["Location"]
    shown = client.get(made.headers["Location"]).get_data(as_text=True)
    url = shown.split('data-testid="feed-url"')[0].rsplit('value="', 1)[1].split('"', 1)[0]
    assert "/calendar/feed/" in url
    assert url.split("/calendar/feed/", 1)[1].removesuffix(".ics") not in made.headers["Location"]
    assert 'data-testid="feed-url"' not in client.get("/calendar").get_data(as_text=True)
    forged = client.get("/calendar?new_feed=chosen-by-someone-else").get_data(as_text=True)
    assert "chosen-by-someone-else" not in forged


def test_a_meeting_form_prefilled_from_the_calendar_and_saved(app, tenant_a, client_for):
    contact_id = make_contact(app, tenant_a)
    client = client_for(tenant_a)
    page = client.get("/meetings/new?starts_at=2030-03-05T09:00&ends_at=2030-03-05T10:00")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'value="2030-03-05T09:00"' in html
    response = client.post(
        "/meetings/new",
        data={
            "csrf_token": csrf_token_from(html),
            "title": "Site visit",
            "starts_at": "2030-03-05T09:00",
            "ends_at": "2030-03-05T10:00",
            "timezone": "",
            "related_id": str(contact_id),
            "attendees.present": "1",
            "attendees.users": [str(tenant_a.users["sales"])],
            "attendees.contacts": [str(contact_id)],
            "status": "scheduled",
            "outcome": "",
            "reminders": ["", "60"],
            "owner_id": str(tenant_a.users["owner"]),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Site visit" in shown
    assert "Sales Person" in shown
    assert "Organizer" in shown
    contact_timeline = client.get(f"/contacts/{contact_id}?tab=timeline").get_data(as_text=True)
    assert "Meeting created" in contact_timeline


def test_a_meeting_and_a_logged_meeting_name_their_outcomes_alike():
    """A meeting's outcome read "No-show" and a meeting logged on the timeline "No show": two
    lists of the same four outcomes, spelled apart."""
    from app.crm.activities.models import MEETING_OUTCOMES
    from app.crm.calendar.models import MeetingOutcome

    assert MeetingOutcome.LABELS is MEETING_OUTCOMES
    assert MEETING_OUTCOMES[MeetingOutcome.NO_SHOW] == "No-show"


def test_a_meeting_created_with_an_outcome_is_closed(app, tenant_a, api_client_for):
    api = api_client_for(tenant_a)
    held = api.post(
        "/api/v1/meetings",
        json={
            "title": "Intro",
            "starts_at": "2030-03-05T10:00:00Z",
            "ends_at": "2030-03-05T11:00:00Z",
            "outcome": "held",
        },
    )
    called_off = api.post(
        "/api/v1/meetings",
        json={
            "title": "Intro",
            "starts_at": "2030-03-06T10:00:00Z",
            "ends_at": "2030-03-06T11:00:00Z",
            "outcome": "cancelled",
        },
    )
    assert held.get_json()["status"] == "completed"
    assert called_off.get_json()["status"] == "cancelled"


def test_recording_an_outcome_in_the_meeting_form_closes_the_meeting(app, tenant_a, client_for):
    meeting_id = make_meeting(app, tenant_a)
    client = client_for(tenant_a)
    html = client.get(f"/meetings/{meeting_id}/edit").get_data(as_text=True)
    form = {
        "csrf_token": csrf_token_from(html),
        "title": "Quarterly review",
        "starts_at": "2030-03-05T10:00",
        "ends_at": "2030-03-05T11:00",
        "timezone": "UTC",
        "status": "scheduled",
        "outcome": "held",
        "owner_id": str(tenant_a.users["owner"]),
    }
    assert client.post(f"/meetings/{meeting_id}/edit", data=form).status_code == 302
    assert _status_of(app, tenant_a, meeting_id) == "completed"
    # Opening it again on purpose is kept: the status was changed in the same save.
    reopened = client.post(f"/meetings/{meeting_id}/edit", data={**form, "status": "scheduled"})
    assert reopened.status_code == 302
    assert _status_of(app, tenant_a, meeting_id) == "scheduled"


def _status_of(app, tenant, meeting_id) -> str:
    from app.crm.calendar.models import Meeting

    with in_tenant(app, tenant.id):
        return db.session.get(Meeting, (tenant.id, meeting_id)).status


def test_recording_how_a_meeting_went_sends_the_guests_nothing(app, tenant_a, client_for):
    contact_id = make_contact(app, tenant_a, emails=["ada@example.org"])
    meeting_id = make_meeting(app, tenant_a, attendees=[{"contact_id": str(contact_id)}])
    client = client_for(tenant_a)
    html = client.get(f"/meetings/{meeting_id}/edit").get_data(as_text=True)
    form = {
        "csrf_token": csrf_token_from(html),
        "title": "Quarterly review",
        "starts_at": "2030-03-05T10:00",
        "ends_at": "2030-03-05T11:00",
        "timezone": "UTC",
        "attendees.present": "1",
        "attendees.contacts": [str(contact_id)],
        "status": "scheduled",
        "outcome": "held",
        "notes": "They signed.",
        "owner_id": str(tenant_a.users["owner"]),
    }
    invited = len(_outbox(app, tenant_a))
    assert client.post(f"/meetings/{meeting_id}/edit", data=form).status_code == 302
    # The form sends the same guests back; the client hears nothing about our notes.
    assert len(_outbox(app, tenant_a)) == invited
    moved = client.post(f"/meetings/{meeting_id}/edit", data={**form, "starts_at": "2030-03-05T09:00"})
    assert moved.status_code == 302
    [update] = _outbox(app, tenant_a)[invited:]
    assert update["subject"] == "Updated invitation: Quarterly review"


def test_a_converted_leads_coming_meetings_follow_it_to_the_contact(app, tenant_a, api_client_for):
    from tests.crm.factories import make_lead

    lead_id = make_lead(app, tenant_a, email="grace@example.org")
    coming = make_meeting(app, tenant_a, title="Discovery call", related_id=str(lead_id))
    held = make_meeting(app, tenant_a, title="First chat", related_id=str(lead_id), outcome="held")
    converted = api_client_for(tenant_a).post(f"/api/v1/leads/{lead_id}/convert", json={})
    contact_id = converted.get_json()["contact_id"]
    with in_tenant(app, tenant_a.id):
        from app.crm.calendar.models import Meeting

        related = {
            m.title: str(m.related_id)
            for m in db.session.scalars(select(Meeting).where(Meeting.id.in_([coming, held])))
        }
    assert related == {"Discovery call": contact_id, "First chat": str(lead_id)}


def _starts_of(app, tenant, meeting_id):
    from app.crm.calendar.models import Meeting

    with in_tenant(app, tenant.id):
        return db.session.get(Meeting, (tenant.id, meeting_id)).starts_at


def _ten_in_berlin(app, tenant):
    """A meeting at 10:00–11:00 Berlin time (09:00 UTC) in a workspace on UTC."""
    return make_meeting(
        app,
        tenant,
        starts_at="2030-03-05T10:00:00+01:00",
        ends_at="2030-03-05T11:00:00+01:00",
        timezone="Europe/Berlin",
    )


def test_a_meeting_in_another_zone_keeps_its_time_when_its_form_is_saved(app, tenant_a, client_for):
    # 10:00 in Berlin is 09:00 UTC, the workspace's zone.
    meeting_id = _ten_in_berlin(app, tenant_a)
    client = client_for(tenant_a)
    html = client.get(f"/meetings/{meeting_id}/edit").get_data(as_text=True)
    # The form showed the workspace's 09:00 beside "Europe/Berlin", and saving it read 09:00 in
    # Berlin: each save moved the meeting an hour earlier.
    shown = dict(re.findall(r'name="(starts_at|ends_at)" id="[^"]*" value="([^"]*)"', html))
    assert shown == {"starts_at": "2030-03-05T10:00", "ends_at": "2030-03-05T11:00"}
    form = {
        "csrf_token": csrf_token_from(html),
        "title": "Quarterly review",
        **shown,
        "timezone": "Europe/Berlin",
        "status": "scheduled",
        "outcome": "",
        "owner_id": str(tenant_a.users["owner"]),
    }
    assert client.post(f"/meetings/{meeting_id}/edit", data=form).status_code == 302
    assert _starts_of(app, tenant_a, meeting_id) == dt.datetime(2030, 3, 5, 9, 0, tzinfo=dt.UTC)


def test_a_meetings_time_zone_is_chosen_from_a_list_with_its_own_selected(app, tenant_a, client_for):
    """Typed by hand, "Berlin" or "CET" was refused until the user guessed the IANA name."""
    meeting_id = _ten_in_berlin(app, tenant_a)
    client = client_for(tenant_a)
    html = client.get(f"/meetings/{meeting_id}/edit").get_data(as_text=True)
    [select_html] = re.findall(r'<select[^>]*name="timezone".*?</select>', html, re.S)
    assert re.search(r'<option value="Europe/Berlin" selected>Europe/Berlin</option>', select_html)
    assert '<option value="America/New_York">America/New York</option>' in select_html
    # Empty stays a choice: the workspace's zone, named.
    assert '<option value="">The workspace&#39;s (UTC)</option>' in select_html
    new_form = client.get("/meetings/new").get_data(as_text=True)
    [new_select] = re.findall(r'<select[^>]*name="timezone".*?</select>', new_form, re.S)
    assert " selected" not in new_select  # a new meeting starts on the workspace's zone


def test_a_time_the_clocks_skip_or_that_has_no_utc_time_is_a_422(app, tenant_a, api_client_for):
    api = api_client_for(tenant_a)
    # Los Angeles goes from 02:00 to 03:00 on 10 March 2030: 02:30 never happens there, and an
    # hour from it to 03:30 lasted no time at all (a 500 from the database's check).
    skipped = api.post(
        "/api/v1/meetings",
        json={
            "title": "Skipped",
            "starts_at": "2030-03-10T02:30:00",
            "ends_at": "2030-03-10T03:30:00",
            "timezone": "America/Los_Angeles",
        },
    )
    assert skipped.status_code == 422
    assert skipped.get_json()["error"]["details"] == {
        "starts_at": ["02:30 does not exist on 10 March 2030 in America/Los_Angeles: the clocks go forward."]
    }
    # Midnight of year 1 in Auckland is still year 0 in UTC.
    too_early = api.post(
        "/api/v1/meetings",
        json={
            "title": "Too early",
            "starts_at": "0001-01-01T00:00:00",
            "ends_at": "0001-01-01T01:00:00",
            "timezone": "Pacific/Auckland",
        },
    )
    assert too_early.status_code == 422
    assert too_early.get_json()["error"]["details"]["starts_at"] == ["Use a date between the years 1 and 9999."]
    # A wall-clock time the zone does have, across the change, is kept.
    across = api.post(
        "/api/v1/meetings",
        json={
            "title": "Across",
            "starts_at": "2030-03-10T01:30:00",
            "ends_at": "2030-03-10T03:30:00",
            "timezone": "America/Los_Angeles",
        },
    )
    assert across.status_code == 201
    saved = across.get_json()
    assert dt.datetime.fromisoformat(saved["starts_at"]) == dt.datetime(2030, 3, 10, 9, 30, tzinfo=dt.UTC)
    assert dt.datetime.fromisoformat(saved["ends_at"]) == dt.datetime(2030, 3, 10, 10, 30, tzinfo=dt.UTC)


def test_a_meetings_page_shows_its_times_in_its_own_zone_as_its_form_does(app, tenant_a, client_for):
    meeting_id = _ten_in_berlin(app, tenant_a)
    page = client_for(tenant_a).get(f"/meetings/{meeting_id}").get_data(as_text=True)
    # It said "05 Mar 2030, 09:00" (the workspace's UTC) above "Time zone: Europe/Berlin", while
    # its form said 10:00.
    assert "05 Mar 2030, 10:00 (Europe/Berlin)" in page
    assert "05 Mar 2030, 11:00 (Europe/Berlin)" in page
    same_zone = make_meeting(app, tenant_a)
    assert "05 Mar 2030, 10:00<" in client_for(tenant_a).get(f"/meetings/{same_zone}").get_data(as_text=True)


def test_erasing_a_person_takes_their_name_and_email_off_the_meetings_they_attend(
    app, tenant_a, client_for, api_client_for
):
    """Each attendee row keeps a copy of the contact's name and email: erased, the person was still
    listed (and searchable) on every meeting they attended, and a change of time emailed them."""
    from sqlalchemy import delete, select

    from app.core.extensions import db
    from app.crm.calendar.models import Meeting, MeetingAttendee
    from app.messaging.models import OutboxMessage
    from tests.conftest import csrf_token_from, in_tenant
    from tests.crm.calendar.factories import make_meeting
    from tests.crm.factories import make_contact

    contact_id = make_contact(app, tenant_a, first_name="Grace", last_name="Hopper", emails=["grace@example.org"])
    meeting_id = make_meeting(app, tenant_a, attendees=[{"contact_id": str(contact_id)}])
    owner = client_for(tenant_a)
    page = owner.get(f"/contacts/{contact_id}").get_data(as_text=True)
    assert (
        owner.post(f"/privacy/contact/{contact_id}/erase", data={"csrf_token": csrf_token_from(page)}).status_code
        == 302
    )
    with in_tenant(app, tenant_a.id):
        [row] = db.session.scalars(select(MeetingAttendee)).all()
        assert (row.name, row.email) == ("Erased contact", None)
        assert "grace" not in db.session.get(Meeting, (tenant_a.id, meeting_id)).search_text
        db.session.execute(delete(OutboxMessage))
        db.session.commit()
    moved = api_client_for(tenant_a).patch(
        f"/api/v1/meetings/{meeting_id}",
        json={"starts_at": "2030-03-05T12:00:00+00:00", "ends_at": "2030-03-05T13:00:00+00:00"},
    )
    assert moved.status_code == 200
    with in_tenant(app, tenant_a.id):
        sent_to = [message.payload["to"] for message in db.session.scalars(select(OutboxMessage))]
    assert "grace@example.org" not in sent_to


def test_a_meeting_is_found_by_the_new_name_of_the_record_it_is_about(app, tenant_a, api_client_for):
    """A meeting "related to" a contact is searched by the contact's name; renamed, the contact
    was found there by its old name only (a company's contacts were re-indexed, meetings not)."""
    from app.core.extensions import db
    from app.crm.calendar.models import Meeting
    from tests.conftest import in_tenant
    from tests.crm.calendar.factories import make_meeting
    from tests.crm.factories import make_contact

    contact_id = make_contact(app, tenant_a, first_name="Grace", last_name="Hopper")
    meeting_id = make_meeting(app, tenant_a, related_id=str(contact_id))
    renamed = api_client_for(tenant_a).patch(f"/api/v1/contacts/{contact_id}", json={"last_name": "Murray"})
    assert renamed.status_code == 200
    with in_tenant(app, tenant_a.id):
        search_text = db.session.get(Meeting, (tenant_a.id, meeting_id)).search_text
    assert "murray" in search_text
    assert "hopper" not in search_text


def test_exported_meetings_import_back_with_their_attendees(app, tenant_a, client_for):
    """The Attendees column is exported as emails (a contact without one by name), but the
    import handed that text to the validator, which wants a list of ids: every row of a
    meetings export failed with “Send a list of {user_id} or {contact_id}.”"""
    from app.crm.calendar.models import Meeting
    from app.crm.imports.services import get_import, row_problems
    from tests.crm.imports.helpers import queue, run_job, upload

    ada = make_contact(app, tenant_a, first_name="Ada", last_name="Lovelace", emails=["ada@example.org"])
    cy = make_contact(app, tenant_a, first_name="Cy", last_name="Nomail", emails=[])
    meeting_id = make_meeting(
        app,
        tenant_a,
        title="Kick-off",
        attendees=[{"contact_id": str(ada)}, {"contact_id": str(cy)}, {"user_id": str(tenant_a.users["sales"])}],
    )
    exported = client_for(tenant_a).get(f"/export/meeting?format=csv&ids={meeting_id}").get_data()
    assert b"ada@example.org, Cy Nomail, sales@example.com" in exported
    import_id = upload(app, tenant_a, exported, name="meetings.csv", type_name="meeting")
    queue(app, tenant_a, import_id)
    assert run_job(app, tenant_a, import_id)["created"] == 1
    with in_tenant(app, tenant_a.id):
        copy = db.session.scalar(select(Meeting).where(Meeting.id != meeting_id))
        assert copy.title == "Kick-off"
        assert [(row.contact_id, row.user_id) for row in copy.attendees] == [
            (ada, None),
            (cy, None),
            (None, tenant_a.users["sales"]),
        ]
    unknown = upload(
        app,
        tenant_a,
        b"Title,Starts,Ends,Attendees\nX,2030-01-01 10:00,2030-01-01 11:00,nobody@example.org\n",
        name="m.csv",
        type_name="meeting",
    )
    queue(app, tenant_a, unknown)
    assert run_job(app, tenant_a, unknown)["failed"] == 1
    with in_tenant(app, tenant_a.id):
        reasons = [row.reason for row in row_problems(get_import(unknown))]
    assert reasons == ["Attendees: No active user or contact with the email nobody@example.org."]
