"""/forms: the builder, each form's numbers and embed code, and the submissions log."""

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import requires_permission
from app.core.forms import delete_and_redirect, save_form
from app.core.hosts import TenantBlueprint
from app.core.navigation import NavItem, register_nav_item
from app.core.text import plural
from app.crm.forms import intake, services
from app.crm.forms.forms import BLANK_FIELD_ROWS, WebFormForm
from app.crm.forms.models import SubmissionStatus
from app.plans.services import entitlements

bp = TenantBlueprint("forms", __name__)
register_nav_item(NavItem("Forms", "forms.index", "ui-checks", "forms.view", group="marketing", order=60))


@bp.route("/forms")
@requires_permission("forms.view")
def index():
    forms = services.list_forms()
    return render_template(
        "crm/forms/index.html",
        forms=forms,
        totals=services.submission_totals(),
        waitlisted=intake.waitlisted_count(),
    )


def _builder(form, web_form=None, status=200):
    target = form.creates.data or (web_form.creates if web_form else "lead")
    target = target if target in services.TARGETS else "lead"
    posted_fields = form.to_data(request.form)["fields"] if request.method == "POST" else None
    posted_consents = form.to_data(request.form)["consents"] if request.method == "POST" else None
    posted_deal = form.to_data(request.form)["deal"] if request.method == "POST" else None
    return render_template(
        "crm/forms/builder.html",
        form=form,
        web_form=web_form,
        field_rows=(posted_fields if posted_fields is not None else (web_form.fields if web_form else _starter()))
        + [{}] * BLANK_FIELD_ROWS,
        consent_rows=(posted_consents if posted_consents is not None else (web_form.consents if web_form else []))
        + [{}],
        mappable={name: services.mappable_fields(name) for name in services.TARGETS},
        target=target,
        input_types=services.INPUT_TYPES,
        channels=services.CONSENT_CHANNELS,
        deal=posted_deal if posted_deal is not None else (web_form.deal if web_form else {}) or {},
        deal_stages=services.deal_stage_choices(),
    ), status


def _starter() -> list[dict]:
    return [
        {"label": "Name", "maps_to": "name", "type": "text", "required": True},
        {"label": "Email", "maps_to": "email", "type": "email", "required": True},
        {"label": "Company", "maps_to": "company_name", "type": "text"},
    ]


@bp.route("/forms/new")
@requires_permission("forms.create")
def new():
    return _builder(WebFormForm(formdata=None))


@bp.route("/forms", methods=["POST"])
@requires_permission("forms.create")
def create():
    form = WebFormForm()
    web_form = save_form(form, lambda: services.create_form(form.to_data(request.form), actor=current_user))
    if web_form is None:
        return _builder(form, status=422)
    flash(f"Form “{web_form.name}” created. Share its link or embed it on your site.", "success")
    return redirect(url_for("forms.show", form_id=web_form.id))


@bp.route("/forms/<uuid:form_id>")
@requires_permission("forms.view")
def show(form_id):
    web_form = services.get_form(form_id)
    page = services.list_submissions(form=web_form, cursor=request.args.get("cursor"), limit=20)
    return render_template(
        "crm/forms/show.html",
        web_form=web_form,
        stats=services.form_stats(web_form),
        counts=services.status_counts(web_form),
        page=page,
        statuses=SubmissionStatus,
        automations_on=entitlements(g.tenant).has_feature("automations"),
        deal_option=services.describe_deal(web_form),
    )


@bp.route("/forms/<uuid:form_id>/edit")
@requires_permission("forms.edit")
def edit(form_id):
    web_form = services.get_form(form_id)
    form = WebFormForm(formdata=None, obj=web_form)
    form.allowed_origins.data = "\n".join(web_form.allowed_origins or [])
    return _builder(form, web_form)


@bp.route("/forms/<uuid:form_id>/edit", methods=["POST"])
@requires_permission("forms.edit")
def update(form_id):
    web_form = services.get_form(form_id)
    form = WebFormForm()
    if save_form(form, lambda: services.update_form(web_form, form.to_data(request.form), actor=current_user)) is None:
        return _builder(form, web_form, 422)
    flash("Form saved.", "success")
    return redirect(url_for("forms.show", form_id=web_form.id))


@bp.route("/forms/<uuid:form_id>/delete", methods=["POST"])
@requires_permission("forms.delete")
def delete(form_id):
    return delete_and_redirect(
        services.get_form(form_id),
        services.delete_form,
        "Form “{name}” and its submissions deleted.",
        url_for("forms.index"),
        refused_to=url_for("forms.show", form_id=form_id),
    )


@bp.route("/forms/submissions")
@requires_permission("forms.view")
def submissions():
    status = request.args.get("status") or None
    if status not in (None, *SubmissionStatus.LABELS):
        status = None
    page = services.list_submissions(status=status, cursor=request.args.get("cursor"))
    return render_template(
        "crm/forms/submissions.html", page=page, names=services.form_names(), status=status, statuses=SubmissionStatus
    )


@bp.route("/forms/<uuid:form_id>/submissions/<uuid:submission_id>")
@requires_permission("forms.view")
def submission(form_id, submission_id):
    web_form = services.get_form(form_id)
    found = services.get_submission(submission_id, form=web_form)
    return render_template(
        "crm/forms/submission.html",
        web_form=web_form,
        submission=found,
        details=services.submission_details(web_form, found),
    )


@bp.route("/forms/waitlist", methods=["POST"])
@requires_permission("forms.edit")
def process_waitlist():
    counts = services.process_waitlist(actor=current_user)
    if counts["still_waiting"]:
        flash(f"{plural(counts['accepted'], 'submission')} processed; the plan's limit is reached again.", "warning")
    else:
        flash(f"{plural(counts['accepted'], 'waitlisted submission')} processed.", "success")
    return redirect(url_for("forms.submissions", status="waitlisted"))
