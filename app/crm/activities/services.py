"""Log, edit and delete activities on any record; system events; read a record's timeline.

An activity is logged on one record and linked to the records related to it (a call with a
contact also shows on the contact's company; a deal's on its contacts and company), so each
timeline is one indexed walk over `activity_links`.
"""

from datetime import datetime

from sqlalchemy import and_, delete, exists, select, update
from sqlalchemy.orm import aliased, selectinload

from app.auth.permissions import acting_user, check_permission
from app.core.bulk_rows import add_row, add_rows, make_row, writing_together
from app.core.context import require_tenant_id
from app.core.errors import Conflict, ValidationFailed
from app.core.events import emit
from app.core.extensions import db
from app.core.ids import parse_uuid, uuid7
from app.core.lookups import get_or_404
from app.core.pagination import Page, Sort, keyset_page, resolve_sort
from app.core.types import json_safe, utcnow
from app.core.validation import Errors, check_known_keys, clean_choice, clean_text
from app.crm.activities.models import (
    CALL_OUTCOMES,
    MEETING_OUTCOMES,
    Activity,
    ActivityType,
    Direction,
    activity_links,
)
from app.crm.activities.models import search_text as activity_search_text
from app.records.models import RecordEntry
from app.records.normalize import OUTSIDE_CALENDAR, has_utc_time
from app.records.registry import find_record_type, record_types_with
from app.records.search import (
    search_condition,
    search_terms,
    search_window,
    searches_through_platform,
    terms_condition,
)

COMMON_FIELDS = ("subject", "body", "direction", "outcome", "duration_seconds", "occurred_at")
SORTS = {
    "-occurred_at": Sort("-occurred_at", activity_links.c.occurred_at, True, "Newest first"),
    "occurred_at": Sort("occurred_at", activity_links.c.occurred_at, False, "Oldest first"),
}
ALL_SORTS = {
    "-occurred_at": Sort("-occurred_at", Activity.occurred_at, True, "Newest first"),
    "occurred_at": Sort("occurred_at", Activity.occurred_at, False, "Oldest first"),
}
FILTERS = {"type": "activity type (repeatable)", "q": "text in subject or body"}
OUTCOMES = {ActivityType.CALL: CALL_OUTCOMES, ActivityType.MEETING: MEETING_OUTCOMES}
MAX_DURATION_SECONDS = 24 * 60 * 60


def timeline_types() -> list:
    """Record types whose pages have a timeline."""
    return record_types_with("timeline")


def subject_keys() -> tuple[str, ...]:
    """The input keys naming the record an activity is about: record_id, contact_id, …"""
    return ("record_id", *(f"{item.name}_id" for item in timeline_types()))


def get_activity(activity_id) -> Activity:
    return get_or_404(Activity, activity_id)


# ---------------------------------------------------------------------------- links


PENDING_LINKS = "activities.pending_links"


def _link(activity: Activity, record_ids) -> None:
    rows = _link_rows(activity, record_ids)
    if rows:
        db.session.execute(activity_links.insert(), rows)


def _link_when_written(activity: Activity, record_ids) -> None:
    """Link a pending activity once it is written: after the flush that writes it
    (`write_pending_links`), or after it in a block of rows written together. A batch of events
    is then one insert of activities and one of links, not a flush each."""
    rows = _link_rows(activity, record_ids)
    if writing_together():
        add_rows(activity_links, rows)
    else:
        db.session.info.setdefault(PENDING_LINKS, []).extend(rows)


def write_pending_links(session, _flush_context) -> None:
    """after_flush: the links of the activities this flush wrote."""
    rows = session.info.pop(PENDING_LINKS, None)
    if rows:
        session.connection().execute(activity_links.insert(), rows)


def forget_pending_links(session, _previous_transaction=None) -> None:
    """after_soft_rollback: activities not written are gone, and so are their links."""
    session.info.pop(PENDING_LINKS, None)


def _link_rows(activity: Activity, record_ids) -> list[dict]:
    seen = set()
    tenant_id = require_tenant_id()
    rows = []
    for record_id in record_ids:
        if record_id is None or record_id in seen:
            continue
        seen.add(record_id)
        rows.append(
            {
                "tenant_id": tenant_id,
                "activity_id": activity.id,
                "record_id": record_id,
                "occurred_at": activity.occurred_at,
            }
        )
    return rows


def _timeline_ids(record, record_type) -> list:
    """The record and the related records that also keep a timeline."""
    ids = [record.id]
    for kind, related_id in record_type.related(record):
        other = find_record_type(kind)
        if other is not None and other.has("timeline"):
            ids.append(parse_uuid(related_id))
    return ids


