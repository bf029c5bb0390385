"""Public booking links: each user publishes meeting types (duration, weekly availability,
buffers, minimum notice, how far ahead, a daily cap); visitors see free slots computed
against existing meetings and book one, which creates or matches a contact, creates the
meeting and emails a confirmation with an .ics and a private cancel/reschedule link.

Two visitors on one slot: the booking locks the host's user row (`SELECT … FOR UPDATE` on
PostgreSQL) and checks the slot again under that lock, so exactly one of them gets it. A team
page picks the next free member in turn (round robin).
"""

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import and_, false, func, select, update

from app.auth.models import User
from app.auth.permissions import acting_user, can, check_permission
from app.core.errors import Conflict, PermissionDenied, ValidationFailed
from app.core.extensions import db
from app.core.ids import parse_uuid
from app.core.lookups import get_or_404
from app.core.tokens import hash_token
from app.core.types import utcnow
from app.core.validation import normalize_email_address
from app.crm.calendar import ics
from app.crm.calendar.invitations import confirmation_instead_of_invitation, queue_invitation_email, visitor_title
from app.crm.calendar.models import (
    WEEKDAY_LABELS,
    WEEKDAYS,
    Booking,
    BookingType,
    Meeting,
    MeetingAttendee,
    MeetingStatus,
)
from app.crm.calendar.record import MEETINGS, zone_names
from app.crm.contacts.models import Contact, ContactEmail
from app.crm.contacts.record import CONTACTS
from app.notifications.models import NotificationKind
from app.notifications.services import notify, record_path, tenant_link
from app.records.normalize import tenant_zone
from app.records.services import create_record, update_record

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
DAYS_SHOWN = 7


# ---------------------------------------------------------------------------- booking types


LIMITS = {
    "duration_minutes": (5, 480),
    "buffer_before_minutes": (0, 240),
    "buffer_after_minutes": (0, 240),
    "min_notice_minutes": (0, 60 * 24 * 30),
    "max_days_ahead": (1, 365),
    "daily_cap": (1, 50),
}
FIELDS = (
    "name",
    "slug",
    "description",
    "location",
    "video_url",
    "timezone",
    "availability",
    "member_ids",
    "active",
    *LIMITS,
)


def _clean_video_url(value, errors: dict) -> str:
    """A web address (the meeting's own video link field takes nothing else), or empty."""
    text = value.strip() if isinstance(value, str) else None
    parts = urlsplit(text or "")
    if text is None or len(text) > 2000 or (text and (parts.scheme not in ("http", "https") or not parts.netloc)):
        errors["video_url"] = ["Enter a full web address starting with https://, or leave it empty."]
        return ""
    return text


