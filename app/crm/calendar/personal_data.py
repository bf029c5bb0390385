"""What the calendar keeps about a person, for the privacy tools: the copy of their name and
email on each meeting they attend, their bookings (name, email, time zone) and the meetings
those made, whose title names them and whose agenda is their note. `app/wiring.py` registers
these as the privacy package's export and erase hooks."""

from sqlalchemy import select, update

from app.core.extensions import db
from app.crm.calendar.models import Booking, Meeting, MeetingAttendee
from app.crm.calendar.record import MEETINGS
from app.records.models import RecordEntry
from app.records.services import ERASED, erase_history, refresh_search_text


def _bookings_of(record) -> list[Booking]:
    """The bookings whose meeting the person attends (a booking invites the contact it matched
    or made); none for a record that attends no meeting."""
    attended = select(MeetingAttendee.meeting_id).where(MeetingAttendee.contact_id == record.id)
    return list(
        db.session.scalars(select(Booking).where(Booking.meeting_id.in_(attended)).order_by(Booking.created_at))
    )


def export_booking_data(record_type, record) -> dict:
    """Privacy export hook: each booking the person made, as they gave it."""
    return {
        "bookings": [
            {
                "booking_page": booking.booking_type.name,
                "name": booking.name,
                "email": booking.email,
                "time_zone": booking.visitor_timezone,
                "note": booking.meeting.agenda,
                "starts_at": booking.starts_at,
                "cancelled_at": booking.cancelled_at,
                "created_at": booking.created_at,
            }
            for booking in _bookings_of(record)
        ]
    }


def erase_booking_data(record_type, record) -> None:
    """Privacy erase hook: the meetings the person attends list them as erased, with no email
    (a later change of time emails them no more); each booking forgets who made it, and its
    meeting is called by its booking page's name alone, without the note. Those meetings are
    searched without the person, and the booked ones' history goes as the person's does."""
    attending = list(db.session.scalars(select(MeetingAttendee).where(MeetingAttendee.contact_id == record.id)))
    if not attending:
        return
    bookings = _bookings_of(record)
    for row in attending:
        row.name, row.email = f"{ERASED} {record_type.label.lower()}", None
    booked = []
    for booking in bookings:
        booking.name, booking.email, booking.visitor_timezone = "", "", None
        meeting = booking.meeting
        meeting.title, meeting.agenda = booking.booking_type.name[:200], ""
        booked.append(meeting.id)
        db.session.execute(
            update(RecordEntry)
            .where(RecordEntry.id == meeting.id)
            .values(title=meeting.title)
            .execution_options(synchronize_session=False)
        )
    meeting_ids = {row.meeting_id for row in attending}
    for meeting in db.session.scalars(
        select(Meeting).where(Meeting.id.in_(meeting_ids)).options(*MEETINGS.loader_options("search"))
    ):
        refresh_search_text(MEETINGS, meeting)
    db.session.flush()
    if not booked:
        return
    # "Meeting created: Intro call with Grace Hopper" in the booked meetings' own history.
    erase_history(booked)
