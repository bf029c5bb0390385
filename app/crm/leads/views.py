"""Lead pages: list (status, score, speed to lead), form, page (score breakdown, timeline), convert."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import requires_permission
from app.core.errors import Conflict, ValidationFailed
from app.core.hosts import TenantBlueprint
from app.core.navigation import NavItem, register_nav_item
from app.core.types import utcnow
from app.crm.activities.views import log_form_context, render_timeline
from app.crm.forms import (
    ConfirmForm,
    build_record_form,
    owner_choices,
    save_record_form,
    visible_field_definitions,
)
from app.crm.leads import services
from app.crm.leads.forms import ConvertForm, LeadForm
from app.crm.leads.models import LeadSource, LeadStatus
from app.crm.listing import filters_from_args
from app.crm.tags.services import list_tags

bp = TenantBlueprint("leads", __name__)
register_nav_item(NavItem("Leads", "leads.index", "funnel", "records.view"))


def _definitions():
    return visible_field_definitions("lead")


def _form(definitions, lead=None):
    return build_record_form(LeadForm, definitions, lead)


@bp.route("/leads")
@requires_permission("records.view")
def index():
    filters = filters_from_args(request.args, services.FILTERS)
    search = request.args.get("q", "").strip()
    sort = request.args.get("sort") or services.DEFAULT_SORT
    try:
        page = services.list_leads(search=search, filters=filters, sort=sort, cursor=request.args.get("cursor"))
        errors = {}
    except ValidationFailed as exc:
        page, errors = None, exc.details
    return render_template(
        "crm/leads/index.html",
        page=page,
        errors=errors,
        search=search,
        filters=filters,
        sort=sort,
        sorts=services.SORTS,
        statuses=LeadStatus,
        sources=LeadSource.LABELS,
        owners=owner_choices(),
        tags=list_tags(),
        columns=_definitions()[:2],
        now=utcnow(),
    ), (422 if errors else 200)


@bp.route("/leads/new", methods=["GET", "POST"])
@requires_permission("records.create")
def new():
    definitions = _definitions()
    form = _form(definitions)
    return save_record_form(
        form,
        lambda: services.create_lead(form.to_data(definitions), actor=current_user),
        success=lambda lead: (f"Lead {lead.name} added.", url_for("leads.show", lead_id=lead.id)),
        template="crm/leads/form.html",
        lead=None,
        definitions=definitions,
    )


@bp.route("/leads/<uuid:lead_id>")
@requires_permission("records.view")
def show(lead_id):
    lead = services.get_lead(lead_id)
    return render_template(
        "crm/leads/show.html",
        lead=lead,
        breakdown=services.lead_score_breakdown(lead),
        definitions=_definitions(),
        statuses=LeadStatus,
        sources=LeadSource.LABELS,
        timeline_html=render_timeline(lead, "lead", request.args),
        log=log_form_context(lead, "lead"),
        confirm_form=ConfirmForm(),
        now=utcnow(),
    )


@bp.route("/leads/<uuid:lead_id>/edit", methods=["GET", "POST"])
@requires_permission("records.edit")
def edit(lead_id):
    lead = services.get_lead(lead_id)
    definitions = _definitions()
    form = _form(definitions, lead)
    converted = lead.status == LeadStatus.CONVERTED
    return save_record_form(
        form,
        lambda: services.update_lead(lead, form.to_data(definitions, converted=converted), actor=current_user),
        success=lambda saved: ("Lead saved.", url_for("leads.show", lead_id=lead.id)),
        template="crm/leads/form.html",
        lead=lead,
        converted=converted,
        definitions=definitions,
    )


@bp.route("/leads/<uuid:lead_id>/delete", methods=["POST"])
@requires_permission("records.delete")
def delete(lead_id):
    lead = services.get_lead(lead_id)
    name = lead.name
    services.delete_lead(lead, actor=current_user)
    flash(f"Lead {name} deleted.", "success")
    return redirect(url_for("leads.index"))


@bp.route("/leads/<uuid:lead_id>/convert", methods=["GET", "POST"])
@requires_permission("records.create")
def convert(lead_id):
    lead = services.get_lead(lead_id)
    if lead.status == LeadStatus.CONVERTED:
        flash("This lead was already converted.", "info")
        return redirect(url_for("leads.show", lead_id=lead.id))
    form = ConvertForm()
    error = None
    if form.validate_on_submit():
        try:
            result = services.convert_lead(lead, actor=current_user, create_deal=bool(form.create_deal.data))
        except ValidationFailed as exc:
            error = exc
        except Conflict as exc:
            flash(exc.message, "danger")
            return redirect(url_for("leads.show", lead_id=lead.id))
        else:
            verb = "created" if result.contact_created else "matched"
            flash(f"Lead converted: contact {result.contact.display_name} {verb}.", "success")
            return redirect(url_for("contacts.show", contact_id=result.contact.id))
    return render_template(
        "crm/leads/convert.html",
        lead=lead,
        form=form,
        matches=services.conversion_matches(lead),
        error=error,
        deals_available=bool(services.DEAL_CREATORS),
    ), (422 if error else 200)
