"""Meetings through the kit's services, plus what only meetings have: the calendar's events
(with a team overlay), drag to reschedule, and private ICS feeds. Invitations and reminders go
out from the declaration's after_save (record.py, invitations.py)."""

import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.orm import aliased, selectinload

from app.auth.models import User
from app.auth.permissions import acting_user, can, check_permission
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.first_rows import FirstRows, first_rows
from app.core.tokens import hash_token
from app.core.types import utcnow
from app.crm.calendar import ics
from app.crm.calendar.models import CalendarFeed, Meeting, MeetingAttendee, MeetingStatus
from app.crm.calendar.record import MEETINGS
from app.notifications.services import absolute_url, record_path
from app.records.normalize import OUTSIDE_CALENDAR, aware_moment, has_utc_time
from app.records.services import record_services, update_record

get_meeting, load_meeting_for_page, create_meeting, update_meeting, delete_meeting, list_meetings = record_services(
    MEETINGS
)

MAX_EVENTS = 500
MAX_RANGE = timedelta(days=62)
FEED_PAST = timedelta(days=90)
FEED_AHEAD = timedelta(days=400)
FEED_LIMIT = 2000
# Colours of users on the calendar (Bootstrap's palette), given out in the order users were added.
USER_COLOURS = ("#4f46e5", "#198754", "#d63384", "#fd7e14", "#0dcaf0", "#6f42c1", "#20c997", "#dc3545", "#0d6efd")


# ---------------------------------------------------------------------------- the calendar


def _organized_or_attended_by(user_ids: list):
    """The condition on meetings that one of `user_ids` organizes or is invited to."""
    attending = exists().where(
        MeetingAttendee.tenant_id == Meeting.tenant_id,
        MeetingAttendee.meeting_id == Meeting.id,
        MeetingAttendee.user_id.in_(user_ids),
    )
    return or_(Meeting.owner_id.in_(user_ids), attending)


def user_colours(users) -> dict:
    return {user.id: USER_COLOURS[index % len(USER_COLOURS)] for index, user in enumerate(users)}


def calendar_users() -> list[User]:
    return list(db.session.scalars(select(User).where(User.is_active_user.is_(True)).order_by(User.created_at)))


def parse_range(start, end) -> tuple[datetime, datetime]:
    """The window asked for (ISO strings or datetimes; no offset: the workspace's zone), cut to
    two months so one call stays one bounded query."""

    bounds = []
    for name, value in (("start", start), ("end", end)):
        try:
            moment = aware_moment(value)
        except ValueError as exc:
            raise ValidationFailed(
                "Give start and end as ISO 8601 dates or times.", details={name: ["Use ISO 8601."]}
            ) from exc
        # Stored in UTC: a moment with no UTC time (year 1 east of UTC) is refused, not a 500.
        if not has_utc_time(moment):
            raise ValidationFailed("That date is outside the calendar.", details={name: [OUTSIDE_CALENDAR]})
        bounds.append(moment.astimezone(UTC))
    first, last = bounds
    # Cut by comparing the span (adding two months to a start in December 9999 would overflow).
    return first, (first + MAX_RANGE if last - first > MAX_RANGE else last)


def calendar_events(actor, start, end, user_ids) -> list[dict]:
    """FullCalendar's events: meetings between `start` and `end` that the chosen users organize
    or attend, each in its organizer's colour (one query for the meetings, one for attendees)."""
    check_permission(actor, "meetings.view")
    first, last = parse_range(start, end)
    if last <= first:
        return []
    users = calendar_users()
    colours = user_colours(users)
    wanted = [user.id for user in users if user.id in set(user_ids)] or [acting_user(actor).id]
    stmt = (
        select(Meeting)
        .where(Meeting.starts_at < last, Meeting.ends_at > first, _organized_or_attended_by(wanted))
        .options(selectinload(Meeting.attendees))
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(MAX_EVENTS)
    )
    can_edit = can(actor, "meetings.edit")
    events = []
    for meeting in db.session.scalars(stmt):
        colour = colours.get(meeting.owner_id, "#6c757d")
        cancelled = meeting.status == MeetingStatus.CANCELLED
        events.append(
            {
                "id": str(meeting.id),
                "title": meeting.title,
                "start": meeting.starts_at.isoformat(),
                "end": meeting.ends_at.isoformat(),
                "url": record_path(MEETINGS, meeting.id),
                "color": "#adb5bd" if cancelled else colour,
                "editable": can_edit and not cancelled,
                "extendedProps": {
                    "status": meeting.status,
                    "location": meeting.location,
                    "organizer_id": str(meeting.owner_id) if meeting.owner_id else None,
                    "attendees": [row.name for row in meeting.attendees],
                },
            }
        )
    return events


