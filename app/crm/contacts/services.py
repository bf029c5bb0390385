"""Contacts: create, update (every change on the timeline), delete, list, bulk actions."""

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import selectinload

from app.core.audit import record_audit
from app.core.errors import ValidationFailed
from app.core.ids import parse_uuid
from app.core.lookups import get_or_404
from app.core.pagination import Page
from app.core.types import utcnow
from app.crm.activities.models import Activity
from app.crm.activities.services import record_event
from app.crm.changes import diff, snapshot
from app.crm.companies.models import Company
from app.crm.contacts.models import PHONE_LABELS, PREFERRED_CHANNELS, Consent, Contact, ContactEmail, ContactPhone
from app.crm.contacts.models import LifecycleStage as Stage
from app.crm.fields.services import list_field_definitions, validate_custom_values
from app.crm.leads.models import Lead
from app.crm.listing import (
    Sort,
    check_filter_keys,
    created_range_conditions,
    custom_field_conditions,
    resolve_sort,
    run_page,
)
from app.crm.search import build_search_text, search_condition
from app.crm.tags.models import Tag
from app.crm.validation import (
    Errors,
    apply_address,
    check_known_keys,
    clean_address,
    clean_choice,
    clean_email,
    clean_text,
    normalize_phone,
    resolve_record,
    resolve_tags,
    resolve_user,
)
from app.extensions import db
from app.plans.services import enforce, register_usage_counter

FIELDS = (
    "first_name",
    "last_name",
    "emails",
    "phones",
    "title",
    "company_id",
    "company_role",
    "is_primary_contact",
    "owner_id",
    "lifecycle_stage",
    "address",
    "tag_ids",
    "custom_fields",
    "consent",
    "preferred_channel",
)
SORTS = {
    "name": Sort(Contact.full_name, False, "Name A–Z"),
    "-name": Sort(Contact.full_name, True, "Name Z–A"),
    "-created_at": Sort(Contact.created_at, True, "Newest first"),
    "created_at": Sort(Contact.created_at, False, "Oldest first"),
    "-updated_at": Sort(Contact.updated_at, True, "Recently updated"),
    "updated_at": Sort(Contact.updated_at, False, "Least recently updated"),
}
DEFAULT_SORT = "name"
FILTERS = {
    "owner_id": "user id, or 'none' for unassigned",
    "tag_id": "tag id",
    "lifecycle_stage": "one of " + ", ".join(Stage.ALL),
    "company_id": "company id",
    "created_after": "YYYY-MM-DD, inclusive, in the workspace's time zone",
    "created_before": "YYYY-MM-DD, inclusive, in the workspace's time zone",
}
MAX_EMAILS = 10
MAX_PHONES = 10
MAX_BULK = 1000


def count_contacts(tenant_id) -> int:
    return db.session.scalar(select(func.count()).select_from(Contact))


register_usage_counter("contacts", count_contacts)


def get_contact(contact_id) -> Contact:
    return get_or_404(Contact, contact_id)


# ------------------------------------------------------------------------------ input


def _clean_emails(value, errors: Errors, contact: Contact | None) -> list[dict] | None:
    if not isinstance(value, list):
        errors.add("emails", "Send a list of email addresses.")
        return None
    if len(value) > MAX_EMAILS:
        errors.add("emails", f"Add at most {MAX_EMAILS} email addresses.")
        return None
    cleaned = []
    for item in value:
        item = {"email": item} if isinstance(item, str) else item
        if not isinstance(item, dict) or set(item) - {"email", "primary"}:
            errors.add("emails", "Each email is {email, primary}.")
            return None
        if not (item.get("email") or "").strip():
            continue
        address = clean_email(item["email"], "emails", errors)
        if address is None:
            continue
        if any(existing["email"] == address for existing in cleaned):
            errors.add("emails", f"{address} is listed twice.")
            continue
        cleaned.append({"email": address, "primary": bool(item.get("primary"))})
    primaries = sum(item["primary"] for item in cleaned)
    if primaries > 1:
        errors.add("emails", "Mark only one address as primary.")
    elif cleaned and primaries == 0:
        cleaned[0]["primary"] = True
    if cleaned:
        taken = (
            select(ContactEmail.email, Contact.full_name)
            .join(Contact, (Contact.tenant_id == ContactEmail.tenant_id) & (Contact.id == ContactEmail.contact_id))
            .where(ContactEmail.email.in_([item["email"] for item in cleaned]))
        )
        if contact is not None:
            taken = taken.where(ContactEmail.contact_id != contact.id)
        for address, owner_name in db.session.execute(taken):
            errors.add("emails", f"{address} already belongs to {owner_name or 'another contact'}.")
    return cleaned


