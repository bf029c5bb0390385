"""Converting a lead into a contact and company, reusing ones that match."""

from dataclasses import dataclass

from sqlalchemy import func, select, update

from app.core.audit import record_audit
from app.core.errors import Conflict, ValidationFailed
from app.core.types import utcnow
from app.crm.activities.models import Activity, ActivityType
from app.crm.activities.services import record_event
from app.crm.fields.services import list_field_definitions
from app.crm.leads.models import Lead, LeadStatus
from app.extensions import db

FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "web.de",
        "mail.com",
        "yandex.com",
    }
)


@dataclass
class ConversionResult:
    lead: Lead
    contact: object
    company: object | None
    contact_created: bool
    company_created: bool
    deal: object | None = None


# The deals domain registers a function(lead, contact, company, *, actor) -> Deal here.
DEAL_CREATORS: list = []


def email_domain(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    domain = email.rsplit("@", 1)[1].lower()
    return None if domain in FREE_MAIL_DOMAINS else domain


def conversion_matches(lead: Lead) -> dict:
    """The existing contact (by email) and company (by email domain, then name) a conversion reuses."""
    from app.crm.companies.models import Company
    from app.crm.contacts.models import Contact, ContactEmail

    contact = None
    if lead.email:
        contact = db.session.scalar(
            select(Contact)
            .join(ContactEmail, (ContactEmail.tenant_id == Contact.tenant_id) & (ContactEmail.contact_id == Contact.id))
            .where(ContactEmail.email == lead.email.lower())
        )
    company = None
    domain = email_domain(lead.email)
    if domain:
        company = db.session.scalar(select(Company).where(Company.domain == domain))
    if company is None and lead.company_name:
        company = db.session.scalar(
            select(Company)
            .where(func.lower(Company.name) == lead.company_name.lower())
            .order_by(Company.created_at)
            .limit(1)
        )
    if company is None and contact is not None and contact.company is not None:
        company = contact.company
    return {"contact": contact, "company": company, "domain": domain}


def _split_name(name: str) -> tuple[str, str]:
    parts = (name or "").strip().split(None, 1)
    return (parts[0], parts[1]) if len(parts) == 2 else ((parts[0], "") if parts else ("", ""))


def _carry_custom_fields(lead: Lead, object_type: str) -> dict:
    """Lead custom values whose key also exists on the target object, with a compatible type."""
    targets = {item.key: item for item in list_field_definitions(object_type)}
    sources = {item.key: item for item in list_field_definitions("lead")}
    return {
        key: value
        for key, value in (lead.custom_fields or {}).items()
        if key in targets and key in sources and targets[key].field_type == sources[key].field_type
    }


def convert_lead(lead: Lead, *, actor, create_deal: bool = False) -> ConversionResult:
    """Turn the lead into a contact and company, reusing ones that match by email and domain.

    The lead stays, marked converted and linking to what it became; its activities (notes
    included) now also belong to the contact and company, so both timelines keep them.
    """
    from app.crm.companies.services import create_company
    from app.crm.contacts.services import create_contact, update_contact

    if lead.status == LeadStatus.CONVERTED:
        raise Conflict("This lead was already converted.")
    if create_deal and not DEAL_CREATORS:
        raise ValidationFailed(
            "Deals are not available in this workspace yet.", details={"create_deal": ["Unavailable."]}
        )
    matches = conversion_matches(lead)
    company, company_created = matches["company"], False
    if company is None and lead.company_name:
        company_data = {
            "name": lead.company_name,
            "owner_id": lead.owner_id,
            "custom_fields": _carry_custom_fields(lead, "company"),
        }
        if matches["domain"]:
            company_data["domain"] = matches["domain"]
        company = create_company(company_data, actor=actor)
        company_created = True
    contact, contact_created = matches["contact"], False
    if contact is None:
        first, last = _split_name(lead.name)
        contact_data = {
            "first_name": first,
            "last_name": last,
            "emails": [{"email": lead.email, "primary": True}] if lead.email else [],
            "phones": [{"number": lead.phone, "label": "work"}] if lead.phone else [],
            "title": lead.title,
            "owner_id": lead.owner_id,
            "lifecycle_stage": "sql" if lead.status == LeadStatus.QUALIFIED else "lead",
            "tag_ids": [tag.id for tag in lead.tags],
            "custom_fields": _carry_custom_fields(lead, "contact"),
        }
        if company is not None:
            contact_data["company_id"] = company.id
        contact = create_contact(contact_data, actor=actor)
        contact_created = True
    elif contact.company_id is None and company is not None:
        update_contact(contact, {"company_id": company.id}, actor=actor)
    db.session.execute(
        update(Activity)
        .where(Activity.lead_id == lead.id, Activity.contact_id.is_(None))
        .values(contact_id=contact.id)
        .execution_options(synchronize_session=False)
    )
    if company is not None:
        db.session.execute(
            update(Activity)
            .where(Activity.lead_id == lead.id, Activity.company_id.is_(None))
            .values(company_id=company.id)
            .execution_options(synchronize_session=False)
        )
    if lead.notes:
        # The lead's free-text notes become a note on the contact's timeline.
        db.session.add(
            Activity(
                type=ActivityType.NOTE,
                subject=f"Notes from lead {lead.name}",
                body=lead.notes,
                user_id=actor.id,
                contact_id=contact.id,
                company_id=getattr(company, "id", None),
                lead_id=lead.id,
                occurred_at=lead.created_at,
            )
        )
    old_status = LeadStatus.LABELS[lead.status]
    lead.status = LeadStatus.CONVERTED
    lead.lost_reason = ""
    lead.converted_at = utcnow()
    lead.converted_contact = contact
    lead.converted_company = company
    deal = DEAL_CREATORS[0](lead, contact, company, actor=actor) if create_deal else None
    db.session.flush()
    details = {
        "contact": contact.display_name,
        "contact_created": contact_created,
        "company": company.name if company is not None else None,
        "company_created": company_created,
    }
    record_event(
        "lead.converted",
        actor=actor,
        summary=f"Converted into {contact.display_name}" + (f" at {company.name}" if company else ""),
        lead=lead,
        changes={"status": {"old": old_status, "new": LeadStatus.LABELS[LeadStatus.CONVERTED]}},
        **details,
    )
    record_event(
        "contact.converted_from_lead",
        actor=actor,
        summary=f"Converted from lead {lead.name}",
        contact=contact,
        lead_name=lead.name,
    )
    record_audit("lead.converted", actor=actor, target=lead, target_label=lead.name, details=details)
    return ConversionResult(lead, contact, company, contact_created, company_created, deal)
