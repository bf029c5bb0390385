"""Tags: create, rename, recolour, delete (links go with them), list with usage counts."""

import re

from sqlalchemy import func, or_, select

from app.auth.permissions import check_permission
from app.core.audit import record_audit
from app.core.extensions import db
from app.core.lookups import get_or_404
from app.core.request_cache import forget
from app.core.validation import Errors, check_known_keys, clean_text
from app.crm.tags.models import DEFAULT_TAG_COLOR, Tag, record_tags
from app.records.capabilities import ListRead
from app.records.loading import Read
from app.records.setting_services import add_audited, apply_changes

FIELDS = ("name", "color")
COLOR_PATTERN = re.compile(r"^#[0-9a-f]{6}$")
# A palette offered in the form; any #rrggbb is accepted.
PALETTE = ("#0d6efd", "#6610f2", "#d63384", "#dc3545", "#fd7e14", "#ffc107", "#198754", "#20c997", "#0dcaf0", "#6c757d")


def get_tag(tag_id) -> Tag:
    return get_or_404(Tag, tag_id)


# The tenant's tags, by name: read once per request (a list page reads them with its other
# list reads, see app.records.capabilities.ListRead).
TAGS_READ = ListRead("tags", Read(Tag, order_by=(Tag.name,)))


def list_tags() -> list[Tag]:
    return TAGS_READ.rows()


def _clean(data: dict, *, tag: Tag | None) -> dict:
    """The tag's name and colour from `data`, or ValidationFailed naming every problem at once."""
    check_known_keys(data, FIELDS)
    errors = Errors()
    cleaned = {}
    name = clean_text(data, "name", errors, max_length=60, required=tag is None or "name" in data, label="Name")
    if name:
        # SQLite's lower() folds ASCII only: also match the exact name, which the unique key holds.
        clash = db.session.scalar(select(Tag).where(or_(func.lower(Tag.name) == name.lower(), Tag.name == name)))
        if clash is not None and clash is not tag:
            errors.add("name", "A tag with this name already exists.")
        cleaned["name"] = name
    if "color" in data:
        color = (data["color"] or "").strip().lower() if isinstance(data["color"], str | None) else None
        if not COLOR_PATTERN.match(color or ""):
            errors.add("color", "Pick a colour such as #3b82f6.")
        else:
            cleaned["color"] = color
    errors.raise_if_any()
    return cleaned


# Who may add, rename and delete tags: the tags page's rule, here so that the API obeys it too.
MANAGE = "tags.manage"


def create_tag(data: dict, *, actor) -> Tag:
    check_permission(actor, MANAGE)
    cleaned = _clean(data, tag=None)
    tag = Tag(name=cleaned["name"], color=cleaned.get("color", DEFAULT_TAG_COLOR))
    add_audited(tag, "tag.created", actor=actor)
    forget(TAGS_READ.key)
    return tag


def update_tag(tag: Tag, data: dict, *, actor) -> Tag:
    check_permission(actor, MANAGE)
    cleaned = _clean(data, tag=tag)
    changes = apply_changes(tag, cleaned)
    db.session.flush()
    if changes:
        record_audit("tag.updated", actor=actor, target=tag, target_label=tag.name, details={"changes": changes})
        forget(TAGS_READ.key)  # the request's list of tags is sorted by name
    return tag


def delete_tag(tag: Tag, *, actor) -> None:
    """Remove the tag from every record, then the tag (link rows name the tenant explicitly)."""
    check_permission(actor, MANAGE)
    record_audit("tag.deleted", actor=actor, target=tag, target_label=tag.name)
    db.session.execute(
        record_tags.delete().where(record_tags.c.tenant_id == tag.tenant_id, record_tags.c.tag_id == tag.id)
    )
    db.session.delete(tag)
    db.session.flush()
    # Tag collections already loaded in this session still hold the tag; read them afresh.
    db.session.expire_all()
    forget(TAGS_READ.key)


# The audit log's words for the actions written here (app/wiring.py registers them).
AUDIT_LABELS = {
    "tag.created": "Tag created",
    "tag.updated": "Tag changed",
    "tag.deleted": "Tag deleted",
}
