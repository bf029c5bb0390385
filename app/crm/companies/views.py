"""Company pages: the kit's pages, plus a company's people (make primary, remove)."""

from flask import flash, redirect, url_for
from flask_login import current_user

from app.auth.permissions import requires_permission
from app.core.errors import AppError
from app.crm.companies import services
from app.crm.companies.record import COMPANIES
from app.crm.contacts.services import get_contact
from app.records.views import record_blueprint

bp = record_blueprint(COMPANIES)


def _people_tab(company) -> str:
    return url_for("companies.show", company_id=company.id, tab="contacts")


@bp.route("/companies/<uuid:company_id>/contacts/<uuid:contact_id>/primary", methods=["POST"])
@requires_permission("contacts.edit")
def make_primary(company_id, contact_id):
    company = services.get_company(company_id)
    contact = get_contact(contact_id)
    _run(services.set_primary_contact, company, contact, f"{contact.display_name} is now the primary contact.")
    return redirect(_people_tab(company))


@bp.route("/companies/<uuid:company_id>/contacts/<uuid:contact_id>/remove", methods=["POST"])
@requires_permission("contacts.edit")
def remove_contact(company_id, contact_id):
    company = services.get_company(company_id)
    contact = get_contact(contact_id)
    _run(services.remove_contact_from_company, company, contact, f"{contact.display_name} removed from {company.name}.")
    return redirect(_people_tab(company))


def _run(operation, company, contact, success: str) -> None:
    try:
        operation(company, contact, actor=current_user)
    except AppError as exc:
        flash(exc.message, "danger")
        return
    flash(success, "success")
