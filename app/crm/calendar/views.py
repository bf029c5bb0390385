"""Meeting pages (the kit's), the calendar (month / week / day, drag to reschedule, team
overlay), each user's private ICS feed, and booking links: the public pages on the tenant's
host (free slots in the visitor's time zone, book, cancel or reschedule by the private link)
and each user's management of their pages."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import Response, abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app.auth.permissions import acting_user, can, requires_permission
from app.core.errors import Conflict, ValidationFailed
from app.core.extensions import limiter
from app.core.forms import delete_and_redirect
from app.core.hosts import TenantBlueprint
from app.core.ids import parse_uuid
from app.core.transactions import undone_if_refused
from app.core.types import utcnow
from app.crm.calendar import booking, services
from app.crm.calendar.models import WEEKDAY_LABELS, WEEKDAYS
from app.crm.calendar.record import MEETINGS, zone_names
from app.records.forms import RecordForm
from app.records.owner import active_users
from app.records.views import record_blueprint

bp = record_blueprint(MEETINGS)
# A new feed's token waits in the session for the page that shows it once: in the redirect's
# URL it would stay in the browser's history and the server's access log.
NEW_FEED_KEY = "new_calendar_feed"


@bp.route("/calendar")
@requires_permission("meetings.view")
def calendar():
    users = services.calendar_users()
    me = acting_user(current_user)
    token = session.pop(NEW_FEED_KEY, None)
    return render_template(
        "crm/calendar/calendar.html",
        users=users,
        colours=services.user_colours(users),
        me=me,
        feed=services.active_feed(me),
        new_feed_url=url_for("meetings.feed", token=token, _external=True) if token else None,
        form=RecordForm(),
    )


@bp.route("/calendar/events")
@requires_permission("meetings.view")
def events():
    """FullCalendar's event source: `start`, `end` (ISO) and `users` (ids, comma-separated)."""

    user_ids = [parse_uuid(value) for value in (request.args.get("users") or "").split(",")]
    try:
        found = services.calendar_events(
            current_user, request.args.get("start"), request.args.get("end"), [uid for uid in user_ids if uid]
        )
    except ValidationFailed as exc:
        return jsonify({"error": {"message": exc.message, "details": exc.details}}), 422
    return jsonify(found)


@bp.route("/meetings/<uuid:meeting_id>/reschedule", methods=["POST"])
@requires_permission("meetings.edit")
def reschedule(meeting_id):
    """A drag or a resize on the calendar: JSON {start, end} in ISO 8601 with offsets."""
    meeting = services.get_meeting(meeting_id)
    try:
        services.reschedule(meeting, request.form.get("start"), request.form.get("end"), actor=current_user)
    except ValidationFailed as exc:
        return jsonify({"error": {"message": exc.message, "details": exc.details}}), 422
    return jsonify({"id": str(meeting.id), "start": meeting.starts_at.isoformat(), "end": meeting.ends_at.isoformat()})


@bp.route("/calendar/feed", methods=["POST"])
@requires_permission("meetings.view")
def manage_feed():
    """Make a new private feed URL (the old one stops working), or revoke it."""
    me = acting_user(current_user)
    if request.form.get("action") == "revoke":
        services.revoke_feed(me)
        flash("Your calendar feed is revoked: calendars subscribed to it stop updating.", "success")
        return redirect(url_for("meetings.calendar"))
    session[NEW_FEED_KEY] = services.create_feed(me)
    flash("Your new calendar feed is ready. Copy its address now: it is shown only once.", "success")
    return redirect(url_for("meetings.calendar") + "#feed")


@bp.route("/calendar/feed/<token>.ics")
@limiter.limit("60 per minute")
def feed(token):
    """The private ICS feed Google Calendar or Outlook subscribe to (the token is the key)."""
    found = services.feed_for_token(token)
    if found is None:
        abort(404)
    body = services.feed_calendar(found)
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": 'inline; filename="atrium.ics"', "Cache-Control": "private, max-age=300"},
    )


# ---------------------------------------------------------------------------- booking links

booking_bp = TenantBlueprint("booking", __name__)


def _visitor_zone(found=None) -> ZoneInfo:
    """The zone the page names (`tz`), else the one the visitor booked `found` in, else UTC."""
    name = request.args.get("tz") or request.form.get("tz") or (found.visitor_timezone if found else None) or "UTC"
    return ZoneInfo(name if name in zone_names() else "UTC")


def _bookable_days(booking_type) -> tuple[date, date]:
    """The first and last day a visitor may book (in the type's zone)."""
    today = utcnow().astimezone(ZoneInfo(booking_type.timezone)).date()
    return today, today + timedelta(days=booking_type.max_days_ahead)


