"""Create, change, delete and read records of any type, for an explicit actor.

Every write checks the actor's permission (`<type>.<action>`), the workspace's status and —
for counted types — the plan limit, validates with the type's one validator, emits its
domain event in the same transaction and only flushes: the caller commits.
"""

from sqlalchemy import delete, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app.auth.permissions import acting_user, check_permission, check_permission_if_acting
from app.core.audit import AuditEvent
from app.core.bulk_rows import writing_together
from app.core.errors import Conflict, ValidationFailed
from app.core.events import DomainEvent, emit
from app.core.extensions import db
from app.core.ids import parse_uuid, uuid7
from app.core.lookups import get_or_404
from app.core.types import utcnow
from app.plans.services import check_writable, take_room
from app.records.counts import adjust_record_count
from app.records.fields import AnyReference
from app.records.inserting import insert_new_records
from app.records.listing import list_records
from app.records.models import RecordEntry
from app.records.registry import record_types
from app.records.search import build_search_text
from app.records.validation import clean_input

MAX_BULK = 1000


def get_record(record_type, record_id, *, actor=None, detail: bool = False):
    """The record of this tenant with `record_id`, or 404 (another tenant's is missing too)."""
    check_permission_if_acting(actor, record_type.permission("view"))
    options = record_type.loader_options("detail") if detail else []
    return get_or_404(record_type.model, record_id, options=options)


def create_record(record_type, data: dict, *, actor):
    outcome = create_records(record_type, [data], actor=actor)[0]
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def create_records(record_type, rows: list[dict], *, actor) -> list:
    """Create a record from each of `rows`, in one flush: what an import's batch or a single
    create calls. Each row is checked by the type's one validator; the outcome, per row and in
    order, is the new record, or the ValidationFailed of a row that is refused, or the
    PlanLimitExceeded of a valid row past what the plan has room for."""
    check_permission(actor, record_type.permission("create"))
    check_writable()
    outcomes: list = []
    accepted: list[int] = []
    shared = {"batch": rows}
    for data in rows:
        try:
            outcomes.append(clean_input(record_type, data, actor=actor, shared=shared))
            accepted.append(len(outcomes) - 1)
        except ValidationFailed as exc:
            outcomes.append(exc)
    if record_type.meter and accepted:
        fitting, refusal = take_room(record_type.meter, len(accepted))
        for index in accepted[fitting:]:
            outcomes[index] = refusal
        accepted = accepted[:fitting]
    if not accepted:
        return outcomes
    user_id = getattr(acting_user(actor), "id", None)
    made = [(index, _new_record(record_type, user_id)) for index in accepted]
    if writing_together():
        _insert_together(record_type, [(record, *outcomes[index]) for index, record in made])
    else:
        for index, record in made:
            cleaned, context = outcomes[index]
            # Attached first, so that a flush while applying inserts the entry before the row
            # that points at it; titled after, so the entry is usually inserted once, never updated.
            record.index_entry = entry = RecordEntry(id=record.id, type=record_type.name)
            db.session.add(record)
            _apply(record_type, record, cleaned, context)
            entry.title = record_type.title_of(record)[:300]
        db.session.flush()
    adjust_record_count(record_type, len(made))
    for index, record in made:
        cleaned, context = outcomes[index]
        record_type.after_save(record, cleaned, context)
        emit_record_event(record_type, record, "created", actor=actor, summary=f"{record_type.label} created")
        outcomes[index] = record
    return outcomes


def update_record(record_type, record, data: dict, *, actor):
    """Change only the keys present in `data`; the event carries each field's old and new value."""
    check_permission(actor, record_type.permission("edit"))
    check_writable()
    check_unlocked(record_type, record, "edit")
    cleaned, context = clean_input(record_type, data, record=record, actor=actor)
    record_type.before_update(record, cleaned, context)
    old_title = record_type.title_of(record)
    before = {field.name: field.snapshot(record) for field in record_type.writable_fields if field.tracks_snapshot}
    # A lazy load while applying or comparing must not flush: that would clear the history
    # the changes are read from.
    with db.session.no_autoflush:
        _apply(record_type, record, cleaned, context)
        changes = track_changes(record_type, record, before)
    if changes:
        record.updated_at = utcnow()
    new_title = record_type.title_of(record)
    if new_title != old_title:
        db.session.execute(
            update(RecordEntry)
            .where(RecordEntry.id == record.id)
            .values(title=new_title[:300], updated_at=utcnow())
            # Loaded links to it (a meeting's "related to") read the new title when re-indexed.
            .execution_options(synchronize_session="fetch")
        )
    db.session.flush()
    record_type.after_save(record, cleaned, context)
    if new_title != old_title:
        reindex_referrers(record_type, record)
    if changes:
        summary = record_type.change_summary(changes)
        emit_record_event(record_type, record, "updated", actor=actor, summary=summary, changes=changes)
    return record


