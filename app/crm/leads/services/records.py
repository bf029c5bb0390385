"""Creating, changing and deleting leads; every change lands on the timeline."""

from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, update

from app.core.audit import record_audit
from app.core.lookups import get_or_404
from app.crm.activities.models import Activity
from app.crm.activities.services import record_event
from app.crm.changes import diff, snapshot
from app.crm.fields.services import validate_custom_values
from app.crm.leads.models import Lead, LeadSource, LeadStatus
from app.crm.leads.scoring import compute_score
from app.crm.leads.services.engagement import refresh_lead_engagement
from app.crm.search import build_search_text
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
MAX_VALUE = Decimal("999999999999.99")


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


def clean_input(data: dict, errors: Errors, lead: Lead | None) -> dict:
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


def create_lead(data: dict, *, actor) -> Lead:
    check_known_keys(data, FIELDS)
    errors = Errors()
    cleaned = clean_input(data, errors, None)
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
    cleaned = clean_input(data, errors, lead)
    errors.raise_if_any()
    before = snapshot(lead, CHANGE_READERS)
    _apply(lead, cleaned)
    refresh_lead_engagement(lead)
    db.session.flush()
    changes = diff(before, snapshot(lead, CHANGE_READERS))
    if changes:
        summary = "Updated " + ", ".join(field.removeprefix("custom_fields.").replace("_", " ") for field in changes)
        record_event("lead.updated", actor=actor, summary=summary, lead=lead, changes=changes)
        record_audit("lead.updated", actor=actor, target=lead, target_label=lead.name)
    return lead


def delete_lead(lead: Lead, *, actor) -> None:
    """The lead's activities that belong to nothing else go with it; the rest stay."""
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
