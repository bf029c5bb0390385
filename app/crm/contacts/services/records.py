"""Creating, changing and deleting contacts; every change lands on the timeline."""

from sqlalchemy import delete, func, select, update

from app.core.audit import record_audit
from app.core.lookups import get_or_404
from app.core.types import utcnow
from app.crm.activities.models import Activity
from app.crm.activities.services import record_event
from app.crm.changes import diff, snapshot
from app.crm.contacts.models import PREFERRED_CHANNELS, Consent, Contact, ContactEmail, ContactPhone
from app.crm.contacts.models import LifecycleStage as Stage
from app.crm.contacts.services.input import FIELDS, clean_input
from app.crm.leads.models import Lead
from app.crm.search import build_search_text
from app.crm.validation import (
    Errors,
    apply_address,
    check_known_keys,
)
from app.extensions import db
from app.plans.services import enforce, register_usage_counter


def count_contacts(tenant_id) -> int:
    return db.session.scalar(select(func.count()).select_from(Contact))


register_usage_counter("contacts", count_contacts)


def get_contact(contact_id) -> Contact:
    return get_or_404(Contact, contact_id)


def _apply(contact: Contact, cleaned: dict) -> None:
    for key in ("first_name", "last_name", "title", "company_role", "lifecycle_stage", "preferred_channel"):
        if key in cleaned:
            setattr(contact, key, cleaned[key])
    if "custom_fields" in cleaned:
        contact.custom_fields = dict(cleaned["custom_fields"])
    if "owner" in cleaned:
        contact.owner = cleaned["owner"]
    if "company" in cleaned:
        contact.company = cleaned["company"]
    if "tags" in cleaned:
        contact.tags = list(cleaned["tags"])
    apply_address(contact, cleaned.get("address"))
    if cleaned.get("emails") is not None:
        _apply_emails(contact, cleaned["emails"])
    if cleaned.get("phones") is not None:
        existing = {phone.number: phone for phone in contact.phones}
        contact.phones = [
            _reuse(existing.get(item["number"]), ContactPhone, number=item["number"], label=item["label"], position=i)
            for i, item in enumerate(cleaned["phones"])
        ]
    for channel, entry in (cleaned.get("consent") or {}).items():
        if (getattr(contact, f"{channel}_consent"), getattr(contact, f"{channel}_consent_source")) != (
            entry["status"],
            entry["source"],
        ):
            setattr(contact, f"{channel}_consent", entry["status"])
            setattr(contact, f"{channel}_consent_source", entry["source"])
            setattr(contact, f"{channel}_consent_at", utcnow() if entry["status"] != Consent.UNKNOWN else None)
    if "is_primary_contact" in cleaned or "company" in cleaned:
        contact.is_primary_contact = bool(cleaned.get("is_primary_contact", contact.is_primary_contact)) and (
            contact.company is not None
        )
    contact.full_name = " ".join(part for part in (contact.first_name, contact.last_name) if part)
    refresh_search_text(contact)


def _apply_emails(contact: Contact, emails: list[dict]) -> None:
    # Reuse rows for addresses that stay: a delete plus an insert of the same address
    # would meet the (tenant_id, email) unique constraint in the wrong order.
    existing = {email.email: email for email in contact.emails}
    contact.emails = [
        _reuse(existing.get(item["email"]), ContactEmail, email=item["email"], is_primary=item["primary"], position=i)
        for i, item in enumerate(emails)
    ]


def _reuse(row, model, **values):
    if row is None:
        return model(**values)
    for key, value in values.items():
        setattr(row, key, value)
    return row


def refresh_search_text(contact: Contact) -> None:
    contact.search_text = build_search_text(
        contact.full_name,
        *(email.email for email in contact.emails),
        *(phone.number for phone in contact.phones),
        contact.company.name if contact.company is not None else "",
    )


def _make_primary_alone(contact: Contact) -> None:
    """A company has one primary contact: the others of its company stop being it."""
    if contact.is_primary_contact and contact.company_id is not None:
        db.session.execute(
            update(Contact)
            .where(Contact.company_id == contact.company_id, Contact.id != contact.id, Contact.is_primary_contact)
            .values(is_primary_contact=False)
            .execution_options(synchronize_session="fetch")
        )