def _clean(data: dict, booking_type: BookingType | None, actor) -> dict:
    if not isinstance(data, dict):
        raise ValidationFailed("Send an object.", details={"_body": ["Send an object."]})
    errors: dict[str, list[str]] = {}
    unknown = sorted(str(key) for key in set(data) - set(FIELDS))
    for key in unknown:
        errors[key] = ["Unknown field."]
    cleaned: dict = {}
    for key in ("name", "description", "location"):
        if key in data:
            value = data[key] if isinstance(data[key], str) else None
            limit = {"name": 120, "description": 2000, "location": 300}[key]
            if value is None or len(value.strip()) > limit:
                errors[key] = [f"Use text of at most {limit} characters."]
            else:
                cleaned[key] = value.strip()
    if "video_url" in data:
        cleaned["video_url"] = _clean_video_url(data["video_url"], errors)
    if booking_type is None and not cleaned.get("name"):
        errors["name"] = ["Name the meeting type."]
    if "slug" in data or booking_type is None:
        slug = str(data.get("slug") or cleaned.get("name") or "").strip().lower()
        slug = re.sub(r"[^a-z0-9]+", "-", slug).strip("-")[:60]
        if not slug and booking_type is None and "name" in errors:
            pass  # made from the name, which is asked for: a second message would say nothing more
        elif not SLUG.match(slug):
            errors["slug"] = ["Use lower-case letters, digits and dashes."]
        else:
            taken = db.session.scalar(select(BookingType.id).where(BookingType.slug == slug))
            if taken is not None and (booking_type is None or taken != booking_type.id):
                errors["slug"] = ["Another booking page uses this address."]
            cleaned["slug"] = slug
    if "timezone" in data:
        # Anything but a string (a JSON object, say) is refused before the set lookup hashes it.
        if not isinstance(data["timezone"], str) or data["timezone"] not in zone_names():
            errors["timezone"] = ["Choose a time zone such as Europe/Berlin."]
        else:
            cleaned["timezone"] = data["timezone"]
    for key, (low, high) in LIMITS.items():
        if key not in data:
            continue
        value = data[key]
        if key == "daily_cap" and value in (None, "", 0, "0"):
            cleaned[key] = None
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            errors[key] = ["Enter a whole number."]
            continue
        if not low <= number <= high:
            errors[key] = [f"Use a number from {low} to {high}."]
        else:
            cleaned[key] = number
    if "availability" in data:
        availability = data["availability"]
        problems = []
        if not isinstance(availability, dict) or set(availability) - set(WEEKDAYS):
            problems.append('Give windows per weekday: {mon: [["09:00", "17:00"]], …}.')
        else:
            for day, windows in availability.items():
                if not isinstance(windows, list) or len(windows) > 6:
                    problems.append(f"{day}: a list of at most 6 [start, end] windows.")
                    continue
                # Worded for the booking page form as much as for the API (whose schema shows
                # the ["09:00", "17:00"] shape): the form shows these under the weekly hours.
                for window in windows:
                    if (
                        not isinstance(window, list | tuple)
                        or len(window) != 2
                        or not all(isinstance(part, str) and TIME.match(part) for part in window)
                    ):
                        problems.append(
                            f"{WEEKDAY_LABELS[day]}: enter a start and an end time, such as 09:00 and 17:00."
                        )
                    elif window[0] >= window[1]:
                        problems.append(f"{WEEKDAY_LABELS[day]}: the hours must end after they start.")
        if problems:
            errors["availability"] = problems
        else:
            cleaned["availability"] = {day: [list(window) for window in availability[day]] for day in availability}
    if "member_ids" in data:
        members = data["member_ids"] or []

        ids = [parse_uuid(value) for value in members] if isinstance(members, list) else [None]
        users = set(
            db.session.scalars(select(User.id).where(User.id.in_([i for i in ids if i]), User.is_active_user.is_(True)))
        )
        if None in ids or any(i not in users for i in ids) or len(ids) > 20:
            errors["member_ids"] = ["Choose up to 20 active users of this workspace."]
        elif ids and not can(actor, "booking_types.manage_team"):
            errors["member_ids"] = ["Only owners, admins and managers make team pages."]
        else:
            cleaned["member_ids"] = [str(i) for i in dict.fromkeys(ids)]
    if "active" in data:
        if not isinstance(data["active"], bool):
            errors["active"] = ["Use true or false."]
        else:
            cleaned["active"] = data["active"]
    if errors:
        raise ValidationFailed("Some fields are not valid.", details=errors)
    return cleaned


def list_booking_types(actor) -> list[BookingType]:
    check_permission(actor, "booking_types.view")
    return list(db.session.scalars(select(BookingType).order_by(BookingType.name, BookingType.id)))


def get_booking_type(booking_type_id, actor) -> BookingType:
    check_permission(actor, "booking_types.view")
    return get_or_404(BookingType, booking_type_id)


def can_edit_booking_type(booking_type: BookingType, actor) -> bool:
    """Whether `actor` may change this page: their own, or anyone's for team managers."""
    if not can(actor, "booking_types.edit"):
        return False
    return booking_type.user_id == acting_user(actor).id or can(actor, "booking_types.manage_team")