def delete_record(record_type, record, *, actor) -> None:
    delete_records(record_type, [record], actor=actor)


def delete_records(record_type, records: list, *, actor) -> int:
    """Delete records; links to them (tags, timeline, files) go with them, and references
    from other records (a contact's company, a lead's converted contact) are cleared."""
    if not records:
        return 0
    check_permission(actor, record_type.permission("delete"))
    check_writable()
    for record in records:
        check_unlocked(record_type, record, "delete")
    for record in records:
        summary = f"{record_type.label} {record_type.title_of(record)} deleted"
        emit_record_event(record_type, record, "deleted", actor=actor, summary=summary)
    record_type.before_delete(records, actor)
    for capability in record_type.capabilities:
        capability.before_delete(record_type, records, actor)
    ids = [record.id for record in records]
    _clear_references_to(record_type, ids)
    for record in records:
        db.session.delete(record)
    db.session.flush()
    db.session.execute(delete(RecordEntry).where(RecordEntry.id.in_(ids)).execution_options(synchronize_session=False))
    adjust_record_count(record_type, -len(records))
    return len(records)


def check_unlocked(record_type, record, action: str) -> None:
    """Refuse (409) to edit or delete a record its type has locked in its present state."""
    reason = record_type.locked(record, action)
    if reason:
        raise Conflict(reason, details={"state": [reason]})


def emit_record_event(record_type, record, verb: str, *, actor, summary: str, changes=None, data=None):
    """`<type>.<verb>` for one record: on its timeline (and its related records'), in the audit
    log, and owed to the after-commit consumers."""
    return emit(
        f"{record_type.name}.{verb}",
        actor=actor,
        record=record,
        record_type=record_type.name,
        summary=summary,
        changes=changes,
        data={"label": record_type.title_of(record), **(data or {})},
        related=record_type.related(record),
    )


def load_records(record_type, ids) -> list:
    """The records of this tenant among `ids` (at most MAX_BULK); others are silently not found."""
    wanted = [parsed for parsed in (parse_uuid(item) for item in list(ids or [])[:MAX_BULK]) if parsed]
    if not wanted:
        return []
    model = record_type.model
    return list(db.session.scalars(select(model).where(model.id.in_(wanted)).order_by(model.id)))


def run_bulk_action(record_type, key: str, ids, params: dict, *, actor) -> int:
    action = next((item for item in record_type.bulk_actions() if item.key == key), None)
    if action is None:
        raise ValidationFailed("Choose an action.", details={"action": ["Choose an action."]})
    check_permission(actor, record_type.permission(action.action))
    records = load_records(record_type, ids)
    return action.run(record_type, records, params, actor) if records else 0


# ---------------------------------------------------------------------------- internals


def _new_record(record_type, user_id):
    record = record_type.model(id=uuid7(), created_by_id=user_id)
    # A new record has no child rows: the collections its fields keep (a contact's phones)
    # start loaded and empty, so reading one after the flush (search text, duplicate rules)
    # sends no query. A field given values replaces its collection when applied.
    for field in record_type.writable_fields:
        collection = getattr(field, "collection", "")
        if collection:
            set_committed_value(record, collection, [])
    return record


def _insert_together(record_type, made: list) -> None:
    """A bulk job's new records (`made`: record, cleaned, context), inserted by Core
    (`app.records.inserting`) instead of flushed, or flushed when they hold what only the unit
    of work writes. They join the session while they are filled, as always, but nothing may
    flush them half-made: what the session held before goes first."""
    db.session.flush()
    with db.session.no_autoflush:
        for record, cleaned, context in made:
            db.session.add(record)
            _apply(record_type, record, cleaned, context)
    records = [record for record, _cleaned, _context in made]
    if not insert_new_records(record_type, records):
        for record in records:
            record.index_entry = RecordEntry(
                id=record.id, type=record_type.name, title=record_type.title_of(record)[:300]
            )
        db.session.flush()