def link_to_timelines(activity: Activity, subjects) -> None:
    """Put an activity, logged here or written by another package (a sent message), on the
    timelines of `subjects` — [(record type, record)] — and of the records related to them."""
    linked = []
    for record_type, record in subjects:
        linked.extend(_timeline_ids(record, record_type))
    _link(activity, linked)
    _notify_records(activity)


def links_of(activity_ids) -> dict:
    """{activity id: [(type, record id), …]} for a page of activities, in one query."""
    activity_ids = list(activity_ids)
    if not activity_ids:
        return {}
    rows = db.session.execute(
        select(activity_links.c.activity_id, RecordEntry.type, RecordEntry.id)
        .join(
            RecordEntry,
            and_(RecordEntry.tenant_id == activity_links.c.tenant_id, RecordEntry.id == activity_links.c.record_id),
        )
        .where(activity_links.c.tenant_id == require_tenant_id(), activity_links.c.activity_id.in_(activity_ids))
        .order_by(activity_links.c.activity_id)
    )
    result: dict = {}
    for activity_id, kind, record_id in rows:
        result.setdefault(activity_id, []).append((kind, record_id))
    return result


# ---------------------------------------------------------------------------- system events


def record_system_event(event, record) -> None:
    """In-transaction subscriber: a record's domain event becomes a system entry on its timeline."""
    record_type = find_record_type(event.record_type)
    if record_type is None or not record_type.has("timeline"):
        return
    changes, summary = event.changes, event.summary
    if event.name == f"{record_type.name}.updated":
        # The event keeps every change (a workflow may wait for any field); the entry leaves
        # out what the type's own events of the same edit tell (a deal's stage move).
        changes = record_type.timeline_changes(record, changes)
        if not changes:
            return
        summary = record_type.change_summary(changes)
    details = {"action": event.name, **event.data}
    if event.actor_id is None and event.actor_label:
        details["by"] = event.actor_label  # no user: a workflow, a web form
    if changes:
        details["changes"] = changes
        details["change_labels"] = {name: record_type.change_label(name) for name in changes}
    activity = make_row(
        Activity,
        id=uuid7(),
        type=ActivityType.SYSTEM,
        subject=summary[:200],
        user_id=event.actor_id,
        record_id=event.record_id,
        occurred_at=event.occurred_at,
        details=details,
    )
    add_row(activity)
    related_ids = []
    for kind, related_id in event.related:
        other = find_record_type(kind)
        if other is not None and other.has("timeline"):
            related_ids.append(related_id)
    _link_when_written(activity, [event.record_id, *related_ids])


# ---------------------------------------------------------------------------- logging


def _clean_occurred_at(value, errors: Errors) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            errors.add("occurred_at", "Use a date and time like 2026-01-31T14:30:00Z.")
            return None
    if moment.tzinfo is None:
        errors.add("occurred_at", "Include a time zone offset.")
        return None
    if not has_utc_time(moment):
        errors.add("occurred_at", OUTSIDE_CALENDAR)
        return None
    return moment


# "A meeting's outcome is …": the form lists calls' and meetings' outcomes together.
A_TYPE = {
    ActivityType.CALL: "A call",
    ActivityType.EMAIL: "An email",
    ActivityType.SMS: "An SMS",
    ActivityType.MEETING: "A meeting",
    ActivityType.NOTE: "A note",
    ActivityType.TASK: "A task",
}


def _outcome_refusal(activity_type) -> str:
    allowed = list(OUTCOMES.get(activity_type, {}).values())
    if activity_type not in A_TYPE:
        return "Choose a listed outcome."
    if not allowed:
        return f"{A_TYPE[activity_type]} has no outcome: leave it at —."
    return f"{A_TYPE[activity_type]}'s outcome is {', '.join(allowed[:-1])} or {allowed[-1]}."


def _clean_common(data: dict, activity_type: str, errors: Errors) -> dict:
    cleaned = {}
    for key, limit in (("subject", 200), ("body", 20_000)):
        value = clean_text(data, key, errors, max_length=limit)
        if value is not None:
            cleaned[key] = value
    direction = clean_choice(data, "direction", Direction.LABELS, errors, label="direction")
    if direction is not None:
        cleaned["direction"] = direction
    if "outcome" in data:
        outcome = data["outcome"] or ""
        if outcome and outcome not in OUTCOMES.get(activity_type, {}):
            errors.add("outcome", _outcome_refusal(activity_type))
        else:
            cleaned["outcome"] = outcome
    if "duration_seconds" in data:
        duration = data["duration_seconds"]
        if duration in (None, ""):
            cleaned["duration_seconds"] = None
        elif isinstance(duration, bool) or not isinstance(duration, int) or not 0 <= duration <= MAX_DURATION_SECONDS:
            errors.add("duration_seconds", "Give a duration between 0 and 24 hours.")
        else:
            cleaned["duration_seconds"] = duration
    if "occurred_at" in data and data["occurred_at"] not in (None, ""):
        moment = _clean_occurred_at(data["occurred_at"], errors)
        if moment is not None:
            cleaned["occurred_at"] = moment
    return cleaned