def _clean_phones(value, errors: Errors) -> list[dict] | None:
    if not isinstance(value, list):
        errors.add("phones", "Send a list of phone numbers.")
        return None
    if len(value) > MAX_PHONES:
        errors.add("phones", f"Add at most {MAX_PHONES} phone numbers.")
        return None
    cleaned = []
    for item in value:
        item = {"number": item} if isinstance(item, str) else item
        if not isinstance(item, dict) or set(item) - {"number", "label"}:
            errors.add("phones", "Each phone is {number, label}.")
            return None
        if not (item.get("number") or "").strip():
            continue
        number = normalize_phone(item["number"], "phones", errors)
        label = item.get("label") or "mobile"
        if label not in PHONE_LABELS:
            errors.add("phones", "Label a phone mobile, work, home or other.")
            continue
        if number and all(existing["number"] != number for existing in cleaned):
            cleaned.append({"number": number, "label": label})
    return cleaned


def _clean_consent(value, errors: Errors) -> dict | None:
    if not isinstance(value, dict) or set(value) - set(Consent.CHANNELS):
        errors.add("consent", "Send consent as {email: {...}, sms: {...}}.")
        return None
    cleaned = {}
    for channel, entry in value.items():
        key = f"consent.{channel}"
        if not isinstance(entry, dict) or set(entry) - {"status", "source"}:
            errors.add(key, "Send {status, source}.")
            continue
        status = entry.get("status", Consent.UNKNOWN)
        source = entry.get("source") or ""
        if status not in Consent.ALL:
            errors.add(key, "Status is granted, withdrawn or unknown.")
        elif status != Consent.UNKNOWN and source not in Consent.SOURCES:
            errors.add(key, "Say where the consent came from.")
        elif source and source not in Consent.SOURCES:
            errors.add(key, "Choose a listed source.")
        else:
            cleaned[channel] = {"status": status, "source": source if status != Consent.UNKNOWN else ""}
    return cleaned


def _clean(data: dict, errors: Errors, contact: Contact | None) -> dict:
    cleaned: dict = {}
    for key, limit in (("first_name", 100), ("last_name", 100), ("title", 120), ("company_role", 80)):
        value = clean_text(data, key, errors, max_length=limit)
        if value is not None:
            cleaned[key] = value
    if "emails" in data:
        cleaned["emails"] = _clean_emails(data["emails"] or [], errors, contact)
    if "phones" in data:
        cleaned["phones"] = _clean_phones(data["phones"] or [], errors)
    if "company_id" in data:
        cleaned["company"] = resolve_record(Company, data["company_id"], "company_id", errors, label="company")
    if "is_primary_contact" in data:
        cleaned["is_primary_contact"] = bool(data["is_primary_contact"])
    if "owner_id" in data:
        cleaned["owner"] = resolve_user(data["owner_id"], "owner_id", errors)
    stage = clean_choice(data, "lifecycle_stage", Stage.LABELS, errors, label="lifecycle stage")
    if stage:
        cleaned["lifecycle_stage"] = stage
    elif "lifecycle_stage" in data and not errors.details.get("lifecycle_stage"):
        errors.add("lifecycle_stage", "Choose a lifecycle stage.")
    channel = clean_choice(data, "preferred_channel", PREFERRED_CHANNELS, errors, label="channel")
    if channel is not None:
        cleaned["preferred_channel"] = channel
    address = clean_address(data, errors)
    if address is not None:
        cleaned["address"] = address
    if "tag_ids" in data:
        cleaned["tags"] = resolve_tags(data["tag_ids"], errors)
    if "custom_fields" in data:
        current = contact.custom_fields if contact is not None else None
        cleaned["custom_fields"] = validate_custom_values(
            "contact", data["custom_fields"], current=current, errors=errors
        )
    elif contact is None:
        cleaned["custom_fields"] = validate_custom_values("contact", {}, errors=errors)
    if "consent" in data:
        cleaned["consent"] = _clean_consent(data["consent"] or {}, errors)
    first = cleaned.get("first_name", contact.first_name if contact else "")
    last = cleaned.get("last_name", contact.last_name if contact else "")
    emails = cleaned.get("emails", contact.emails if contact else [])
    if not (first or last or emails) and "first_name" not in errors.details:
        errors.add("first_name", "Give at least a name or an email address.")
    return cleaned


