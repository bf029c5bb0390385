"""Leads: create, update, delete, list, score, speed to lead, and conversion."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from app.core.audit import record_audit
from app.core.errors import Conflict, ValidationFailed
from app.core.lookups import get_or_404
from app.core.pagination import Page
from app.core.types import utcnow
from app.crm.activities.models import Activity, ActivityType, Direction
from app.crm.activities.services import record_event
from app.crm.changes import diff, snapshot
from app.crm.fields.services import list_field_definitions, validate_custom_values
from app.crm.leads.models import Lead, LeadSource, LeadStatus
from app.crm.leads.scoring import compute_score, score_breakdown
from app.crm.listing import (
    Sort,
    check_filter_keys,
    created_range_conditions,
    custom_field_conditions,
    resolve_sort,
    run_page,
)
from app.crm.search import build_search_text, search_condition
from app.crm.tags.models import lead_tags
from app.crm.validation import (
    Errors,
    check_known_keys,
    clean_choice,
    clean_email,
    clean_text,
    normalize_phone,
    resolve_tags,
    resolve_user,
)
from app.extensions import db

FIELDS = (
    "name",
    "email",
    "phone",
    "company_name",
    "title",
    "source",
    "status",
    "lost_reason",
    "estimated_value",
    "owner_id",
    "notes",
    "tag_ids",
    "custom_fields",
)
SORTS = {
    "-created_at": Sort(Lead.created_at, True, "Newest first"),
    "created_at": Sort(Lead.created_at, False, "Oldest first"),
    "name": Sort(Lead.name, False, "Name A–Z"),
    "-name": Sort(Lead.name, True, "Name Z–A"),
    "-score": Sort(Lead.score, True, "Highest score"),
    "score": Sort(Lead.score, False, "Lowest score"),
    "-updated_at": Sort(Lead.updated_at, True, "Recently updated"),
}
DEFAULT_SORT = "-created_at"
FILTERS = {
    "status": "one of " + ", ".join(LeadStatus.ALL),
    "source": "one of " + ", ".join(LeadSource.ALL),
    "owner_id": "user id, or 'none' for unassigned",
    "tag_id": "tag id",
    "min_score": "0–100",
    "awaiting_response": "'1': no outbound call, email, SMS or meeting yet",
    "created_after": "YYYY-MM-DD, inclusive",
    "created_before": "YYYY-MM-DD, inclusive",
}
MAX_VALUE = Decimal("999999999999.99")
# Mail providers whose domain says nothing about the company someone works for.
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


def get_lead(lead_id) -> Lead:
    return get_or_404(Lead, lead_id)


def _clean_value(data: dict, errors: Errors):
    value = data["estimated_value"]
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        errors.add("estimated_value", "Enter an amount.")
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        errors.add("estimated_value", "Enter an amount such as 1500 or 1500.50.")
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_VALUE:
        errors.add("estimated_value", "Enter an amount from 0 to 999,999,999,999.99.")
        return None
    return amount.quantize(Decimal("0.01"))


def _clean(data: dict, errors: Errors, lead: Lead | None) -> dict:
    cleaned: dict = {}
    name = clean_text(data, "name", errors, max_length=200, required=lead is None or "name" in data, label="Name")
    if name is not None:
        cleaned["name"] = name
    for key, limit in (("company_name", 200), ("title", 120), ("lost_reason", 500), ("notes", 20_000)):
        value = clean_text(data, key, errors, max_length=limit)
        if value is not None:
            cleaned[key] = value
    if "email" in data:
        cleaned["email"] = clean_email(data["email"], "email", errors) if data["email"] else None
    if "phone" in data:
        cleaned["phone"] = (normalize_phone(data["phone"], "phone", errors) or "") if data["phone"] else ""
    source = clean_choice(data, "source", LeadSource.LABELS, errors, label="source")
    if source is not None:
        cleaned["source"] = source
    if "status" in data:
        status = data["status"]
        if status == LeadStatus.CONVERTED and (lead is None or lead.status != LeadStatus.CONVERTED):
            errors.add("status", "Use Convert to turn a lead into a contact.")
        elif lead is not None and lead.status == LeadStatus.CONVERTED and status != LeadStatus.CONVERTED:
            errors.add("status", "A converted lead stays converted.")
        elif status not in LeadStatus.ALL:
            errors.add("status", "Choose a status.")
        else:
            cleaned["status"] = status
    if "estimated_value" in data:
        cleaned["estimated_value"] = _clean_value(data, errors)
    if "owner_id" in data:
        cleaned["owner"] = resolve_user(data["owner_id"], "owner_id", errors)
    if "tag_ids" in data:
        cleaned["tags"] = resolve_tags(data["tag_ids"], errors)
    if "custom_fields" in data:
        current = lead.custom_fields if lead is not None else None
        cleaned["custom_fields"] = validate_custom_values("lead", data["custom_fields"], current=current, errors=errors)
    elif lead is None:
        cleaned["custom_fields"] = validate_custom_values("lead", {}, errors=errors)
    status = cleaned.get("status", lead.status if lead else LeadStatus.NEW)
    reason = cleaned.get("lost_reason", lead.lost_reason if lead else "")
    if status == LeadStatus.LOST and not reason:
        errors.add("lost_reason", "Say why the lead was lost.")
    return cleaned


def _apply(lead: Lead, cleaned: dict) -> None:
    for key in ("name", "email", "phone", "company_name", "title", "source", "status", "lost_reason", "notes"):
        if key in cleaned:
            setattr(lead, key, cleaned[key])
    if "estimated_value" in cleaned:
        lead.estimated_value = cleaned["estimated_value"]
    if "owner" in cleaned:
        lead.owner = cleaned["owner"]
    if "tags" in cleaned:
        lead.tags = list(cleaned["tags"])
    if "custom_fields" in cleaned:
        lead.custom_fields = dict(cleaned["custom_fields"])
    if lead.status != LeadStatus.LOST:
        lead.lost_reason = ""
    lead.search_text = build_search_text(lead.name, lead.email, lead.phone, lead.company_name)


CHANGE_READERS = {
    "name": lambda lead: lead.name,
    "email": lambda lead: lead.email,
    "phone": lambda lead: lead.phone,
    "company_name": lambda lead: lead.company_name,
    "title": lambda lead: lead.title,
    "source": lambda lead: LeadSource.LABELS.get(lead.source, lead.source),
    "status": lambda lead: LeadStatus.LABELS.get(lead.status, lead.status),
    "lost_reason": lambda lead: lead.lost_reason,
    "estimated_value": lambda lead: str(lead.estimated_value) if lead.estimated_value is not None else None,
    "owner": lambda lead: lead.owner.display_name if lead.owner is not None else None,
    "notes": lambda lead: lead.notes,
    "tags": lambda lead: [t.name for t in lead.tags],
}


def lead_snapshot(lead: Lead) -> dict:
    values = snapshot(lead, CHANGE_READERS)
    for key, value in (lead.custom_fields or {}).items():
        values[f"custom_fields.{key}"] = value
    return values


def create_lead(data: dict, *, actor) -> Lead:
    check_known_keys(data, FIELDS)
    errors = Errors()
    cleaned = _clean(data, errors, None)
    errors.raise_if_any()
    lead = Lead(created_by_id=actor.id, owner_id=None if "owner" in cleaned else actor.id)
    db.session.add(lead)
    _apply(lead, cleaned)
    lead.score = compute_score(lead, 0)
    db.session.flush()
    record_event("lead.created", actor=actor, summary="Lead created", lead=lead)
    record_audit("lead.created", actor=actor, target=lead, target_label=lead.name)
    return lead


def update_lead(lead: Lead, data: dict, *, actor) -> Lead:
    check_known_keys(data, FIELDS)
    errors = Errors()
    cleaned = _clean(data, errors, lead)
    errors.raise_if_any()
    before = lead_snapshot(lead)
    _apply(lead, cleaned)
    refresh_lead_engagement(lead)
    db.session.flush()
    changes = diff(before, lead_snapshot(lead))
    if changes:
        summary = "Updated " + ", ".join(field.removeprefix("custom_fields.").replace("_", " ") for field in changes)
        record_event("lead.updated", actor=actor, summary=summary, lead=lead, changes=changes)
        record_audit("lead.updated", actor=actor, target=lead, target_label=lead.name)
    return lead


def delete_lead(lead: Lead, *, actor) -> None:
    """The lead's activities that belong to nothing else go with it; the rest stay."""
    from sqlalchemy import delete

    unlink = {"synchronize_session": False}
    db.session.execute(
        delete(Activity)
        .where(Activity.lead_id == lead.id, Activity.contact_id.is_(None), Activity.company_id.is_(None))
        .execution_options(**unlink)
    )
    db.session.execute(
        update(Activity).where(Activity.lead_id == lead.id).values(lead_id=None).execution_options(**unlink)
    )
    record_event(
        "lead.deleted",
        actor=actor,
        summary=f"Lead {lead.name} deleted",
        contact=lead.converted_contact,
        company=lead.converted_company,
        label=lead.name,
    )
    record_audit("lead.deleted", actor=actor, target=lead, target_label=lead.name)
    db.session.delete(lead)
    db.session.flush()


