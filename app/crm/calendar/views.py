"""Meeting pages (the kit's), the calendar (month / week / day, drag to reschedule, team
overlay), and each user's private ICS feed: its management, and the feed itself."""

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import acting_user, requires_permission
from app.core.errors import ValidationFailed
from app.core.extensions import limiter
from app.crm.calendar import services
from app.crm.calendar.record import MEETINGS
from app.records.forms import RecordForm
from app.records.views import record_blueprint

bp = record_blueprint(MEETINGS)


@bp.route("/calendar")
@requires_permission("meetings.view")
def calendar():
    users = services.calendar_users()
    me = acting_user(current_user)
    token = request.args.get("new_feed")
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
    from app.core.ids import parse_uuid

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
    if not RecordForm().validate_on_submit():
        abort(400)
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
    if not RecordForm().validate_on_submit():
        abort(400)
    me = acting_user(current_user)
    if request.form.get("action") == "revoke":
        services.revoke_feed(me)
        flash("Your calendar feed is revoked: calendars subscribed to it stop updating.", "success")
        return redirect(url_for("meetings.calendar"))
    token = services.create_feed(me)
    flash("Your new calendar feed is ready. Copy its address now: it is shown only once.", "success")
    return redirect(url_for("meetings.calendar", new_feed=token) + "#feed")


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