# ------------------------------------------------------------------------------ writing


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


def contact_snapshot(contact: Contact) -> dict:
    values = snapshot(contact, CHANGE_READERS)
    for key, value in (contact.custom_fields or {}).items():
        values[f"custom_fields.{key}"] = value
    return values


def create_contact(data: dict, *, actor) -> Contact:
    check_known_keys(data, FIELDS)
    errors = Errors()
    cleaned = _clean(data, errors, None)
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
    cleaned = _clean(data, errors, contact)
    errors.raise_if_any()
    before = contact_snapshot(contact)
    _apply(contact, cleaned)
    db.session.flush()
    _make_primary_alone(contact)
    changes = diff(before, contact_snapshot(contact))
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
    _delete_contacts([contact], actor=actor)


def _delete_contacts(contacts: list[Contact], *, actor) -> int:
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


# ------------------------------------------------------------------------------ reading


def list_contacts(
    *, search: str | None = None, filters: dict | None = None, sort: str | None = None, cursor=None, limit=25
) -> Page:
    """A keyset page of contacts; filters are FILTERS keys plus `cf.<key>` custom fields."""
    filters = dict(filters or {})
    check_filter_keys(filters, FILTERS)
    stmt = select(Contact).options(
        selectinload(Contact.emails),
        selectinload(Contact.phones),
        selectinload(Contact.tags),
        selectinload(Contact.owner),
        selectinload(Contact.company),
    )
    errors = Errors()
    stmt = stmt.where(*_filter_conditions(filters, errors))
    errors.raise_if_any("Check the filters.")
    condition = search_condition(Contact.search_text, search)
    if condition is not None:
        stmt = stmt.where(condition)
    return run_page(stmt, Contact, resolve_sort(SORTS, sort, DEFAULT_SORT), cursor, limit)


def _filter_conditions(filters: dict, errors: Errors) -> list:
    from app.crm.tags.models import contact_tags

    conditions = []
    owner = filters.get("owner_id")
    if owner == "none":
        conditions.append(Contact.owner_id.is_(None))
    elif owner:
        conditions.append(Contact.owner_id == _uuid_filter(owner, "owner_id", errors))
    if filters.get("company_id"):
        conditions.append(Contact.company_id == _uuid_filter(filters["company_id"], "company_id", errors))
    if filters.get("tag_id"):
        tag_id = _uuid_filter(filters["tag_id"], "tag_id", errors)
        tagged = select(contact_tags.c.contact_id).where(
            contact_tags.c.tenant_id == Contact.tenant_id, contact_tags.c.tag_id == tag_id
        )
        conditions.append(Contact.id.in_(tagged))
    if filters.get("lifecycle_stage"):
        if filters["lifecycle_stage"] not in Stage.ALL:
            errors.add("lifecycle_stage", "Choose a lifecycle stage.")
        conditions.append(Contact.lifecycle_stage == filters["lifecycle_stage"])
    conditions.extend(created_range_conditions(Contact, filters, errors))
    definitions = {item.key: item for item in list_field_definitions("contact")} if _has_custom(filters) else {}
    conditions.extend(custom_field_conditions(Contact, filters, definitions, errors))
    return conditions


def _has_custom(filters: dict) -> bool:
    return any(key.startswith("cf.") for key in filters)


