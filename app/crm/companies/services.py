"""Companies through the kit's services, plus their people: primary contact, leaving a company."""

from app.core.errors import ValidationFailed
from app.crm.companies.models import Company
from app.crm.companies.record import COMPANIES, company_tree
from app.crm.contacts.models import Contact
from app.crm.contacts.services import update_contact
from app.records.services import record_services

__all__ = ["company_tree"]


# The kit's services, for companies. Deleting one keeps its contacts, children and leads, unlinked.
get_company, load_company_for_page, create_company, update_company, delete_company, list_companies = record_services(
    COMPANIES
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