def reschedule(meeting: Meeting, start, end, *, actor) -> Meeting:
    """A drag (or resize) on the calendar: new start and end, saved like any edit (attendees get
    an updated invitation)."""
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationFailed("A cancelled meeting cannot be moved.", details={"starts_at": ["Cancelled."]})
    return update_record(MEETINGS, meeting, {"starts_at": start, "ends_at": end}, actor=actor)


def meetings_of_user_today(user, *, day_start: datetime, day_end: datetime, limit: int = 10) -> FirstRows:
    return first_rows(
        select(Meeting)
        .where(
            Meeting.starts_at < day_end,
            Meeting.ends_at > day_start,
            Meeting.status != MeetingStatus.CANCELLED,
            _organized_or_attended_by([user.id]),
        )
        .options(selectinload(Meeting.related))
        .order_by(Meeting.starts_at, Meeting.id),
        limit,
    )


# ---------------------------------------------------------------------------- merging contacts


def merge_attendee_keys(record_type, survivor_id, merged_ids) -> None:
    """Merge step (app.crm.duplicates): the merge has pointed the attendees of the merged
    contacts at the survivor; their keys ("contact:<id>") follow, and where the survivor was
    already invited to the same meeting the merged contact's invitation is dropped."""
    if record_type.name != "contact":
        return
    kept = f"contact:{survivor_id}"
    twin = aliased(MeetingAttendee)
    for merged_id in merged_ids:
        key = f"contact:{merged_id}"
        db.session.execute(
            delete(MeetingAttendee)
            .where(
                MeetingAttendee.key == key,
                exists().where(
                    twin.tenant_id == MeetingAttendee.tenant_id,
                    twin.meeting_id == MeetingAttendee.meeting_id,
                    twin.key == kept,
                ),
            )
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            update(MeetingAttendee)
            .where(MeetingAttendee.key == key)
            .values(key=kept, contact_id=survivor_id)
            .execution_options(synchronize_session=False)
        )


# ---------------------------------------------------------------------------- ICS feeds


def active_feed(user) -> CalendarFeed | None:
    return db.session.scalar(
        select(CalendarFeed).where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
    )


def create_feed(user) -> str:
    """A new private feed URL's token (the previous one stops working). Shown once."""
    revoke_feed(user)
    token = secrets.token_urlsafe(32)
    db.session.add(CalendarFeed(user_id=user.id, token_hash=hash_token(token)))
    db.session.flush()
    return token


def revoke_feed(user) -> bool:
    feed = active_feed(user)
    if feed is None:
        return False
    feed.revoked_at = utcnow()
    db.session.flush()
    return True


def feed_for_token(token: str) -> CalendarFeed | None:
    if not token or len(token) > 100:
        return None
    feed = db.session.scalar(
        select(CalendarFeed)
        .where(CalendarFeed.token_hash == hash_token(token), CalendarFeed.revoked_at.is_(None))
        .options(selectinload(CalendarFeed.user))
    )
    if feed is None or feed.user is None or not feed.user.is_active_user:
        return None
    return feed


def feed_calendar(feed: CalendarFeed) -> bytes:
    """The feed's meetings (organized or attended by its user), from 90 days ago to a year ahead."""
    user = feed.user
    now = utcnow()
    meetings = db.session.scalars(
        select(Meeting)
        .where(
            and_(Meeting.starts_at > now - FEED_PAST, Meeting.starts_at < now + FEED_AHEAD),
            _organized_or_attended_by([user.id]),
        )
        .options(selectinload(Meeting.attendees), selectinload(Meeting.owner))
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(FEED_LIMIT)
    )
    feed.last_read_at = now
    host = ics.workspace_host()
    name = f"{user.display_name} · {current_app.config.get('APP_NAME', 'Atrium')}"
    return ics.feed(list(meetings), host=host, name=name, url_of=lambda m: absolute_url(record_path(MEETINGS, m.id)))


def carry_coming_meetings_on_conversion(event, record) -> None:
    """In-transaction subscriber of `lead.converted`: the lead's meetings still scheduled follow
    it to the contact it became (held ones stay in the lead's history), as its tasks do."""
    if record is None or not getattr(record, "converted_contact_id", None):
        return
    coming = select(Meeting).where(Meeting.related_id == record.id, Meeting.status == MeetingStatus.SCHEDULED)
    for meeting in db.session.scalars(coming):
        meeting.related_id = record.converted_contact_id
