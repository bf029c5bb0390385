"""Company pages: list, form, page (hierarchy tree, contacts and their roles, timeline)."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import requires_permission
from app.core.errors import AppError, ValidationFailed
from app.core.hosts import TenantBlueprint
from app.core.navigation import NavItem, register_nav_item
from app.crm.activities.views import log_form_context, render_timeline
from app.crm.companies import services
from app.crm.companies.forms import CompanyForm
from app.crm.companies.models import COMPANY_SIZES
from app.crm.contacts.services import get_contact
from app.crm.forms import (
    ConfirmForm,
    build_record_form,
    owner_choices,
    save_record_form,
    visible_field_definitions,
)
from app.crm.listing import filters_from_args
from app.crm.tags.services import list_tags

bp = TenantBlueprint("companies", __name__)
register_nav_item(NavItem("Companies", "companies.index", "buildings", "records.view"))


def _definitions():
    return visible_field_definitions("company")


def _form(definitions, company=None):
    form = build_record_form(CompanyForm, definitions, company)
    parent = company.parent if company is not None else None
    form.parent_id.choices = services.company_options(selected=parent, exclude=company)
    return form


@bp.route("/companies")
@requires_permission("records.view")
def index():
    filters = filters_from_args(request.args, services.FILTERS)
    search = request.args.get("q", "").strip()
    sort = request.args.get("sort") or services.DEFAULT_SORT
    try:
        page = services.list_companies(search=search, filters=filters, sort=sort, cursor=request.args.get("cursor"))
        errors = {}
    except ValidationFailed as exc:
        page, errors = None, exc.details
    definitions = _definitions()
    return render_template(
        "crm/companies/index.html",
        page=page,
        errors=errors,
        search=search,
        filters=filters,
        sort=sort,
        sorts=services.SORTS,
        sizes=COMPANY_SIZES,
        owners=owner_choices(),
        tags=list_tags(),
        columns=definitions[:3],
    ), (422 if errors else 200)


@bp.route("/companies/options")
@requires_permission("records.view")
def options():
    """<option>s for the company pickers' search box (HTMX)."""
    return render_template(
        "crm/companies/_options.html",
        companies=services.search_companies(request.args.get("q", "")),
        empty_label=request.args.get("empty", "No company"),
    )


@bp.route("/companies/new", methods=["GET", "POST"])
@requires_permission("records.create")
def new():
    definitions = _definitions()
    form = _form(definitions)
    return save_record_form(
        form,
        lambda: services.create_company(form.to_data(definitions), actor=current_user),
        success=lambda company: (f"{company.name} added.", url_for("companies.show", company_id=company.id)),
        template="crm/companies/form.html",
        company=None,
        definitions=definitions,
    )


@bp.route("/companies/<uuid:company_id>")
@requires_permission("records.view")
def show(company_id):
    company = services.load_company_for_page(company_id)
    return render_template(
        "crm/companies/show.html",
        company=company,
        tree=services.company_tree(company),
        contacts=services.company_contacts(company),
        contact_count=services.contact_counts([company.id]).get(company.id, 0),
        definitions=_definitions(),
        timeline_html=render_timeline(company, "company", request.args),
        log=log_form_context(company, "company"),
        confirm_form=ConfirmForm(),
    )


@bp.route("/companies/<uuid:company_id>/edit", methods=["GET", "POST"])
@requires_permission("records.edit")
def edit(company_id):
    company = services.load_company_for_page(company_id)
    definitions = _definitions()
    form = _form(definitions, company)
    return save_record_form(
        form,
        lambda: services.update_company(company, form.to_data(definitions), actor=current_user),
        success=lambda saved: ("Company saved.", url_for("companies.show", company_id=company.id)),
        template="crm/companies/form.html",
        company=company,
        definitions=definitions,
    )


@bp.route("/companies/<uuid:company_id>/delete", methods=["POST"])
@requires_permission("records.delete")
def delete(company_id):
    company = services.get_company(company_id)
    name = company.name
    services.delete_company(company, actor=current_user)
    flash(f"{name} deleted. Its contacts were kept.", "success")
    return redirect(url_for("companies.index"))


@bp.route("/companies/<uuid:company_id>/contacts/<uuid:contact_id>/primary", methods=["POST"])
@requires_permission("records.edit")
def make_primary(company_id, contact_id):
    company = services.get_company(company_id)
    contact = get_contact(contact_id)
    _run(services.set_primary_contact, company, contact, f"{contact.display_name} is now the primary contact.")
    return redirect(url_for("companies.show", company_id=company.id))


@bp.route("/companies/<uuid:company_id>/contacts/<uuid:contact_id>/remove", methods=["POST"])
@requires_permission("records.edit")
def remove_contact(company_id, contact_id):
    company = services.get_company(company_id)
    contact = get_contact(contact_id)
    _run(services.remove_contact_from_company, company, contact, f"{contact.display_name} removed from {company.name}.")
    return redirect(url_for("companies.show", company_id=company.id))


def _run(operation, company, contact, success: str) -> None:
    try:
        operation(company, contact, actor=current_user)
    except AppError as exc:
        flash(exc.message, "danger")
        return
    flash(success, "success")
