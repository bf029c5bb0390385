"""Checking contact input: emails, phones, consent and every other field of `data`."""

from sqlalchemy import select

from app.crm.companies.models import Company
from app.crm.contacts.models import PHONE_LABELS, PREFERRED_CHANNELS, Consent, Contact, ContactEmail
from app.crm.contacts.models import LifecycleStage as Stage
from app.crm.fields.services import validate_custom_values
from app.crm.validation import (
    Errors,
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
MAX_EMAILS = 10
MAX_PHONES = 10


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


def clean_input(data: dict, errors: Errors, contact: Contact | None) -> dict:
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
