"""Demo duplicates for `seed-demo`: a contact typed in again from a business card (another
address, the same name at the same company) and a lead who filled in a second form with the
same address, then the scan that pairs them, so `/duplicates` has something to merge."""

from sqlalchemy import select

from app.auth.demo_team import get_demo_owner
from app.core.extensions import db
from app.crm.contacts.models import Contact
from app.crm.contacts.services import create_contact
from app.crm.duplicates.models import DuplicatePair
from app.crm.duplicates.services import scan_for_duplicates
from app.crm.leads.models import Lead
from app.crm.leads.services import create_lead


def seed_duplicates_demo(tenant) -> None:
    owner = get_demo_owner(unless_seeded=DuplicatePair)
    if owner is None:
        return
    original = db.session.scalar(
        select(Contact).where(Contact.company_id.is_not(None)).order_by(Contact.created_at, Contact.id).limit(1)
    )
    if original is not None:
        create_contact(
            {
                "first_name": original.first_name,
                "last_name": original.last_name,
                "title": "From a business card",
                "emails": [{"email": f"{original.first_name}.{original.last_name}@mail.example".lower()}],
                "company_id": original.company_id,
            },
            actor=owner,
        )
    lead = db.session.scalar(select(Lead).where(Lead.email != "").order_by(Lead.created_at, Lead.id).limit(1))
    if lead is not None:
        create_lead(
            {"name": lead.name, "email": lead.email.upper(), "company_name": lead.company_name, "source": "website"},
            actor=owner,
        )
    scan_for_duplicates()