def _check_own(booking_type: BookingType, actor) -> None:
    user = acting_user(actor)
    if booking_type.user_id != user.id and not can(actor, "booking_types.manage_team"):
        raise PermissionDenied("You may change only your own booking pages.")


def access_booking_type_to_edit(booking_type_id, actor) -> BookingType:
    """The page to show in its edit form: 404 when missing, refused unless `actor` may change it."""
    booking_type = get_booking_type(booking_type_id, actor)
    check_permission(actor, "booking_types.edit")
    _check_own(booking_type, actor)
    return booking_type


def create_booking_type(data: dict, *, actor) -> BookingType:
    check_permission(actor, "booking_types.create")

    cleaned = _clean(data, None, actor)
    user = acting_user(actor)
    booking_type = BookingType(
        user_id=user.id,
        timezone=tenant_zone().key,
        availability={day: [["09:00", "17:00"]] for day in WEEKDAYS[:5]},
    )
    for key, value in cleaned.items():
        setattr(booking_type, key, value)
    db.session.add(booking_type)
    db.session.flush()
    return booking_type


def update_booking_type(booking_type: BookingType, data: dict, *, actor) -> BookingType:
    check_permission(actor, "booking_types.edit")
    _check_own(booking_type, actor)
    for key, value in _clean(data, booking_type, actor).items():
        setattr(booking_type, key, value)
    db.session.flush()
    return booking_type


def delete_booking_type(booking_type: BookingType, *, actor) -> None:
    check_permission(actor, "booking_types.delete")
    _check_own(booking_type, actor)
    db.session.delete(booking_type)
    db.session.flush()


def public_booking_type(slug: str) -> BookingType | None:
    return db.session.scalar(select(BookingType).where(BookingType.slug == slug, BookingType.active.is_(True)))


# ---------------------------------------------------------------------------- free slots


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    hosts: tuple  # the members free then, in round-robin order


def hosts_of(booking_type: BookingType) -> list:
    ids = [parse_uuid(value) for value in booking_type.member_ids] if booking_type.is_team else [booking_type.user_id]
    active = set(db.session.scalars(select(User.id).where(User.id.in_(ids), User.is_active_user.is_(True))))
    ordered = [host for host in ids if host in active]
    if booking_type.is_team and ordered:
        # Round robin: whoever comes after the last one assigned is asked first.
        turn = (booking_type.last_assigned + 1) % len(ordered)
        ordered = ordered[turn:] + ordered[:turn]
    return ordered


def _busy(hosts, first: datetime, last: datetime, ignore_meeting=None) -> dict:
    """{host: [(start, end)]} of the hosts' meetings (organized or attended) in the range."""
    overlap = and_(Meeting.starts_at < last, Meeting.ends_at > first, Meeting.status != MeetingStatus.CANCELLED)
    if ignore_meeting is not None:
        overlap = and_(overlap, Meeting.id != ignore_meeting)
    organized = select(Meeting.owner_id, Meeting.starts_at, Meeting.ends_at).where(overlap, Meeting.owner_id.in_(hosts))
    attended = (
        select(MeetingAttendee.user_id, Meeting.starts_at, Meeting.ends_at)
        .join(Meeting, and_(Meeting.tenant_id == MeetingAttendee.tenant_id, Meeting.id == MeetingAttendee.meeting_id))
        .where(overlap, MeetingAttendee.user_id.in_(hosts))
    )
    busy: dict = {host: [] for host in hosts}
    for stmt in (organized, attended):
        for host, start, end in db.session.execute(stmt):
            busy.setdefault(host, []).append((start, end))
    return busy


def _booked_per_day(hosts, first: datetime, last: datetime, zone: ZoneInfo, ignore_meeting=None) -> dict:
    stmt = select(Booking.host_id, Booking.starts_at).where(
        Booking.host_id.in_(hosts), Booking.starts_at >= first, Booking.starts_at < last, Booking.cancelled_at.is_(None)
    )
    if ignore_meeting is not None:
        stmt = stmt.where(Booking.meeting_id != ignore_meeting)
    counts: dict = {}
    for host, start in db.session.execute(stmt):
        key = (host, start.astimezone(zone).date())
        counts[key] = counts.get(key, 0) + 1
    return counts


