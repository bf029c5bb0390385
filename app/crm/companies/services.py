"""Companies through the kit's services, plus their people: primary contact, leaving a company."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.errors import ValidationFailed
from app.crm.companies.models import Company
from app.crm.companies.record import COMPANIES, company_tree, contact_counts
from app.crm.contacts.models import Contact
from app.crm.contacts.services import update_contact
from app.crm.kit.listing import list_records
from app.crm.kit.services import create_record, delete_record, get_record, update_record
from app.extensions import db

__all__ = ["company_tree", "contact_counts"]


def get_company(company_id) -> Company:
    return get_record(COMPANIES, company_id)


def load_company_for_page(company_id) -> Company:
    return get_record(COMPANIES, company_id, detail=True)


def create_company(data: dict, *, actor) -> Company:
    return create_record(COMPANIES, data, actor=actor)


def update_company(company: Company, data: dict, *, actor) -> Company:
    return update_record(COMPANIES, company, data, actor=actor)


def delete_company(company: Company, *, actor) -> None:
    """Contacts, child companies and leads stay; they just stop pointing here."""
    delete_record(COMPANIES, company, actor=actor)


def list_companies(*, search=None, filters=None, sort=None, cursor=None, limit=25, actor=None):
    return list_records(COMPANIES, actor=actor, search=search, filters=filters, sort=sort, cursor=cursor, limit=limit)


def company_contacts(company: Company, limit: int = 50) -> list[Contact]:
    """The company's contacts for its page: primary first, then by name (emails eager-loaded)."""
    return list(
        db.session.scalars(
            select(Contact)
            .where(Contact.company_id == company.id)
            .options(selectinload(Contact.emails))
            .order_by(Contact.is_primary_contact.desc(), Contact.full_name, Contact.id)
            .limit(limit)
        )
    )


def _check_member(company: Company, contact: Contact) -> None:
    if contact.company_id != company.id:
        raise ValidationFailed("This person is not a contact of this company.", details={"contact_id": ["Not here."]})


def set_primary_contact(company: Company, contact: Contact, *, actor) -> None:
    _check_member(company, contact)
    update_contact(contact, {"is_primary_contact": True}, actor=actor)


def remove_contact_from_company(company: Company, contact: Contact, *, actor) -> None:
    _check_member(company, contact)
    update_contact(contact, {"company_id": None, "company_role": "", "is_primary_contact": False}, actor=actor)