def _week_start(booking_type, zone: ZoneInfo) -> date:
    today, last = _bookable_days(booking_type)
    try:
        asked = date.fromisoformat(request.args.get("start", ""))
    except ValueError:
        asked = today
    return min(max(asked, today), last)


def _week_links(booking_type, first: date) -> dict:
    """The earlier and later weeks, or None past either end of what may be booked (a later
    week beyond it would only clamp back to this one)."""
    today, last = _bookable_days(booking_type)
    previous, following = first - timedelta(days=booking.DAYS_SHOWN), first + timedelta(days=booking.DAYS_SHOWN)
    return {"previous": previous if first > today else None, "following": following if following <= last else None}


def _slot_days(booking_type, zone: ZoneInfo, first: date, *, moving=None) -> list[tuple[date, list]]:
    """The week's free slots, grouped by the visitor's local day; a booking being moved (`moving`)
    frees its own time for the others but is not offered it."""
    days: dict[date, list] = {}
    ignore_meeting = moving.meeting_id if moving is not None else None
    for slot in booking.free_slots(booking_type, first, booking.DAYS_SHOWN, ignore_meeting=ignore_meeting):
        if moving is not None and slot.start == moving.meeting.starts_at:
            continue
        local = slot.start.astimezone(zone)
        days.setdefault(local.date(), []).append((slot.start, local))
    return sorted(days.items())


@booking_bp.route("/book/<slug>", methods=["GET", "POST"])
@limiter.limit("20 per minute; 200 per hour", methods=["POST"])
def page(slug):
    booking_type = booking.public_booking_type(slug)
    if booking_type is None:
        abort(404)
    zone = _visitor_zone()
    errors, status = {}, 200
    if request.method == "POST":
        try:
            result = booking.book(booking_type, request.form.to_dict())
        except ValidationFailed as exc:
            errors = exc.details
        except Conflict as exc:
            errors, status = {"slot": [exc.message]}, 409
        else:
            flash("You are booked. A confirmation with a calendar invitation is on its way.", "success")
            return redirect(url_for("booking.manage", token=result.token, tz=zone.key))
        status = status if status != 200 else 422
    first = _week_start(booking_type, zone)
    return render_template(
        "crm/calendar/booking_page.html",
        booking_type=booking_type,
        days=_slot_days(booking_type, zone, first),
        zone=zone,
        first=first,
        **_week_links(booking_type, first),
        errors=errors,
        values=request.form,
        form=RecordForm(),
    ), status


def _booking_of(token: str):
    """The booking a visitor's private manage link opens; 404 for a token that opens none."""
    found = booking.booking_for_token(token)
    if found is None:
        abort(404)
    return found


def _manage_page(token: str, found) -> str:
    """The manage page of a booking, in the visitor's time zone."""
    return url_for("booking.manage", token=token, tz=_visitor_zone(found).key)


@booking_bp.route("/book/manage/<token>", methods=["GET"])
def manage(token):
    found = _booking_of(token)
    zone = _visitor_zone(found)
    first = _week_start(found.booking_type, zone)
    state = booking.booking_state(found)
    is_open = state == booking.BookingState.OPEN
    return render_template(
        "crm/calendar/booking_manage.html",
        booking=found,
        state=state,
        meeting=found.meeting,
        zone=zone,
        token=token,
        days=_slot_days(found.booking_type, zone, first, moving=found) if is_open else [],
        **_week_links(found.booking_type, first),
        form=RecordForm(),
    )


@booking_bp.route("/book/manage/<token>/cancel", methods=["POST"])
@limiter.limit("20 per minute")
def cancel(token):
    found = _booking_of(token)
    try:
        booking.cancel_booking(found)
    except Conflict as exc:
        flash(exc.message, "danger")
        return redirect(_manage_page(token, found)), 303
    flash("Your booking is cancelled.", "success")
    return redirect(_manage_page(token, found))


@booking_bp.route("/book/manage/<token>/reschedule", methods=["POST"], endpoint="reschedule")
@limiter.limit("20 per minute")
def reschedule_booking(token):
    found = _booking_of(token)
    try:
        with undone_if_refused():
            booking.reschedule_booking(found, request.form.get("slot"), token=token, zone=_visitor_zone(found).key)
    except (ValidationFailed, Conflict) as exc:
        flash(exc.message, "danger")
        return redirect(_manage_page(token, found)), 303
    flash("Your booking is moved. An updated invitation is on its way.", "success")
    return redirect(_manage_page(token, found))


# ---------------------------------------------------------------------------- management