# ------------------------------------------------------------------------------ engagement


def activity_count(lead: Lead) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Activity)
        .where(Activity.lead_id == lead.id, Activity.type != ActivityType.SYSTEM)
    )


def first_response_at(lead: Lead):
    return db.session.scalar(
        select(func.min(Activity.occurred_at)).where(
            Activity.lead_id == lead.id,
            Activity.type.in_(ActivityType.RESPONSES),
            Activity.direction == Direction.OUTBOUND,
        )
    )


def refresh_lead_engagement(lead: Lead) -> None:
    """Recompute the score and the first response from the lead's activities (two queries)."""
    lead.first_response_at = first_response_at(lead)
    lead.score = compute_score(lead, activity_count(lead))


def note_lead_activity(lead: Lead, activity: Activity) -> None:
    """Called when an activity is logged on the lead: engagement and speed to lead move."""
    refresh_lead_engagement(lead)
    db.session.flush()


def lead_score_breakdown(lead: Lead):
    return score_breakdown(lead, activity_count(lead))


# ------------------------------------------------------------------------------ lists


def list_leads(
    *, search: str | None = None, filters: dict | None = None, sort: str | None = None, cursor=None, limit=25
) -> Page:
    filters = dict(filters or {})
    check_filter_keys(filters, FILTERS)
    stmt = select(Lead).options(selectinload(Lead.tags), selectinload(Lead.owner))
    errors = Errors()
    stmt = stmt.where(*_filter_conditions(filters, errors))
    errors.raise_if_any("Check the filters.")
    condition = search_condition(Lead.search_text, search)
    if condition is not None:
        stmt = stmt.where(condition)
    return run_page(stmt, Lead, resolve_sort(SORTS, sort, DEFAULT_SORT), cursor, limit)