def free_slots(
    booking_type: BookingType, first_day: date, days: int = DAYS_SHOWN, *, ignore_meeting=None
) -> list[Slot]:
    """Free slots from `first_day` (in the type's zone) for `days` days: inside the weekly
    windows, after the minimum notice, within how far ahead, clear of the hosts' meetings and
    their buffers, under the daily cap — three queries whatever the range."""
    zone = ZoneInfo(booking_type.timezone)
    now = utcnow()
    earliest = now + timedelta(minutes=booking_type.min_notice_minutes)
    latest = now + timedelta(days=booking_type.max_days_ahead)
    first = datetime.combine(first_day, time.min, tzinfo=zone)
    last = datetime.combine(first_day + timedelta(days=days), time.min, tzinfo=zone)
    hosts = hosts_of(booking_type)
    if not hosts or last <= earliest or first >= latest:
        return []
    before = timedelta(minutes=booking_type.buffer_before_minutes)
    after = timedelta(minutes=booking_type.buffer_after_minutes)
    busy = _busy(hosts, first - after, last + before, ignore_meeting)
    booked = _booked_per_day(hosts, first, last, zone, ignore_meeting) if booking_type.daily_cap else {}
    length = timedelta(minutes=booking_type.duration_minutes)
    slots = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        for start_text, end_text in booking_type.availability.get(WEEKDAYS[day.weekday()], []):
            # Stepped in UTC: on the night the clocks go forward the wall clock's 02:00 and 02:30
            # are the moments of 03:00 and 03:30 (offered twice), and a wall-clock hour across
            # the change lasts one hour less.
            start = datetime.combine(day, time.fromisoformat(start_text), tzinfo=zone).astimezone(UTC)
            window_end = datetime.combine(day, time.fromisoformat(end_text), tzinfo=zone).astimezone(UTC)
            while start + length <= window_end:
                end = start + length
                if earliest <= start <= latest:
                    free = tuple(
                        host
                        for host in hosts
                        if all(
                            end + after <= busy_start or start - before >= busy_end
                            for busy_start, busy_end in busy[host]
                        )
                        and (not booking_type.daily_cap or booked.get((host, day), 0) < booking_type.daily_cap)
                    )
                    if free:
                        slots.append(Slot(start.astimezone(zone), end.astimezone(zone), free))
                start = end
    return slots


def parse_slot(value) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationFailed("Choose a time.", details={"slot": ["Choose one of the free times."]}) from exc
    if moment.tzinfo is None:
        raise ValidationFailed("Choose a time.", details={"slot": ["Choose one of the free times."]})
    return moment


def _slot_at(booking_type: BookingType, start: datetime, *, ignore_meeting=None) -> Slot | None:
    now = utcnow()
    if not now <= start <= now + timedelta(days=booking_type.max_days_ahead):
        # Never bookable; and the day of a time posted on 31 December 9999 has no next day
        # for free_slots() to end at.
        return None
    zone = ZoneInfo(booking_type.timezone)
    day = start.astimezone(zone).date()
    for slot in free_slots(booking_type, day, 1, ignore_meeting=ignore_meeting):
        if slot.start == start:
            return slot
    return None


def _lock_hosts(booking_type: BookingType) -> None:
    """Serialize bookings of the same hosts: the second waits here, then sees the first's meeting."""
    ids = sorted(hosts_of(booking_type))
    if db.session.get_bind().dialect.name != "postgresql":
        # SQLite ignores FOR UPDATE, and its driver begins a transaction only at the first
        # write: every visitor read the slot as free before any of them wrote. A write that
        # changes no row takes SQLite's one write lock now, so the second visitor waits here
        # (busy_timeout) and reads the slot again once the first one has committed.
        db.session.execute(update(User).where(User.id.in_(ids), false()).values(id=User.id))
        return
    db.session.execute(select(User.id).where(User.id.in_(ids)).order_by(User.id).with_for_update())