CHANGE_READERS = {
    "first_name": lambda c: c.first_name,
    "last_name": lambda c: c.last_name,
    "title": lambda c: c.title,
    "emails": lambda c: [e.email + (" (primary)" if e.is_primary else "") for e in c.emails],
    "phones": lambda c: [f"{p.number} ({p.label})" for p in c.phones],
    "company": lambda c: c.company.name if c.company is not None else None,
    "company_role": lambda c: c.company_role,
    "is_primary_contact": lambda c: c.is_primary_contact,
    "owner": lambda c: c.owner.display_name if c.owner is not None else None,
    "lifecycle_stage": lambda c: Stage.LABELS.get(c.lifecycle_stage, c.lifecycle_stage),
    "address": lambda c: ", ".join(c.address_lines),
    "tags": lambda c: [t.name for t in c.tags],
    "email_consent": lambda c: (
        f"{Consent.LABELS[c.email_consent]}" + (f" ({c.email_consent_source})" if c.email_consent_source else "")
    ),
    "sms_consent": lambda c: (
        f"{Consent.LABELS[c.sms_consent]}" + (f" ({c.sms_consent_source})" if c.sms_consent_source else "")
    ),
    "preferred_channel": lambda c: PREFERRED_CHANNELS.get(c.preferred_channel, c.preferred_channel),
}


def create_contact(data: dict, *, actor) -> Contact:
    check_known_keys(data, FIELDS)
    errors = Errors()
    cleaned = clean_input(data, errors, None)
    errors.raise_if_any()
    enforce("contacts")
    contact = Contact(created_by_id=actor.id, owner_id=None if "owner" in cleaned else actor.id)
    db.session.add(contact)
    _apply(contact, cleaned)
    db.session.flush()
    _make_primary_alone(contact)
    record_event("contact.created", actor=actor, summary="Contact created", contact=contact)
    record_audit("contact.created", actor=actor, target=contact, target_label=contact.display_name)
    return contact


def update_contact(contact: Contact, data: dict, *, actor) -> Contact:
    """Change only the keys present in `data`; the timeline gets each field's old and new value."""
    check_known_keys(data, FIELDS)
    errors = Errors()
    cleaned = clean_input(data, errors, contact)
    errors.raise_if_any()
    before = snapshot(contact, CHANGE_READERS)
    _apply(contact, cleaned)
    db.session.flush()
    _make_primary_alone(contact)
    changes = diff(before, snapshot(contact, CHANGE_READERS))
    if changes:
        record_event(
            "contact.updated",
            actor=actor,
            summary="Updated " + ", ".join(_field_label(field) for field in changes),
            contact=contact,
            changes=changes,
        )
        record_audit("contact.updated", actor=actor, target=contact, target_label=contact.display_name)
    return contact


def _field_label(field: str) -> str:
    return field.removeprefix("custom_fields.").replace("_", " ")


def delete_contact(contact: Contact, *, actor) -> None:
    delete_many([contact], actor=actor)


def delete_many(contacts: list[Contact], *, actor) -> int:
    """Delete contacts; their activities stay on the company or lead they also belong to."""
    if not contacts:
        return 0
    ids = [contact.id for contact in contacts]
    db.session.execute(
        delete(Activity)
        .where(Activity.contact_id.in_(ids), Activity.company_id.is_(None), Activity.lead_id.is_(None))
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Activity)
        .where(Activity.contact_id.in_(ids))
        .values(contact_id=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Lead)
        .where(Lead.converted_contact_id.in_(ids))
        .values(converted_contact_id=None)
        .execution_options(synchronize_session=False)
    )
    for contact in contacts:
        record_event(
            "contact.deleted",
            actor=actor,
            summary=f"Contact {contact.display_name} deleted",
            company=contact.company,
            label=contact.display_name,
        )
        record_audit("contact.deleted", actor=actor, target=contact, target_label=contact.display_name)
        db.session.delete(contact)
    db.session.flush()
    return len(contacts)