def _filter_conditions(filters: dict, errors: Errors) -> list:
    from app.crm.contacts.services import _uuid_filter

    conditions = []
    if filters.get("status"):
        if filters["status"] not in LeadStatus.ALL:
            errors.add("status", "Choose a status.")
        conditions.append(Lead.status == filters["status"])
    if filters.get("source"):
        if filters["source"] not in LeadSource.ALL:
            errors.add("source", "Choose a source.")
        conditions.append(Lead.source == filters["source"])
    owner = filters.get("owner_id")
    if owner == "none":
        conditions.append(Lead.owner_id.is_(None))
    elif owner:
        conditions.append(Lead.owner_id == _uuid_filter(owner, "owner_id", errors))
    if filters.get("tag_id"):
        tag_id = _uuid_filter(filters["tag_id"], "tag_id", errors)
        tagged = select(lead_tags.c.lead_id).where(
            lead_tags.c.tenant_id == Lead.tenant_id, lead_tags.c.tag_id == tag_id
        )
        conditions.append(Lead.id.in_(tagged))
    if filters.get("min_score"):
        try:
            conditions.append(Lead.score >= int(filters["min_score"]))
        except ValueError:
            errors.add("min_score", "Must be a whole number.")
    if str(filters.get("awaiting_response", "")) in ("1", "true"):
        conditions.append(Lead.first_response_at.is_(None))
        conditions.append(Lead.status.not_in((LeadStatus.CONVERTED, LeadStatus.LOST)))
    conditions.extend(created_range_conditions(Lead, filters, errors))
    if any(key.startswith("cf.") for key in filters):
        definitions = {item.key: item for item in list_field_definitions("lead")}
        conditions.extend(custom_field_conditions(Lead, filters, definitions, errors))
    return conditions


# ------------------------------------------------------------------------------ conversion


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