def _uuid_filter(value, key: str, errors: Errors):
    parsed = parse_uuid(value)
    if parsed is None:
        errors.add(key, "Not a valid id.")
    return parsed


def source_leads(contact: Contact) -> list[Lead]:
    """The leads this contact was converted from."""
    return list(
        db.session.scalars(select(Lead).where(Lead.converted_contact_id == contact.id).order_by(Lead.created_at))
    )


def load_contact_for_page(contact_id) -> Contact:
    """The contact with everything its page shows, in a fixed number of queries."""
    return get_or_404(
        Contact,
        contact_id,
        options=[
            selectinload(Contact.emails),
            selectinload(Contact.phones),
            selectinload(Contact.tags),
            selectinload(Contact.owner),
            selectinload(Contact.company),
        ],
    )


# ------------------------------------------------------------------------------ bulk


def _contacts_by_ids(ids) -> list[Contact]:
    if not isinstance(ids, list | tuple) or not ids:
        raise ValidationFailed("Choose at least one contact.", details={"ids": ["Choose at least one contact."]})
    if len(ids) > MAX_BULK:
        raise ValidationFailed("Too many contacts.", details={"ids": [f"Act on at most {MAX_BULK} at a time."]})
    parsed = [parse_uuid(item) for item in ids]
    if any(item is None for item in parsed):
        raise ValidationFailed("Unknown contact.", details={"ids": ["Not a valid id."]})
    return list(
        db.session.scalars(
            select(Contact)
            .where(Contact.id.in_(parsed))
            .options(selectinload(Contact.tags), selectinload(Contact.owner), selectinload(Contact.company))
        )
    )


def _bulk_tag(tag_id) -> Tag:
    errors = Errors()
    tags = resolve_tags([tag_id] if tag_id else [], errors, key="tag_id")
    if not tags:
        errors.add("tag_id", "Choose a tag.")
    errors.raise_if_any()
    return tags[0]


def bulk_assign_owner(ids, owner_id, *, actor) -> int:
    """Give the contacts a new owner (None to unassign); returns how many changed."""
    errors = Errors()
    owner = resolve_user(owner_id, "owner_id", errors)
    errors.raise_if_any()
    changed = 0
    for contact in _contacts_by_ids(ids):
        if contact.owner_id == getattr(owner, "id", None):
            continue
        old = contact.owner.display_name if contact.owner else None
        contact.owner = owner
        changed += 1
        new = owner.display_name if owner else None
        record_event(
            "contact.updated",
            actor=actor,
            summary="Updated owner",
            contact=contact,
            changes={"owner": {"old": old, "new": new}},
        )
    db.session.flush()
    record_audit("contact.bulk_owner", actor=actor, details={"count": changed, "owner_id": str(owner_id or "")})
    return changed


def bulk_add_tag(ids, tag_id, *, actor) -> int:
    tag = _bulk_tag(tag_id)
    changed = 0
    for contact in _contacts_by_ids(ids):
        if tag in contact.tags:
            continue
        old = [t.name for t in contact.tags]
        contact.tags.append(tag)
        changed += 1
        record_event(
            "contact.updated",
            actor=actor,
            summary="Updated tags",
            contact=contact,
            changes={"tags": {"old": old, "new": sorted([*old, tag.name])}},
        )
    db.session.flush()
    record_audit("contact.bulk_tag_added", actor=actor, details={"count": changed, "tag": tag.name})
    return changed


def bulk_remove_tag(ids, tag_id, *, actor) -> int:
    tag = _bulk_tag(tag_id)
    changed = 0
    for contact in _contacts_by_ids(ids):
        if tag not in contact.tags:
            continue
        old = [t.name for t in contact.tags]
        contact.tags.remove(tag)
        changed += 1
        record_event(
            "contact.updated",
            actor=actor,
            summary="Updated tags",
            contact=contact,
            changes={"tags": {"old": old, "new": [name for name in old if name != tag.name]}},
        )
    db.session.flush()
    record_audit("contact.bulk_tag_removed", actor=actor, details={"count": changed, "tag": tag.name})
    return changed


def bulk_delete(ids, *, actor) -> int:
    return _delete_contacts(_contacts_by_ids(ids), actor=actor)
