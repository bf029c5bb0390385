"""Meetings, declared once: when (in a time zone), where, who (users and contacts), about
which record, status, notes and outcome. Attendees are invited by email with an .ics and
reminded at the chosen offsets; a change of time sends an update, a cancellation a CANCEL."""

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import exists, inspect, or_, select
from sqlalchemy.orm import selectinload

from app.core.extensions import db
from app.crm.activities.capability import NOTES, TIMELINE
from app.crm.calendar.fields import Attendees
from app.crm.calendar.invitations import invitations_suppressed, send_invitations
from app.crm.calendar.models import Meeting, MeetingAttendee, MeetingOutcome, MeetingStatus
from app.crm.tags.capability import TAGS
from app.crm.tasks.models import REMINDER_OFFSETS
from app.notifications.reminders import clear_reminders, sync_reminders
from app.notifications.services import absolute_url, record_path
from app.records import fields as f
from app.records.capabilities import Tab
from app.records.loading import together
from app.records.normalize import OUTSIDE_CALENDAR, Invalid, has_utc_time, tenant_zone
from app.records.owner import OwnerCapability
from app.records.record_type import RecordType, changed_since_load

ORGANIZER = OwnerCapability("Organizer")
MAX_MINUTES = 7 * 24 * 60
# What attendees' calendars must hear about again (an updated .ics with a higher SEQUENCE),
# besides being called off or back on and a change of guests. Notes, an outcome or a
# "completed" status are the team's own business: the client is not emailed about them.
INVITE_FIELDS = ("starts_at", "ends_at", "location", "video_url", "title")


def _news_for_attendees(meeting) -> bool:
    state = inspect(meeting)
    status = state.attrs.status.history
    guests = state.attrs.attendees.history
    return (
        changed_since_load(meeting, INVITE_FIELDS)
        or MeetingStatus.CANCELLED in (*status.added, *status.deleted)
        # The form sends the same guests back on every save: only someone added or removed counts.
        or bool(guests.added or guests.deleted)
    )


@cache
def zone_names() -> frozenset[str]:
    """The IANA time zone names, read once: available_timezones() walks the time zone database
    on every call (milliseconds), and the booking pages and meeting saves ask on each request."""
    return frozenset(available_timezones())


class ZoneField(f.Text):
    """An IANA time zone name (Europe/Berlin); empty is the workspace's zone. The form offers the
    names as a list: typed by hand, "Berlin" or "CET" was refused and had to be guessed again."""

    kind = "timezone"
    widget = "select"
    blank = True
    default = None

    def __init__(self, name, label, **kwargs):
        super().__init__(name, label, max_length=64, **kwargs)

    @property
    def empty_label(self) -> str:
        return f"The workspace's ({tenant_zone().key.replace('_', ' ')})"

    def options_for(self, current) -> list[tuple[str, str]]:
        return [(name, name.replace("_", " ")) for name in sorted(zone_names())]

    def empty_value(self):
        return tenant_zone().key

    def clean(self, value, context):
        text = super().clean(value, context)
        if text not in zone_names():
            raise Invalid("Choose a time zone such as Europe/Berlin or America/New_York.")
        return text


def meeting_zone(name: str | None) -> ZoneInfo:
    """The zone a meeting's wall-clock times are read in: its own, else the workspace's."""
    return ZoneInfo(name) if name in zone_names() else tenant_zone()


def _wall_clock_problem(moment: datetime, zone: ZoneInfo) -> str | None:
    """Why a wall-clock time read in `zone` is no moment: one the clocks skip, or one with no
    UTC time to store (year 1 east of UTC, year 9999 west of it)."""
    if not has_utc_time(moment):
        return OUTSIDE_CALENDAR
    if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != moment.replace(tzinfo=None):
        return f"{moment:%H:%M} does not exist on {moment.day} {moment:%B %Y} in {zone.key}: the clocks go forward."
    return None