def _resolve_subjects(data: dict, errors: Errors) -> list:
    """[(record type, record)] named by record_id and the `<type>_id` keys, subject first."""
    subjects = []
    for key in subject_keys():
        value = data.get(key)
        if value in (None, ""):
            continue
        record_id = parse_uuid(value)
        entry = db.session.get(RecordEntry, (require_tenant_id(), record_id)) if record_id else None
        kind = entry.type if entry is not None else None
        expected = None if key == "record_id" else key.removesuffix("_id")
        record_type = find_record_type(kind)
        if entry is None or (expected and kind != expected) or record_type is None or not record_type.has("timeline"):
            errors.add(key, f"Choose an existing {expected or 'record'}.")
            continue
        record = db.session.get(record_type.model, (require_tenant_id(), record_id))
        if record is not None and all(existing.id != record.id for _, existing in subjects):
            subjects.append((record_type, record))
    if not subjects and not any(key in errors.details for key in subject_keys()):
        errors.add("record_id", "Say which record this is about.")
    return subjects


def log_activity(data: dict, *, actor) -> Activity:
    """Log a call, email, SMS, meeting, note or task on a record (and those related to it)."""
    check_permission(actor, "activities.create")
    check_known_keys(data, ("type", *COMMON_FIELDS, *subject_keys()))
    errors = Errors()
    activity_type = data.get("type")
    if activity_type not in ActivityType.LOGGABLE:
        errors.add("type", "Choose call, email, SMS, meeting, note or task.")
    cleaned = _clean_common(data, activity_type, errors)
    subjects = _resolve_subjects(data, errors)
    if activity_type == ActivityType.NOTE and not cleaned.get("body"):
        errors.add("body", "Write the note.")
    elif activity_type in (ActivityType.EMAIL, ActivityType.SMS, ActivityType.TASK) and not (
        cleaned.get("subject") or cleaned.get("body")
    ):
        errors.add("subject", "Add a subject or some text.")
    errors.raise_if_any()
    record_type, record = subjects[0]
    for other_type, _other in subjects:
        check_permission(actor, other_type.permission("view"))
    activity = Activity(
        id=uuid7(),
        type=activity_type,
        subject=cleaned.get("subject") or _default_subject(activity_type, record_type, record),
        body=cleaned.get("body", ""),
        # Notes and tasks are not exchanges with anyone: they have no direction.
        direction="" if activity_type in (ActivityType.NOTE, ActivityType.TASK) else cleaned.get("direction", ""),
        outcome=cleaned.get("outcome", ""),
        duration_seconds=cleaned.get("duration_seconds"),
        occurred_at=cleaned.get("occurred_at") or utcnow(),
        user_id=getattr(acting_user(actor), "id", None),
        record_id=record.id,
    )
    db.session.add(activity)
    db.session.flush()
    link_to_timelines(activity, subjects)
    emit(
        "activity.logged",
        actor=actor,
        record=activity,
        record_type="activity",
        summary=activity.subject,
        data={"label": activity.subject, "type": activity.type, "record_id": str(record.id)},
    )
    return activity


def _default_subject(activity_type: str, record_type, record) -> str:
    """On a person's record, "Call with Ava Novak"; on a deal, a quote or a company, which one
    does not talk with, "Meeting about Annual report"."""
    label = ActivityType.LABELS.get(activity_type, "Activity")
    name = record_type.title_of(record)
    if not name:
        return label
    return f"{label} {'with' if record_type.about_a_person else 'about'} {name}"


def _check_editable(activity: Activity) -> None:
    if activity.is_system:
        raise Conflict("System events are a permanent record and cannot be changed.")


def update_activity(activity: Activity, data: dict, *, actor) -> Activity:
    check_permission(actor, "activities.edit")
    _check_editable(activity)
    check_known_keys(data, COMMON_FIELDS)
    errors = Errors()
    cleaned = _clean_common(data, activity.type, errors)
    if activity.type == ActivityType.NOTE and "body" in cleaned and not cleaned["body"]:
        errors.add("body", "Write the note.")
    errors.raise_if_any()
    changes = {}
    for key, value in cleaned.items():
        if getattr(activity, key) != value:
            changes[key] = {"old": json_safe(getattr(activity, key)), "new": json_safe(value)}
            setattr(activity, key, value)
    db.session.flush()
    if "occurred_at" in changes:
        db.session.execute(
            update(activity_links)
            .where(activity_links.c.tenant_id == activity.tenant_id, activity_links.c.activity_id == activity.id)
            .values(occurred_at=activity.occurred_at)
        )
    _notify_records(activity)
    if changes:
        emit(
            "activity.updated",
            actor=actor,
            record=activity,
            record_type="activity",
            summary=activity.subject,
            changes=changes,
            data={"label": activity.subject},
        )
    return activity


