"""Contacts through the kit's services, plus what only contacts have: upsert by email."""

from sqlalchemy import select

from app.core.errors import AppError, ValidationFailed
from app.core.extensions import db
from app.core.models import tenant_join
from app.core.validation import normalize_email_address
from app.crm.contacts.models import Contact, ContactEmail
from app.crm.contacts.record import CONTACTS
from app.records.services import record_services

MAX_UPSERT = 1000


# The kit's services, for contacts; load_contact_for_page eager-loads what the 360 page shows.
get_contact, load_contact_for_page, create_contact, update_contact, delete_contact, list_contacts = record_services(
    CONTACTS
)


def _normalized(email) -> str | None:
    try:
        return normalize_email_address(email).lower()
    except (ValueError, TypeError, AttributeError):
        return None


def _existing_by_email(emails: list[str]) -> dict:
    """{email: contact} for the addresses that already belong to a contact, in one query."""
    if not emails:
        return {}
    rows = db.session.execute(
        select(ContactEmail.email, Contact)
        .join(Contact, tenant_join(Contact.id, ContactEmail.contact_id))
        .where(ContactEmail.email.in_(emails))
    )
    return {row.email: row.Contact for row in rows}


def bulk_upsert_contacts(items: list[dict], *, actor) -> list[dict]:
    """Create or update one contact per item (`email` is the key); returns one result per item.

    Each item is all-or-nothing in its own savepoint: a refused item (invalid, or beyond the
    plan's contact limit) leaves no trace and does not stop the others. Every rule is the
    contact type's own, so an upserted contact is exactly one made or changed by hand.
    """
    if len(items) > MAX_UPSERT:
        raise ValidationFailed("Too many items.", details={"items": [f"Send at most {MAX_UPSERT} items per call."]})
    keys = [_normalized(item.get("email")) for item in items]
    known = _existing_by_email(sorted({key for key in keys if key}))
    results = []
    for index, (item, key) in enumerate(zip(items, keys, strict=True)):
        data = {name: value for name, value in item.items() if name != "email"}
        result = {"index": index, "email": key or str(item.get("email", "")), "id": None, "error": None}
        if key is None:
            result.update(
                status="error",
                error=_error("validation_error", "Invalid email.", {"email": ["Not a valid email address."]}),
            )
            results.append(result)
            continue
        try:
            with db.session.begin_nested():
                if key in known:
                    contact = update_contact(known[key], data, actor=actor)
                    result["status"] = "updated"
                else:
                    contact = create_contact({**data, "emails": [{"email": key, "primary": True}]}, actor=actor)
                    known[key] = contact
                    result["status"] = "created"
        except AppError as exc:
            result.update(status="error", error=_error(exc.code, exc.message, exc.details))
            # The savepoint rolled back; objects it touched must be read afresh.
            known = {email: contact for email, contact in known.items() if contact in db.session}
        else:
            result["id"] = contact.id
        results.append(result)
    return results


def _error(code: str, message: str, details: dict) -> dict:
    return {"code": code, "message": message, "details": details or {}}
