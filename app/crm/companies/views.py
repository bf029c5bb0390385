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
    return _change_person(
        company_id, contact_id, services.set_primary_contact, "{contact.display_name} is now the primary contact."
    )


@bp.route("/companies/<uuid:company_id>/contacts/<uuid:contact_id>/remove", methods=["POST"])
@requires_permission("contacts.edit")
def remove_contact(company_id, contact_id):
    return _change_person(
        company_id,
        contact_id,
        services.remove_contact_from_company,
        "{contact.display_name} removed from {company.name}.",
    )


def _change_person(company_id, contact_id, operation, success: str):
    """Run `operation(company, contact)` on one of the company's people, flash how it went
    (`success` formatted with `company` and `contact` as they were before), back to the People tab."""
    company = services.get_company(company_id)
    contact = get_contact(contact_id)
    success = success.format(company=company, contact=contact)
    try:
        operation(company, contact, actor=current_user)
    except AppError as exc:
        flash(exc.message, "danger")
    else:
        flash(success, "success")
    return redirect(_people_tab(company))
