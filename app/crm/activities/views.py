"""The timeline as HTMX partials on any record type: read and filter it, log a call or note in
place, edit and delete an activity."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import requires_permission
from app.core.forms import save_form
from app.core.hosts import TenantBlueprint
from app.core.htmx import is_htmx
from app.crm.activities import services
from app.crm.activities.forms import ActivityForm, LogActivityForm
from app.crm.activities.models import ActivityType
from app.crm.activities.pages import log_form_context, timeline_context
from app.records.crud_pages import access_record_with, record_page_url
from app.records.registry import find_record_type

bp = TenantBlueprint("activities", __name__)


@bp.route("/timeline/<subject_type>/<uuid:subject_id>")
@requires_permission("activities.view")
def timeline(subject_type, subject_id):
    record_type, subject = access_record_with("timeline", subject_type, subject_id, actor=current_user)
    if not is_htmx():
        return redirect(record_page_url(record_type, subject))
    fixed = ["note"] if request.args.get("only") == "note" else None
    context = timeline_context(subject, record_type, request.args, fixed_types=fixed)
    return render_template("crm/activities/_timeline.html", **context)


@bp.route("/timeline/<subject_type>/<uuid:subject_id>/activities", methods=["POST"])
@requires_permission("activities.create")
def log(subject_type, subject_id):
    record_type, subject = access_record_with("timeline", subject_type, subject_id, actor=current_user)
    form = LogActivityForm()
    htmx = is_htmx()
    activity = save_form(form, lambda: services.log_activity(form.to_data(subject.id), actor=current_user))
    if activity is not None:
        if not htmx:
            flash(f"{ActivityType.LABELS[activity.type]} logged.", "success")
            return redirect(record_page_url(record_type, subject))
        html = render_template(
            "crm/activities/_log_form.html", logged=activity, **log_form_context(subject, record_type)
        )
        # The timeline listens for this event and reloads itself with its own filters.
        return html, 200, {"HX-Trigger": "activity-logged"}
    if not htmx:
        messages = [message for messages in form.errors.values() for message in messages if isinstance(message, str)]
        flash(" ".join(messages) or "Check the activity.", "danger")
        return redirect(record_page_url(record_type, subject))
    return render_template("crm/activities/_log_form.html", **log_form_context(subject, record_type, form)), 422


def _back(activity) -> str:
    """The page of the record the activity was logged on (or the dashboard once it is gone)."""
    entry = activity.record
    record_type = find_record_type(entry.type) if entry is not None else None
    if record_type is None:
        return url_for("dashboard.index")
    return url_for(f"{record_type.plural}.show", **{record_type.id_arg: entry.id})


@bp.route("/activities/<uuid:activity_id>/edit", methods=["GET", "POST"])
@requires_permission("activities.edit")
def edit(activity_id):
    activity = services.get_activity(activity_id)
    if activity.is_system:
        abort(404)
    form = ActivityForm()
    if request.method == "GET":
        form.fill_from(activity)
    if save_form(form, lambda: services.update_activity(activity, form.common_data(), actor=current_user)) is not None:
        flash("Activity saved.", "success")
        return redirect(_back(activity))
    return render_template("crm/activities/edit.html", form=form, activity=activity, back=_back(activity)), (
        422 if form.errors else 200
    )


@bp.route("/activities/<uuid:activity_id>/delete", methods=["POST"])
@requires_permission("activities.delete")
def delete(activity_id):
    activity = services.get_activity(activity_id)
    if activity.is_system:
        abort(404)
    back = _back(activity)
    services.delete_activity(activity, actor=current_user)
    flash("Activity deleted.", "success")
    return redirect(back)
