"""Bulk actions on contacts picked in the list: owner, tags, delete."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.audit import record_audit
from app.core.errors import ValidationFailed
from app.core.ids import parse_uuid
from app.crm.activities.services import record_event
from app.crm.contacts.models import Contact
from app.crm.contacts.services.records import delete_many
from app.crm.tags.models import Tag
from app.crm.validation import (
    Errors,
    resolve_tags,
    resolve_user,
)
from app.extensions import db

MAX_BULK = 1000


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
    return delete_many(_contacts_by_ids(ids), actor=actor)
