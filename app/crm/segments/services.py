"""Segments: create, change, delete, and resolve one to its records.

A segment resolves to ONE SQL statement (`segment_statement`): the type's rows where the
compiled definition holds. Lists page it with the kit's keyset listing; jobs (campaigns,
exports) walk it with `iterate_segment`, a keyset walk by id in batches, so a segment of a
million contacts is read in constant memory and each batch is one indexed query.
"""

from flask import abort
from sqlalchemy import false, or_, select

from app.auth.permissions import acting_user, can, check_permission
from app.core.audit import record_audit
from app.core.deletion_checks import DeletionChecks
from app.core.errors import PermissionDenied, ValidationFailed
from app.core.extensions import db
from app.core.lookups import get_or_404
from app.core.pagination import Page, keyset_page
from app.core.validation import Errors, clean_text, contains_nul
from app.crm.segments.models import Segment, Visibility
from app.records.conditions import check_definition, compile_definition
from app.records.listing import count_records, list_records
from app.records.registry import find_record_type, get_record_type

MAX_SEGMENTS = 500
BATCH_SIZE = 500


def segment_record_type(segment):
    return get_record_type(segment.record_type)


def visible_segments_condition(actor):
    """Shared segments, and the actor's own private ones."""
    user = acting_user(actor)
    return or_(Segment.visibility == Visibility.SHARED, Segment.created_by_id == getattr(user, "id", None))


def _visible_segments(actor, record_type: str | None):
    check_permission(actor, "segments.view")
    stmt = select(Segment).where(visible_segments_condition(actor))
    if record_type:
        stmt = stmt.where(Segment.record_type == record_type)
    return stmt


def list_segments(*, actor, record_type: str | None = None) -> list[Segment]:
    """All the segments the actor sees, by name (pickers: there are at most MAX_SEGMENTS)."""
    stmt = _visible_segments(actor, record_type).order_by(Segment.name, Segment.id)
    return list(db.session.scalars(stmt.limit(MAX_SEGMENTS)))


def segments_page(*, actor, record_type: str | None = None, cursor: str | None = None, limit: int) -> Page:
    """One keyset page of the segments the actor sees, by name, as every API list pages."""
    return keyset_page(
        db.session,
        _visible_segments(actor, record_type),
        sort_column=Segment.name,
        id_column=Segment.id,
        cursor=cursor,
        limit=limit,
    )


def get_segment(segment_id, *, actor=None) -> Segment:
    """The segment, or 404 — another tenant's, and another user's private one, alike."""
    segment = get_or_404(Segment, segment_id)
    if actor is not None:
        check_permission(actor, "segments.view")
        if not segment.is_shared and segment.created_by_id != getattr(acting_user(actor), "id", None):
            abort(404)
    return segment


def may_change(segment, actor) -> bool:
    """Its creator may change a segment; a shared one, managers too."""
    if not can(actor, "segments.edit"):
        return False
    if segment.created_by_id == getattr(acting_user(actor), "id", None):
        return True
    return segment.is_shared and can(actor, "segments.manage_shared")


def _check_may_change(segment, actor) -> None:
    if not may_change(segment, actor):
        raise PermissionDenied("Only its creator or a manager may change this segment.")


def _clean(data: dict, *, segment=None, actor) -> dict:
    if not isinstance(data, dict):
        raise ValidationFailed("Send an object.", details={"_schema": ["Send an object."]})
    if contains_nul(data):
        raise ValidationFailed(
            "Some fields contain invalid characters.", details={"name": ["Contains a NUL character."]}
        )
    unknown = sorted(set(data) - {"name", "description", "record_type", "visibility", "definition"})
    if unknown:
        raise ValidationFailed("Some fields cannot be set.", details={key: ["Unknown field."] for key in unknown})
    errors = Errors()
    cleaned: dict = {}
    if "name" in data or segment is None:
        cleaned["name"] = clean_text(data, "name", errors, max_length=120, required=True, label="Name")
    if "description" in data:
        cleaned["description"] = clean_text(data, "description", errors, max_length=300, label="Description")
    type_name = data.get("record_type", segment.record_type if segment else "contact")
    if segment is not None and "record_type" in data and type_name != segment.record_type:
        errors.add("record_type", "A segment keeps its record type; make a new segment instead.")
    record_type = find_record_type(type_name) if isinstance(type_name, str) else None
    if record_type is None:
        errors.add("record_type", "Choose a record type.")
    elif segment is None:
        cleaned["record_type"] = record_type.name
    if "visibility" in data or segment is None:
        visibility = data.get("visibility") or Visibility.SHARED
        if visibility not in Visibility.ALL:
            errors.add("visibility", "Choose shared or private.")
        cleaned["visibility"] = visibility
    errors.raise_if_any()
    if record_type is not None:
        check_permission(actor, record_type.permission("view"))
    if "definition" in data or segment is None:
        try:
            cleaned["definition"] = check_definition(record_type, data.get("definition"), actor=actor)
        except ValidationFailed as exc:
            # A rule's keys are named under the definition ("definition.rules.0.field"); a
            # definition that is no group at all is already named "definition".
            details = {
                key if key == "definition" else f"definition.{key}": messages for key, messages in exc.details.items()
            }
            raise ValidationFailed(exc.message, details=details) from exc
    return cleaned


