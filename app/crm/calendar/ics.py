"""RFC 5545 calendars of meetings (with the `icalendar` package): the invitation an attendee's
email carries (METHOD:REQUEST, or CANCEL), and a user's subscribable feed (METHOD:PUBLISH)."""

from datetime import timedelta

from icalendar import Alarm, Calendar, Event, vCalAddress, vText

from app.core.types import utcnow
from app.crm.calendar.models import Meeting, MeetingStatus
from app.notifications.services import tenant_link

PRODID = "-//Atrium//Atrium CRM//EN"


def workspace_host() -> str:
    """The workspace's host name (acme.atrium.example): the right-hand side of its meetings' UIDs."""
    return tenant_link("dashboard.index", external=True).split("//", 1)[-1].split("/", 1)[0]


def meeting_uid(meeting: Meeting, host: str) -> str:
    return f"{meeting.id}@{host}"


def meeting_event(
    meeting: Meeting, *, host: str, url: str = "", organizer_email: str | None = None, summary: str | None = None
) -> Event:
    """`summary` names the meeting as its reader would (a booking's visitor); its title otherwise."""
    summary = summary or meeting.title
    event = Event()
    event.add("uid", meeting_uid(meeting, host))
    event.add("dtstamp", utcnow())
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    event.add("summary", summary)
    event.add("sequence", meeting.sequence or 0)
    event.add("status", "CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "CONFIRMED")
    if meeting.location:
        event.add("location", meeting.location)
    description = "\n\n".join(part for part in (meeting.agenda, meeting.video_url, url) if part)
    if description:
        event.add("description", description)
    if meeting.video_url:
        event.add("url", meeting.video_url)
    if organizer_email:
        organizer = vCalAddress(f"mailto:{organizer_email}")
        organizer.params["cn"] = vText(meeting.owner.display_name if meeting.owner else organizer_email)
        event.add("organizer", organizer)
    for attendee in meeting.attendees:
        if not attendee.email:
            continue
        address = vCalAddress(f"mailto:{attendee.email}")
        address.params["cn"] = vText(attendee.name or attendee.email)
        address.params["role"] = vText("REQ-PARTICIPANT")
        address.params["partstat"] = vText("NEEDS-ACTION")
        event.add("attendee", address, encode=0)
    for minutes in sorted({int(value) for value in meeting.reminders or []}):
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)
        alarm.add("trigger", timedelta(minutes=-minutes))
        event.add_component(alarm)
    return event


def _calendar(method: str, name: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def invitation_method(meeting: Meeting) -> str:
    return "CANCEL" if meeting.status == MeetingStatus.CANCELLED else "REQUEST"


def invitation(
    meeting: Meeting, *, host: str, url: str, organizer_email: str | None, summary: str | None = None
) -> bytes:
    """The .ics of an invitation (or of its cancellation)."""
    calendar = _calendar(invitation_method(meeting))
    calendar.add_component(meeting_event(meeting, host=host, url=url, organizer_email=organizer_email, summary=summary))
    return calendar.to_ical()


def invite_attachment(meeting: Meeting, *, organizer_email: str | None, summary: str | None = None) -> dict:
    """The invitation as the email attachment `invite.ics`. It links to no page: those it goes
    to (contacts, a booking's visitor) cannot open the meeting's."""
    return {
        "filename": "invite.ics",
        "content_type": f"text/calendar; method={invitation_method(meeting)}",
        "content": invitation(meeting, host=workspace_host(), url="", organizer_email=organizer_email, summary=summary),
    }


def feed(meetings, *, host: str, name: str, url_of) -> bytes:
    """A subscribable calendar of meetings (`url_of(meeting)` links each to its page)."""
    calendar = _calendar("PUBLISH", name)
    calendar.add("refresh-interval;value=duration", "PT15M")
    for meeting in meetings:
        calendar.add_component(meeting_event(meeting, host=host, url=url_of(meeting)))
    return calendar.to_ical()