# ---------------------------------------------------------------------------- booking


@dataclass
class BookingResult:
    booking: Booking
    token: str
    contact_created: bool


def _contact_for(email: str, name: str, host: User) -> tuple[Contact, bool]:
    contact = db.session.scalar(
        select(Contact)
        .join(ContactEmail, and_(ContactEmail.tenant_id == Contact.tenant_id, ContactEmail.contact_id == Contact.id))
        .where(func.lower(ContactEmail.email) == email)
        .limit(1)
    )
    if contact is not None:
        return contact, False
    first, _, last = name.partition(" ")

    data = {"first_name": first[:100], "last_name": last[:100], "emails": [{"email": email, "primary": True}]}
    return create_record(CONTACTS, data, actor=host), True


def book(booking_type: BookingType, data: dict) -> BookingResult:
    """A visitor books a slot: all-or-nothing; 409 when the slot was just taken."""
    errors: dict[str, list[str]] = {}
    name = str(data.get("name") or "").strip()
    if not name or len(name) > 200:
        errors["name"] = ["Tell us your name (at most 200 characters)."]
    try:
        email = normalize_email_address(str(data.get("email") or "")).lower()
    except ValueError:
        email = None
        errors["email"] = ["Enter a valid email address."]
    note = str(data.get("note") or "").strip()
    if len(note) > 2000:
        errors["note"] = ["Use at most 2,000 characters."]
    try:
        start = parse_slot(data.get("slot"))
    except ValidationFailed as exc:
        errors.update(exc.details)
        start = None
    if errors:
        raise ValidationFailed("Some fields are not valid.", details=errors)
    _lock_hosts(booking_type)
    slot = _slot_at(booking_type, start)
    if slot is None:
        raise Conflict("That time was just taken or is no longer free. Please choose another.")
    host = db.session.get(User, (booking_type.tenant_id, slot.hosts[0]))
    if booking_type.is_team:
        booking_type.last_assigned = [str(value) for value in booking_type.member_ids].index(str(host.id))
    contact, created = _contact_for(email, name, host)
    with confirmation_instead_of_invitation():
        meeting = create_record(
            MEETINGS,
            {
                "title": f"{booking_type.name} with {name}"[:200],
                "starts_at": slot.start,
                "ends_at": slot.end,
                "timezone": booking_type.timezone,
                "location": booking_type.location,
                "video_url": booking_type.video_url,
                "agenda": note,
                "related_id": contact.id,
                "attendees": [{"contact_id": contact.id}],
                "owner_id": host.id,
                "reminders": ["15"],
            },
            actor=host,
        )
    token = secrets.token_urlsafe(24)
    booking = Booking(
        booking_type_id=booking_type.id,
        meeting_id=meeting.id,
        host_id=host.id,
        name=name,
        email=email,
        starts_at=slot.start,
        token_hash=hash_token(token),
        visitor_timezone=_known_zone(data.get("tz")),
    )
    db.session.add(booking)
    db.session.flush()
    _confirm(booking, meeting, token, verb="Confirmed")
    _tell_host(booking, "New booking", f"booked {_when_text(meeting)}")
    return BookingResult(booking, token, created)


def _tell_host(booking: Booking, headline: str, what: str) -> None:
    """The host's bell (and email, as they chose): what the visitor did with the booking."""
    meeting = booking.meeting
    notify(
        booking.host_id,
        NotificationKind.BOOKING,
        f"{headline}: {meeting.title}",
        body=f"{booking.name} ({booking.email}) {what}.",
        url=record_path(MEETINGS, meeting.id),
        record_id=meeting.id,
    )


def booking_for_token(token: str) -> Booking | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(Booking).where(Booking.token_hash == hash_token(token)))


class BookingState:
    OPEN = "open"
    CANCELLED = "cancelled"  # by the visitor, or the host cancelled its meeting
    PAST = "past"  # its meeting has begun or was held


