"""Leads through the kit's services, plus what only leads do: convert into a contact and company."""

from dataclasses import dataclass

from sqlalchemy import func, select

from app.auth.permissions import acting_user, check_permission
from app.core.context import require_tenant_id
from app.core.errors import Conflict, ValidationFailed
from app.core.events import emit
from app.core.extensions import db
from app.core.first_rows import FirstRows, first_rows
from app.core.ids import uuid7
from app.core.models import tenant_join
from app.core.types import utcnow
from app.crm.activities.models import Activity, ActivityType, activity_links
from app.crm.companies.models import Company
from app.crm.companies.services import create_company
from app.crm.contacts.models import Contact, ContactEmail
from app.crm.contacts.services import create_contact, update_contact
from app.crm.fields.services import list_field_definitions
from app.crm.leads.models import Lead, LeadStatus
from app.crm.leads.record import LEADS, activity_count, lead_score_breakdown, refresh_engagement
from app.records.services import record_services

__all__ = ["activity_count", "lead_score_breakdown", "refresh_engagement"]

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
# The deals domain registers a function(lead, contact, company, *, actor, **options) -> Deal here.
DEAL_CREATORS: list = []


# The kit's services, for leads. Deleting one takes the activities that belong to nothing else.
get_lead, load_lead_for_page, create_lead, update_lead, delete_lead, list_leads = record_services(LEADS)


@dataclass
class ConversionResult:
    lead: Lead
    contact: Contact
    company: Company | None
    contact_created: bool
    company_created: bool
    deal: object | None = None


def email_domain(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    domain = email.rsplit("@", 1)[1].lower()
    return None if domain in FREE_MAIL_DOMAINS else domain


def conversion_matches(lead: Lead) -> dict:
    """The existing contact (by email) and company (by email domain, then name) a conversion reuses."""
    contact = None
    if lead.email:
        contact = db.session.scalar(
            select(Contact)
            .join(ContactEmail, tenant_join(ContactEmail.contact_id, Contact.id))
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


def _share_history(lead: Lead, record_ids: list) -> None:
    """The lead's activities also appear on the timelines of what it became."""
    tenant_id = require_tenant_id()
    rows = db.session.execute(
        select(activity_links.c.activity_id, activity_links.c.occurred_at).where(
            activity_links.c.tenant_id == tenant_id, activity_links.c.record_id == lead.id
        )
    ).all()
    for record_id in record_ids:
        already = set(
            db.session.scalars(
                select(activity_links.c.activity_id).where(
                    activity_links.c.tenant_id == tenant_id, activity_links.c.record_id == record_id
                )
            )
        )
        new = [
            {"tenant_id": tenant_id, "activity_id": activity_id, "record_id": record_id, "occurred_at": occurred_at}
            for activity_id, occurred_at in rows
            if activity_id not in already
        ]
        if new:
            db.session.execute(activity_links.insert(), new)


def convert_lead(lead: Lead, *, actor, create_deal: bool = False, deal: dict | None = None) -> ConversionResult:
    """Turn the lead into a contact and company, reusing ones that match by email and domain.

    The lead stays, marked converted and linking to what it became; its activities (notes
    included) now also show on the contact's and company's timelines. All or nothing: a
    refused deal undoes the contact and company written before it, so the form shown again
    does not "match" records that are about to vanish.
    """
    with db.session.begin_nested():
        return _convert_lead(lead, actor=actor, create_deal=create_deal, deal=deal)


def _convert_lead(lead: Lead, *, actor, create_deal: bool, deal: dict | None) -> ConversionResult:
    check_permission(actor, "leads.edit")
    check_permission(actor, "contacts.create")
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
    _share_history(lead, [contact.id] + ([company.id] if company is not None else []))
    if lead.notes:
        # The lead's free-text notes become a note on the contact's timeline.
        note = Activity(
            id=uuid7(),
            type=ActivityType.NOTE,
            subject=f"Notes from lead {lead.name}",
            body=lead.notes,
            user_id=getattr(acting_user(actor), "id", None),
            record_id=contact.id,
            occurred_at=lead.created_at,
        )
        db.session.add(note)
        db.session.flush()
        targets = [contact.id, lead.id] + ([company.id] if company is not None else [])
        db.session.execute(
            activity_links.insert(),
            [
                {
                    "tenant_id": require_tenant_id(),
                    "activity_id": note.id,
                    "record_id": record_id,
                    "occurred_at": note.occurred_at,
                }
                for record_id in targets
            ],
        )
    old_status = LeadStatus.LABELS[lead.status]
    lead.status = LeadStatus.CONVERTED
    lead.lost_reason = ""
    lead.converted_at = utcnow()
    lead.converted_contact_id, lead.converted_contact = contact.id, contact
    lead.converted_company_id = company.id if company is not None else None
    lead.converted_company = company
    created_deal = DEAL_CREATORS[0](lead, contact, company, actor=actor, **(deal or {})) if create_deal else None
    db.session.flush()
    details = {
        "label": lead.name,
        "contact": contact.display_name,
        "contact_created": contact_created,
        "company": company.name if company is not None else None,
        "company_created": company_created,
    }
    emit(
        "lead.converted",
        actor=actor,
        record=lead,
        record_type="lead",
        summary=f"Converted into {contact.display_name}" + (f" at {company.name}" if company else ""),
        changes={"status": {"old": old_status, "new": LeadStatus.LABELS[LeadStatus.CONVERTED]}},
        data=details,
    )
    emit(
        "contact.converted_from_lead",
        actor=actor,
        record=contact,
        record_type="contact",
        summary=f"Converted from lead {lead.name}",
        data={"label": contact.display_name, "lead_name": lead.name},
    )
    return ConversionResult(lead, contact, company, contact_created, company_created, created_deal)


def awaiting_first_contact(user, limit: int = 10) -> FirstRows:
    """The user's new leads nobody has called, emailed or met yet, oldest first ("my day")."""
    return first_rows(
        select(Lead)
        .where(Lead.owner_id == user.id, Lead.status == LeadStatus.NEW, Lead.first_response_at.is_(None))
        .order_by(Lead.created_at, Lead.id),
        limit,
    )