class MeetingMoment(f.DateTimeField):
    """A meeting's start or end. Its form and its page show the wall clock of the meeting's own
    zone, the zone beside it that check() reads the posted time in (the workspace's would move a
    meeting planned in another zone on every save)."""

    detail_template = "crm/calendar/_moment_value.html"

    def form_value(self, record):
        value = self.value(record) if record is not None else None
        return value.astimezone(meeting_zone(record.timezone)).strftime("%Y-%m-%dT%H:%M") if value else ""

    def display_of(self, record) -> str:
        """On its pages too, "10:00 (Europe/Berlin)" for a meeting planned in another zone than
        the workspace's; a meeting in the workspace's zone reads like every other time."""
        value = self.value(record)
        if value is None:
            return ""
        zone = meeting_zone(record.timezone)
        shown = value.astimezone(zone).strftime("%d %b %Y, %H:%M")
        return shown if zone.key == tenant_zone().key else f"{shown} ({zone.key})"


class MeetingType(RecordType):
    reminder_verb = "starts"

    def check(self, cleaned, context):
        meeting = context.record

        def current(name):
            return cleaned[name] if name in cleaned else (getattr(meeting, name) if meeting is not None else None)

        zone = meeting_zone(current("timezone"))
        refused = set()
        for name in ("starts_at", "ends_at"):
            raw = context.data.get(name)
            # A wall-clock time without an offset (the form's) is read in the meeting's zone.
            if name in cleaned and isinstance(raw, str) and _naive(raw):
                cleaned[name] = cleaned[name].replace(tzinfo=zone)
                problem = _wall_clock_problem(cleaned[name], zone)
                if problem:
                    context.errors.add(name, problem)
                    refused.add(name)
        starts, ends = current("starts_at"), current("ends_at")
        if starts is not None and ends is not None and not refused:
            # In UTC: two times of one zone compare by their wall clocks, and the hour from 01:30
            # to 03:30 on the night the clocks go forward lasts one hour, not two.
            starts, ends = starts.astimezone(UTC), ends.astimezone(UTC)
            if ends <= starts:
                context.errors.add("ends_at", "The meeting must end after it starts.")
            elif (ends - starts).total_seconds() > MAX_MINUTES * 60:
                context.errors.add("ends_at", "A meeting lasts at most a week.")
        status = current("status") or MeetingStatus.SCHEDULED
        status_kept = meeting is None or status == meeting.status
        if current("outcome") and status == MeetingStatus.SCHEDULED and status_kept:
            # Recording how it went closes the meeting (cancelled stays cancelled). A form always
            # sends the status it showed, so only a status changed in this same save is kept.
            cleaned["status"] = (
                MeetingStatus.CANCELLED if current("outcome") == MeetingOutcome.CANCELLED else MeetingStatus.COMPLETED
            )

    def before_save(self, meeting, cleaned, context):
        news = not context.creating and _news_for_attendees(meeting)
        if news:
            meeting.sequence = (meeting.sequence or 0) + 1
        meeting._invite = context.creating or news
        meeting._reminders_dirty = (
            context.creating
            or changed_since_load(meeting, ("starts_at", "owner_id", "status", "reminders"))
            or "attendees" in cleaned
        )

    def after_save(self, meeting, cleaned, context):
        # Reminders and invitations, once the meeting's row is written.
        if getattr(meeting, "_reminders_dirty", False):
            meeting._reminders_dirty = False
            if meeting.status == MeetingStatus.SCHEDULED:
                users = [meeting.owner_id, *(row.user_id for row in meeting.attendees if row.user_id)]
                sync_reminders(meeting.id, meeting.starts_at, users, meeting.reminders or [])
            else:
                clear_reminders([meeting.id])
        if getattr(meeting, "_invite", False):
            meeting._invite = False
            if not (context.creating and meeting.status == MeetingStatus.CANCELLED) and not invitations_suppressed():
                link = absolute_url(record_path(self, meeting.id))
                send_invitations(meeting, update=not context.creating, link=link)

    def before_delete(self, meetings, actor):
        clear_reminders([meeting.id for meeting in meetings])

    def related(self, meeting):
        related = [("contact", row.contact_id) for row in meeting.attendees if row.contact_id]
        if meeting.related is not None:
            related.insert(0, (meeting.related.type, meeting.related.id))
        return related


