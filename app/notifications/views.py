"""The bell, the notification list, mark read / all read, and each user's delivery choices."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.auth.permissions import acting_user
from app.core.errors import ValidationFailed
from app.core.hosts import TenantBlueprint
from app.core.htmx import is_htmx
from app.core.security import safe_next_url
from app.notifications import services
from app.notifications.models import Channel, NotificationKind
from app.records.forms import RecordForm

bp = TenantBlueprint("notifications", __name__)


def _user():
    return acting_user(current_user)


@bp.route("/notifications/bell")
@login_required
def bell():
    """The top bar's bell with the unread count (polled by HTMX)."""
    return render_template("notifications/_bell.html", unread=services.unread_count(_user()))


@bp.route("/notifications")
@login_required
def index():
    unread_only = request.args.get("show") == "unread"
    page = services.list_notifications(_user(), unread_only=unread_only, cursor=request.args.get("cursor"))
    return render_template(
        "notifications/index.html",
        page=page,
        unread_only=unread_only,
        unread=services.unread_count(_user()),
        icons=NotificationKind.ICONS,
    )


def _mark_own_read(notification_id):
    """The user's own notification (anyone else's is a 404), marked read."""
    return services.mark_read(services.get_notification(notification_id, _user()))


@bp.route("/notifications/<uuid:notification_id>/open", methods=["POST"])
@login_required
def open_notification(notification_id):
    """Mark it read and go where it points."""
    notification = _mark_own_read(notification_id)
    return redirect(safe_next_url(notification.url, url_for("notifications.index")))


@bp.route("/notifications/<uuid:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id):
    notification = _mark_own_read(notification_id)
    if is_htmx():
        return render_template(
            "notifications/_marked_read.html",
            item=notification,
            icons=NotificationKind.ICONS,
            unread=services.unread_count(_user()),
        )
    return redirect(url_for("notifications.index"))


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def read_all():
    count = services.mark_all_read(_user())
    flash(f"{count} notification{'s' if count != 1 else ''} marked read.", "success")
    return redirect(url_for("notifications.index"))


@bp.route("/notifications/settings", methods=["GET", "POST"])
@login_required
def settings():
    errors = {}
    if request.method == "POST":
        choices = {kind: request.form.get(kind, "") for kind in NotificationKind.ALL if kind in request.form}
        try:
            services.save_preferences(_user(), choices)
        except ValidationFailed as exc:
            errors = exc.details
        else:
            flash("Notification settings saved.", "success")
            return redirect(url_for("notifications.settings"))
    return render_template(
        "notifications/settings.html",
        preferences=services.preferences_of(_user())
        if not errors
        else {**services.preferences_of(_user()), **request.form.to_dict()},
        kinds=NotificationKind.LABELS,
        channels=Channel.LABELS,
        errors=errors,
        form=RecordForm(),
    ), (422 if errors else 200)
