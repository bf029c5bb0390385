"""The emails that carry a meeting's .ics: the invitations (and updates, and cancellations) its
attendees get after a save, and the confirmation a booking sends instead. Both the meeting's
declaration and the booking pages use them, so they sit below both."""

from contextlib import contextmanager
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.core.extensions import db
from app.crm.calendar import ics
from app.crm.calendar.models import Booking, Meeting, MeetingStatus
from app.messaging.services import queue_email

SUPPRESS_INVITATIONS = "calendar.suppress_invitations"


@contextmanager
def confirmation_instead_of_invitation():
    """The booking's own confirmation (with the cancel link) replaces the usual invitation."""
    db.session.info[SUPPRESS_INVITATIONS] = True
    try:
        yield
    finally:
        db.session.info.pop(SUPPRESS_INVITATIONS, None)


def invitations_suppressed() -> bool:
    return bool(db.session.info.get(SUPPRESS_INVITATIONS))


def send_invitations(meeting: Meeting, *, update: bool, link: str) -> int:
    """Email each attendee (other than the organizer) the meeting's .ics: a new invitation, an
    update (a higher SEQUENCE) or a cancellation, with `link` to the meeting's page. Goes out
    after the commit, via the outbox."""
    organizer = meeting.owner
    organizer_email = organizer.email if organizer else None
    # Attendees may be contacts, who cannot open the meeting's page: the .ics carries no link to it.
    invite = ics.invite_attachment(meeting, organizer_email=organizer_email)
    cancelled = meeting.status == MeetingStatus.CANCELLED
    verb = "Cancelled" if cancelled else ("Updated invitation" if update else "Invitation")
    visitors = _bookings_by_visitor(meeting)
    sent = 0
    for attendee in meeting.attendees:
        if not attendee.email or (organizer is not None and attendee.user_id == organizer.id):
            continue
        booking = visitors.get(attendee.email.lower())
        title = visitor_title(booking) if booking else None
        queue_invitation_email(
            attendee.email,
            "meeting_invitation",
            meeting,
            verb=verb,
            title=title,
            invite=ics.invite_attachment(meeting, organizer_email=organizer_email, summary=title) if title else invite,
            context={
                "attendee": attendee,
                "organizer": organizer,
                "cancelled": cancelled,
                "update": update,
                "link": link,
                "when": _when(meeting, booking.visitor_timezone if booking else None),
            },
            dedupe_key=f"meeting:{meeting.id}:{meeting.sequence}:{meeting.status}:{attendee.key}",
        )
        sent += 1
    return sent


def queue_invitation_email(
    to: str,
    template: str,
    meeting: Meeting,
    *,
    verb: str,
    invite: dict,
    context: dict,
    title: str | None = None,
    dedupe_key: str | None = None,
) -> None:
    """Email `to` the meeting's `invite` (`ics.invite_attachment`) under "<verb>: <title>" (the
    meeting's own title unless `title` names it for this reader); the template is given the
    meeting, the title and `context`."""
    title = title or meeting.title
    queue_email(
        to,
        template,
        subject=f"{verb}: {title}",
        context={"meeting": meeting, "title": title, **context},
        dedupe_key=dedupe_key,
        attachments=[invite],
    )


def visitor_title(booking: Booking) -> str:
    """The meeting as its visitor names it. Its own title is the host's ("Intro call with Jane
    Visitor"), which in the visitor's calendar named the visitor and not whom they meet."""
    host = booking.host.display_name if booking.host else ""
    name = booking.booking_type.name if booking.booking_type else booking.meeting.title
    return f"{name} with {host}"[:200] if host else name


def _bookings_by_visitor(meeting: Meeting) -> dict[str, Booking]:
    """Email -> the booking its visitor made of this meeting: a host who moves or cancels a
    booked meeting tells the visitor in the zone they chose their time in and under the title
    they know it by, as the booking's own emails do."""
    bookings = db.session.scalars(select(Booking).where(Booking.meeting_id == meeting.id))
    return {booking.email.lower(): booking for booking in bookings}


def _when(meeting: Meeting, zone_name: str | None = None) -> str:
    """When the meeting is, in `zone_name` (the meeting's own zone when None)."""
    zone_name = zone_name or meeting.timezone or "UTC"
    zone = ZoneInfo(zone_name)
    start, end = meeting.starts_at.astimezone(zone), meeting.ends_at.astimezone(zone)
    same_day = start.date() == end.date()
    return (
        f"{start:%A %d %B %Y, %H:%M}–{end:%H:%M} ({zone_name})"
        if same_day
        else f"{start:%A %d %B %Y, %H:%M} – {end:%A %d %B %Y, %H:%M} ({zone_name})"
    )