def _form_data(form) -> dict:
    availability = {}
    for day in WEEKDAYS:
        if form.get(f"{day}.on"):
            availability[day] = [[form.get(f"{day}.start", ""), form.get(f"{day}.end", "")]]
    data = {
        "name": form.get("name", ""),
        "slug": form.get("slug", ""),
        "description": form.get("description", ""),
        "location": form.get("location", ""),
        "video_url": form.get("video_url", ""),
        "timezone": form.get("timezone", ""),
        "availability": availability,
        "active": bool(form.get("active")),
    }
    for key in booking.LIMITS:
        # An emptied number keeps its default; an emptied daily cap means "no cap".
        if (form.get(key) or "").strip() or (key == "daily_cap" and key in form):
            data[key] = form.get(key)
    if "member_ids.present" in form:
        data["member_ids"] = [value for value in form.getlist("member_ids") if value]
    return data


@booking_bp.route("/calendar/booking-pages", methods=["GET", "POST"])
@requires_permission("booking_types.view")
def booking_types():
    errors, status = {}, 200
    if request.method == "POST":
        if not can(current_user, "booking_types.create"):
            abort(403)
        try:
            created = booking.create_booking_type(_form_data(request.form), actor=current_user)
        except ValidationFailed as exc:
            errors, status = exc.details, 422
        else:
            if created.active:
                flash(f"Booking page “{created.name}” published.", "success")
            else:
                flash(f"Booking page “{created.name}” saved, hidden: publish it when it is ready.", "success")
            return redirect(url_for("booking.booking_types"))
    me = acting_user(current_user)
    types = booking.list_booking_types(current_user)
    return render_template(
        "crm/calendar/booking_types.html",
        booking_types=types,
        errors=errors,
        values=request.form if request.method == "POST" else None,
        weekdays=WEEKDAY_LABELS,
        users=active_users(),
        me=me,
        zones=sorted(zone_names()),
        editable={item.id for item in types if booking.can_edit_booking_type(item, current_user)},
        form=RecordForm(),
    ), status


def _form_values(booking_type) -> MultiDict:
    """A booking page as its form would post it: the edit form's starting values."""
    values = MultiDict(
        {
            "name": booking_type.name,
            "slug": booking_type.slug,
            "description": booking_type.description or "",
            "location": booking_type.location or "",
            "video_url": booking_type.video_url or "",
            "timezone": booking_type.timezone,
            **{
                key: "" if getattr(booking_type, key) is None else str(getattr(booking_type, key))
                for key in booking.LIMITS
            },
        }
    )
    if booking_type.active:
        values["active"] = "1"
    for day, windows in (booking_type.availability or {}).items():
        if windows:
            values.update({f"{day}.on": "1", f"{day}.start": windows[0][0], f"{day}.end": windows[0][1]})
    for member_id in booking_type.member_ids or []:
        values.add("member_ids", member_id)
    return values


def _keep_other_windows(posted: dict, stored: dict) -> dict:
    """The form edits a day's first window; a day given more windows through the API keeps the
    others while its first one is left as it was."""
    kept = {}
    for day, windows in posted.items():
        earlier = stored.get(day) or []
        kept[day] = windows + earlier[1:] if earlier and windows == earlier[:1] else windows
    return kept


@booking_bp.route("/calendar/booking-pages/<uuid:booking_type_id>/edit", methods=["GET", "POST"])
@requires_permission("booking_types.edit")
def edit_booking_type(booking_type_id):
    found = booking.access_booking_type_to_edit(booking_type_id, current_user)
    errors, status = {}, 200
    if request.method == "POST":
        data = _form_data(request.form)
        data["availability"] = _keep_other_windows(data["availability"], found.availability or {})
        try:
            booking.update_booking_type(found, data, actor=current_user)
        except ValidationFailed as exc:
            errors, status = exc.details, 422
        else:
            flash(f"Booking page “{found.name}” saved.", "success")
            return redirect(url_for("booking.booking_types"))
    return render_template(
        "crm/calendar/booking_type_edit.html",
        booking_type=found,
        errors=errors,
        values=request.form if request.method == "POST" else _form_values(found),
        weekdays=WEEKDAY_LABELS,
        users=active_users(),
        zones=sorted(zone_names()),
    ), status


@booking_bp.route("/calendar/booking-pages/<uuid:booking_type_id>/toggle", methods=["POST"])
@requires_permission("booking_types.edit")
def toggle(booking_type_id):
    found = booking.get_booking_type(booking_type_id, current_user)
    booking.update_booking_type(found, {"active": not found.active}, actor=current_user)
    flash(f"“{found.name}” is {'published' if found.active else 'hidden'}.", "success")
    return redirect(url_for("booking.booking_types"))


@booking_bp.route("/calendar/booking-pages/<uuid:booking_type_id>/delete", methods=["POST"])
@requires_permission("booking_types.delete")
def delete(booking_type_id):
    found = booking.get_booking_type(booking_type_id, current_user)
    return delete_and_redirect(
        found, booking.delete_booking_type, "Booking page “{name}” deleted.", url_for("booking.booking_types")
    )
