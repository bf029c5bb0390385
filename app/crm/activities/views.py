"""The timeline as HTMX partials: read and filter it, log a call/note/meeting in place, edit, delete."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from app.auth.permissions import requires_permission
from app.core.errors import ValidationFailed
from app.core.hosts import TenantBlueprint
from app.core.lookups import get_or_404
from app.crm.activities import services
from app.crm.activities.forms import ActivityForm, LogActivityForm, now_local
from app.crm.activities.models import ActivityType
from app.crm.forms import ConfirmForm, apply_service_errors

bp = TenantBlueprint("activities", __name__)
SUBJECT_PAGES = {"contact": "contacts.show", "company": "companies.show", "lead": "leads.show"}
PAGE_SIZE = 20


def _subject_model(subject_type: str):
    from app.crm.companies.models import Company
    from app.crm.contacts.models import Contact
    from app.crm.leads.models import Lead

    models = {"contact": Contact, "company": Company, "lead": Lead}
    if subject_type not in models:
        abort(404)
    return models[subject_type]


def load_subject(subject_type: str, subject_id):
    return get_or_404(_subject_model(subject_type), subject_id)


def subject_url(subject_type: str, subject) -> str:
    return url_for(SUBJECT_PAGES[subject_type], **{f"{subject_type}_id": subject.id})


def timeline_context(subject, subject_type: str, args, fixed_types=None) -> dict:
    """What `crm/activities/_timeline.html` needs: one page of the subject's activities."""
    if fixed_types:
        types, search = list(fixed_types), ""
    else:
        wanted = args.getlist("type") if hasattr(args, "getlist") else list(args.get("type") or [])
        types = [item for item in wanted if item in ActivityType.ALL]
        search = (args.get("q") or "").strip()
    page = services.list_activities(
        subject=subject, types=types or None, search=search, cursor=args.get("cursor") or None, limit=PAGE_SIZE
    )
    return {
        "subject": subject,
        "subject_type": subject_type,
        "page": page,
        "types": types,
        "search": search,
        "fixed_types": fixed_types,
        "type_labels": ActivityType.LABELS,
        "type_icons": ActivityType.ICONS,
        "confirm_form": ConfirmForm(),
    }


def render_timeline(subject, subject_type: str, args) -> Markup:
    """The timeline partial as HTML, for pages that show it inline."""
    html = render_template("crm/activities/_timeline.html", **timeline_context(subject, subject_type, args))
    return Markup(html)  # noqa: S704 - output of an autoescaped template


def log_form_context(subject, subject_type: str, form=None) -> dict:
    form = form or LogActivityForm(formdata=None, occurred_at=now_local())
    return {"form": form, "subject": subject, "subject_type": subject_type}


@bp.route("/timeline/<subject_type>/<uuid:subject_id>")
@requires_permission("records.view")
def timeline(subject_type, subject_id):
    subject = load_subject(subject_type, subject_id)
    if request.headers.get("HX-Request") != "true":
        return redirect(subject_url(subject_type, subject))
    return render_template("crm/activities/_timeline.html", **timeline_context(subject, subject_type, request.args))


@bp.route("/timeline/<subject_type>/<uuid:subject_id>/activities", methods=["POST"])
@requires_permission("records.create")
def log(subject_type, subject_id):
    subject = load_subject(subject_type, subject_id)
    form = LogActivityForm()
    htmx = request.headers.get("HX-Request") == "true"
    if form.validate_on_submit():
        try:
            activity = services.log_activity(form.to_data(subject_type, subject.id), actor=current_user)
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            if not htmx:
                flash(f"{ActivityType.LABELS[activity.type]} logged.", "success")
                return redirect(subject_url(subject_type, subject))
            html = render_template(
                "crm/activities/_log_form.html", logged=activity, **log_form_context(subject, subject_type)
            )
            # The timeline listens for this event and reloads itself with its own filters.
            return html, 200, {"HX-Trigger": "activity-logged"}
    if not htmx:
        messages = [message for messages in form.errors.values() for message in messages if isinstance(message, str)]
        flash(" ".join(messages) or "Check the activity.", "danger")
        return redirect(subject_url(subject_type, subject))
    return render_template("crm/activities/_log_form.html", **log_form_context(subject, subject_type, form)), 422


def _subject_of(activity):
    for subject_type in ("contact", "lead", "company"):
        subject = getattr(activity, subject_type)
        if subject is not None:
            return subject_type, subject
    return None, None


@bp.route("/activities/<uuid:activity_id>/edit", methods=["GET", "POST"])
@requires_permission("records.edit")
def edit(activity_id):
    activity = services.get_activity(activity_id)
    if activity.is_system:
        abort(404)
    form = ActivityForm()
    if request.method == "GET":
        form.fill_from(activity)
    subject_type, subject = _subject_of(activity)
    if form.validate_on_submit():
        try:
            services.update_activity(activity, form.common_data(), actor=current_user)
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash("Activity saved.", "success")
            return redirect(subject_url(subject_type, subject) if subject else url_for("dashboard.index"))
    return render_template(
        "crm/activities/edit.html", form=form, activity=activity, subject=subject, subject_type=subject_type
    ), (422 if form.errors else 200)


@bp.route("/activities/<uuid:activity_id>/delete", methods=["POST"])
@requires_permission("records.delete")
def delete(activity_id):
    activity = services.get_activity(activity_id)
    if activity.is_system:
        abort(404)
    subject_type, subject = _subject_of(activity)
    services.delete_activity(activity, actor=current_user)
    flash("Activity deleted.", "success")
    return redirect(subject_url(subject_type, subject) if subject else url_for("dashboard.index"))