def _apply(record_type, record, cleaned: dict, context) -> None:
    for field in record_type.writable_fields:
        if field.name in cleaned:
            field.apply(record, cleaned[field.name])
    for capability in record_type.capabilities:
        capability.apply(record_type, record, cleaned, context)
    record_type.before_save(record, cleaned, context)
    refresh_search_text(record_type, record)


def track_changes(record_type, record, before: dict | None = None) -> dict:
    """{field: {"old", "new"}} from SQLAlchemy's attribute history (call before the flush);
    `before` holds the snapshots of fields kept in child rows."""
    changes = {}
    for field in record_type.writable_fields:
        changed = field.track(record, (before or {}).get(field.name))
        if changed is not None:
            changes[field.name] = {"old": changed[0], "new": changed[1]}
    for capability in record_type.capabilities:
        for name, (old, new) in capability.track(record_type, record).items():
            changes[name] = {"old": old, "new": new}
    return changes


ERASED = "Erased"


def erase_history(record_ids) -> None:
    """A person's erasure reaches the history of the records that named them ("Meeting created:
    Intro call with Grace Hopper", "Call with Ada…"): those records' events and audit rows keep
    that something happened, not what it said."""
    db.session.execute(
        update(DomainEvent)
        .where(DomainEvent.record_id.in_(record_ids))
        .values(summary=ERASED, payload={})
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(AuditEvent)
        .where(AuditEvent.target_id.in_(record_ids))
        .values(target_label=ERASED, details={})
        .execution_options(synchronize_session=False)
    )


def refresh_search_text(record_type, record) -> None:
    record.search_text = build_search_text(*record_type.search_parts(record))


def reindex_referrers(record_type, record, batch: int = 500) -> None:
    """Records found by this record's title (contacts by their company's name, meetings by the
    record they are about) are re-indexed after a rename or an erasure, in batches."""
    for other in record_types():
        for field in other.fields:
            points_here = getattr(field, "to", None) == record_type.name
            if not field.search or not (
                points_here or (isinstance(field, AnyReference) and field.accepts(record_type.name))
            ):
                continue
            model, column = other.model, getattr(other.model, field.attribute)
            last_id = None
            while True:
                stmt = select(model).where(column == record.id).order_by(model.id).limit(batch)
                if last_id is not None:
                    stmt = stmt.where(model.id > last_id)
                stmt = stmt.options(*other.loader_options("search"))
                rows = list(db.session.scalars(stmt))
                if not rows:
                    break
                for row in rows:
                    refresh_search_text(other, row)
                db.session.flush()
                last_id = rows[-1].id


def _clear_references_to(record_type, ids: list) -> None:
    """Null every reference field, of any type, that points at the records being deleted."""
    for other in record_types():
        for field in other.fields:
            points_here = getattr(field, "to", None) == record_type.name
            if points_here or (isinstance(field, AnyReference) and field.accepts(record_type.name)):
                column = getattr(other.model, field.attribute)
                db.session.execute(
                    update(other.model)
                    .where(column.in_(ids))
                    .values({field.attribute: None})
                    .execution_options(synchronize_session="fetch")
                )


def record_services(record_type):
    """(get, load_for_page, create, update, delete, list) bound to one type, for the type's
    own `services.py` to name: `get_contact, …, list_contacts = record_services(CONTACTS)`."""

    def get(record_id):
        return get_record(record_type, record_id)

    def load_for_page(record_id):
        return get_record(record_type, record_id, detail=True)

    def create(data: dict, *, actor):
        return create_record(record_type, data, actor=actor)

    def update(record, data: dict, *, actor):
        return update_record(record_type, record, data, actor=actor)

    def remove(record, *, actor) -> None:
        delete_record(record_type, record, actor=actor)

    def listing(*, search=None, filters=None, sort=None, cursor=None, limit=None, actor=None):
        return list_records(
            record_type, actor=actor, search=search, filters=filters, sort=sort, cursor=cursor, limit=limit
        )

    return get, load_for_page, create, update, remove, listing