def booking_state(booking: Booking) -> str:
    """What the visitor's link may still do: the meeting is the host's too, and what the host did
    to it (cancelled it, recorded how it went) or the clock (it began) closes the link."""
    meeting = booking.meeting
    if booking.cancelled_at is not None or meeting.status == MeetingStatus.CANCELLED:
        return BookingState.CANCELLED
    if meeting.status == MeetingStatus.COMPLETED or meeting.starts_at <= utcnow():
        return BookingState.PAST
    return BookingState.OPEN


def _check_open(booking: Booking) -> None:
    state = booking_state(booking)
    if state == BookingState.CANCELLED:
        raise Conflict("This booking was cancelled; book a new time instead.")
    if state == BookingState.PAST:
        raise Conflict("This meeting has already taken place, so it can no longer be moved or cancelled.")


def cancel_booking(booking: Booking) -> Booking:
    if booking.cancelled_at is not None:
        return booking
    _check_open(booking)
    booking.cancelled_at = utcnow()
    # The cancellation (METHOD:CANCEL) goes to the visitor like any cancelled meeting's.
    update_record(MEETINGS, booking.meeting, {"status": MeetingStatus.CANCELLED}, actor=booking.host)
    _tell_host(booking, "Booking cancelled", f"cancelled {_when_text(booking.meeting)}")
    return booking


def reschedule_booking(booking: Booking, slot_value, *, token: str, zone: str | None = None) -> Booking:
    """Move the booking by its private link (`token`): the visitor is sent the booking's own
    update, in `zone` (the one they chose the new time in; the booking's own when the page
    named none) and with that link again."""
    _check_open(booking)
    start = parse_slot(slot_value)
    if start == booking.meeting.starts_at:
        raise Conflict("Your booking is already at that time. Choose another one to move it.")
    booking_type = booking.booking_type
    _lock_hosts(booking_type)
    slot = _slot_at(booking_type, start, ignore_meeting=booking.meeting_id)
    if slot is None or booking.host_id not in slot.hosts:
        raise Conflict("That time was just taken or is no longer free. Please choose another.")
    with confirmation_instead_of_invitation():
        update_record(MEETINGS, booking.meeting, {"starts_at": slot.start, "ends_at": slot.end}, actor=booking.host)
    booking.starts_at = slot.start
    booking.visitor_timezone = _known_zone(zone) or booking.visitor_timezone
    db.session.flush()
    _confirm(booking, booking.meeting, token, verb="Updated invitation")
    _tell_host(booking, "Booking moved", f"moved it to {_when_text(booking.meeting)}")
    return booking


def _known_zone(name) -> str | None:
    """The zone the visitor chose their time in (the page's `tz`), or None when it names none."""
    return name if isinstance(name, str) and name in zone_names() else None


def _confirm(booking: Booking, meeting: Meeting, token: str, *, verb: str) -> None:
    """The visitor's confirmation, in the zone they chose their time in; its link opens the
    booking in that zone too."""
    zone = booking.visitor_timezone
    host = booking.host
    title = visitor_title(booking)
    queue_invitation_email(
        booking.email,
        "booking_confirmation",
        meeting,
        verb=verb,
        title=title,
        invite=ics.invite_attachment(meeting, organizer_email=host.email if host else None, summary=title),
        context={
            "booking": booking,
            "host_name": host.display_name if host else "",
            "link": tenant_link("booking.manage", external=True, token=token, **({"tz": zone} if zone else {})),
            "when": _when_text(meeting, zone),
        },
    )


def _when_text(meeting: Meeting, zone_name: str | None = None) -> str:
    """When the meeting starts, in `zone_name` (the meeting's own zone when None)."""
    zone_name = zone_name or meeting.timezone or "UTC"
    start = meeting.starts_at.astimezone(ZoneInfo(zone_name))
    return f"{start:%A %d %B %Y, %H:%M} ({zone_name}), {meeting.duration_minutes} minutes"