def create_segment(data: dict, *, actor) -> Segment:
    check_permission(actor, "segments.create")
    cleaned = _clean(data, actor=actor)
    count = db.session.scalar(select(db.func.count(Segment.id)))
    if count >= MAX_SEGMENTS:
        raise ValidationFailed("Too many segments.", details={"name": [f"Keep at most {MAX_SEGMENTS} segments."]})
    segment = Segment(created_by_id=getattr(acting_user(actor), "id", None), **cleaned)
    db.session.add(segment)
    db.session.flush()
    _audit("segment.created", segment, actor)
    return segment


def update_segment(segment: Segment, data: dict, *, actor) -> Segment:
    _check_may_change(segment, actor)
    cleaned = _clean(data, segment=segment, actor=actor)
    for key, value in cleaned.items():
        setattr(segment, key, value)
    db.session.flush()
    _audit("segment.updated", segment, actor)
    return segment


# What keeps a segment from being deleted (a scheduled campaign that goes to it), registered
# by those packages.
SEGMENT_DELETION_CHECKS = DeletionChecks()
register_segment_deletion_check = SEGMENT_DELETION_CHECKS.register


def delete_segment(segment: Segment, *, actor) -> None:
    check_permission(actor, "segments.delete")
    _check_may_change(segment, actor)
    SEGMENT_DELETION_CHECKS.run(segment)
    _audit("segment.deleted", segment, actor)
    db.session.delete(segment)
    db.session.flush()


def _audit(action: str, segment: Segment, actor) -> None:
    record_audit(action, actor=actor, target=segment, target_label=segment.name)


# ---------------------------------------------------------------------------- resolving


def segment_condition(segment: Segment, *, actor=None):
    """The WHERE clause of the segment. "me" in an owner rule is the actor, or — for a job
    resolving it without one — the segment's creator."""
    record_type = segment_record_type(segment)
    return compile_definition(record_type, segment.definition or {}, actor=actor or segment.created_by)


def never():
    """A condition no record meets (a segment whose definition no longer compiles)."""

    return false()


def segment_statement(segment: Segment, *, actor=None):
    """SELECT of the segment's records (no order, no limit): the recipients of a campaign,
    the rows of an export."""
    record_type = segment_record_type(segment)
    return select(record_type.model).where(segment_condition(segment, actor=actor))


def iterate_segment(segment: Segment, *, batch_size: int = BATCH_SIZE, actor=None, options=()):
    """Yield the segment's records in batches of `batch_size`, in id order, each batch one
    keyset query (`id > last id`): constant memory however many match."""
    model = segment_record_type(segment).model
    base = segment_statement(segment, actor=actor).options(*options).order_by(model.id).limit(batch_size)
    last_id = None
    while True:
        stmt = base if last_id is None else base.where(model.id > last_id)
        batch = list(db.session.scalars(stmt))
        if not batch:
            return
        yield batch
        if len(batch) < batch_size:
            return
        last_id = batch[-1].id


def segment_page(segment: Segment, *, actor, **paging):
    """A keyset page of the segment's records; `paging` is list_records' own (sort, cursor,
    limit, purpose…), so the segment only adds its condition."""
    where = [segment_condition(segment, actor=actor)]
    return list_records(segment_record_type(segment), actor=actor, where=where, **paging)


def count_segment(segment: Segment, *, actor=None):
    """(count, capped) as lists count: at most the kit's cap."""
    record_type = segment_record_type(segment)
    return count_records(record_type, where=[segment_condition(segment, actor=actor)])


def preview_count(record_type_name: str, definition, *, actor):
    """The live count while a definition is being edited: (count, capped)."""
    record_type = find_record_type(record_type_name)
    if record_type is None:
        raise ValidationFailed("Choose a record type.", details={"record_type": ["Choose a record type."]})
    check_permission(actor, record_type.permission("view"))
    where = compile_definition(record_type, definition if definition not in (None, "") else {}, actor=actor)
    return count_records(record_type, where=[where])