def meetings_about(record_id, limit: int = 50) -> list[Meeting]:
    attending = exists().where(
        MeetingAttendee.tenant_id == Meeting.tenant_id,
        MeetingAttendee.meeting_id == Meeting.id,
        MeetingAttendee.contact_id == record_id,
    )
    return list(
        db.session.scalars(
            select(Meeting)
            .where(or_(Meeting.related_id == record_id, attending))
            .options(selectinload(Meeting.owner))
            .order_by(Meeting.starts_at.desc(), Meeting.id)
            .limit(limit)
        )
    )


def _meetings_tab(record_type, record) -> dict:
    return {"meetings": meetings_about(record.id), "subject": record, "subject_type": record_type}


def _attendees():
    return [together(Meeting.attendees)]


def _naive(raw: str) -> bool:
    text = raw.strip()
    return not (text.endswith("Z") or "+" in text[10:] or "-" in text[10:])


MEETINGS = MeetingType(
    name="meeting",
    model=Meeting,
    icon="calendar-event",
    title="title",
    subtitle=lambda meeting: meeting.related.title if meeting.related is not None else meeting.location,
    default_sort="-starts_at",
    nav_order=45,
    nav=("Calendar", "meetings.calendar", "calendar3"),
    description="Meetings: start and end in a time zone, location, video link, agenda, attendees (users "
    "and contacts), related record, status, notes and outcome.",
    example={
        "title": "Quarterly review",
        "starts_at": "2026-01-31T14:00:00+01:00",
        "ends_at": "2026-01-31T15:00:00+01:00",
        "timezone": "Europe/Berlin",
    },
    fields=[
        f.Text("title", "Title", max_length=200, required=True, search=True, sort=True, detail=False),
        MeetingMoment("starts_at", "Starts", required=True, filter=True, sort=True, list_on_phones=True, prefill=True),
        MeetingMoment("ends_at", "Ends", required=True, prefill=True),
        ZoneField("timezone", "Time zone", help="The starts and ends above are read in this zone."),
        f.Text("location", "Location", max_length=300, search=True),
        f.Url("video_url", "Video link", hide_empty=True),
        f.AnyReference("related_id", "Related to", relation="related", filter=True, list=True, search=True),
        Attendees("attendees", "Attendees", search=True, prefill=True),
        f.LongText("agenda", "Agenda", hide_empty=True),
        f.Choice(
            "status", "Status", choices=MeetingStatus.LABELS, default=MeetingStatus.SCHEDULED, filter=True, list=True
        ),
        f.Choice("outcome", "Outcome", choices=MeetingOutcome.LABELS, blank=True, filter=True, section="Outcome"),
        f.LongText("notes", "Meeting notes", section="Outcome", hide_empty=True, search=True),
        f.MultiChoice(
            "reminders",
            "Remind organizer and attendees",
            choices=REMINDER_OFFSETS,
            section="Outcome",
            help="Users are reminded in the app and by email, as each one chooses",
        ),
    ],
    capabilities=[ORGANIZER, TAGS, TIMELINE, NOTES],
    templates={"index": "crm/calendar/meetings_index.html"},
    contributes=[
        (
            "*",
            Tab(
                "meetings",
                "Meetings",
                "crm/calendar/_meetings_tab.html",
                lambda record_type, record: _meetings_tab(record_type, record),
                icon="calendar-event",
                order=16,
                permission="meetings.view",
            ),
        )
    ],
    load={"detail": _attendees, "search": _attendees, "api": _attendees},
)