def delete_activity(activity: Activity, *, actor) -> None:
    check_permission(actor, "activities.delete")
    _check_editable(activity)
    linked = linked_records(activity)
    emit(
        "activity.deleted",
        actor=actor,
        record=activity,
        record_type="activity",
        summary=activity.subject,
        data={"label": activity.subject},
    )
    db.session.delete(activity)
    db.session.flush()
    for record_type, record in linked:
        record_type.on_activity(record, None)


def linked_records(activity: Activity) -> list:
    """[(record type, record)] of every record whose timeline shows the activity."""
    result = []
    for kind, record_id in links_of([activity.id]).get(activity.id, []):
        record_type = find_record_type(kind)
        if record_type is None:
            continue
        record = db.session.get(record_type.model, (require_tenant_id(), record_id))
        if record is not None:
            result.append((record_type, record))
    return result


def _notify_records(activity: Activity) -> None:
    for record_type, record in linked_records(activity):
        record_type.on_activity(record, activity)


def delete_orphaned_activities(record_ids: list) -> None:
    """Before records go: their activities that no other record shows go with them; the
    others stay on the remaining timelines, no longer naming a deleted record."""
    tenant_id = require_tenant_id()
    other = aliased(activity_links)
    kept_elsewhere = exists().where(
        other.c.tenant_id == tenant_id,
        other.c.activity_id == Activity.id,
        other.c.record_id.not_in(record_ids),
    )
    linked = select(activity_links.c.activity_id).where(
        activity_links.c.tenant_id == tenant_id, activity_links.c.record_id.in_(record_ids)
    )
    db.session.execute(
        delete(Activity)
        .where(Activity.tenant_id == tenant_id, Activity.id.in_(linked), ~kept_elsewhere)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Activity)
        .where(Activity.tenant_id == tenant_id, Activity.record_id.in_(record_ids))
        .values(record_id=None)
        .execution_options(synchronize_session=False)
    )


# ---------------------------------------------------------------------------- reading


def check_types(types) -> list[str] | None:
    if not types:
        return None
    types = [types] if isinstance(types, str) else list(types)
    unknown = [item for item in types if item not in ActivityType.ALL]
    if unknown:
        raise ValidationFailed("Unknown activity type.", details={"type": [f"Use: {', '.join(ActivityType.ALL)}."]})
    return types


def list_activities(
    *, subject=None, types=None, search: str | None = None, sort: str | None = None, cursor=None, limit=25
) -> Page:
    """A page of activities, newest first; `subject` limits it to one record's timeline."""
    types = check_types(types)
    limit = limit or 25
    if subject is None:
        stmt = select(Activity).options(selectinload(Activity.user))
        chosen = resolve_sort(ALL_SORTS, sort, "-occurred_at")
        id_column = Activity.id
    else:
        stmt = (
            select(Activity)
            .join(
                activity_links,
                and_(activity_links.c.tenant_id == Activity.tenant_id, activity_links.c.activity_id == Activity.id),
            )
            .where(activity_links.c.tenant_id == require_tenant_id(), activity_links.c.record_id == subject.id)
            .options(selectinload(Activity.user))
        )
        chosen = resolve_sort(SORTS, sort, "-occurred_at")
        id_column = activity_links.c.activity_id
    if types:
        stmt = stmt.where(Activity.type.in_(types))
    terms = search_terms(search)
    if terms and subject is None and not types and searches_through_platform():
        # The next page's matches in the list's order: a common word is found among the newest
        # rows at once, where gathering its every match through the index took 200 ms at 1M.
        window = search_window(
            Activity.__table__,
            terms,
            "occurred_at",
            descending=chosen.descending,
            cursor=cursor or None,
            size=limit + 1,
            text=activity_search_text,
        )
        stmt = stmt.where(Activity.id.in_(window.ids))
    elif terms and subject is not None:
        # One record's timeline is short: its rows are read and matched, no index is asked.
        stmt = stmt.where(terms_condition(activity_search_text, terms))
    elif terms:
        stmt = stmt.where(search_condition(activity_search_text, search, model=Activity))
    return keyset_page(
        db.session,
        stmt,
        sort_column=chosen.column,
        id_column=id_column,
        descending=chosen.descending,
        cursor=cursor or None,
        limit=limit,
        sort_key=lambda row: row.occurred_at,
    )
