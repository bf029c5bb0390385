"""A person's data, for a subject access request, and its erasure.

Export: the record as the API shows it, and every row related to it — the activities on its
timeline, its files (described, not their bytes), its tags, its events and audit rows.

Erase: the record's fields are emptied (required ones read "Erased"), its child rows (emails,
phones), custom fields and tags removed, its files deleted, the text of the activities
logged on it cleared, and the personal values in its events and audit rows scrubbed. The
record's row stays as "Erased", so links and counts hold; one audit row says that it was
erased, by whom and when, and nothing else.

Other packages keep personal data about a record too (web-form submissions, messages,
workflow logs, webhook payloads, import snapshots): each registers an export hook and an
erase hook here (through `app/wiring.py`), so the export shows those rows and the erasure
scrubs them in the same transaction.
"""

from collections.abc import Callable

from sqlalchemy import select, update

from app.auth.permissions import check_permission
from app.core.audit import record_audit
from app.core.events import DomainEvent
from app.core.extensions import db
from app.core.types import json_safe, utcnow
from app.crm.activities.models import Activity, activity_links
from app.crm.attachments.models import Attachment
from app.crm.attachments.services import attachments_of
from app.crm.attachments.storage import remove_after_commit
from app.crm.duplicates.services import forget_pairs
from app.records import schemas as record_schemas
from app.records.capabilities import Context
from app.records.models import RecordEntry
from app.records.services import ERASED, erase_history, refresh_search_text, reindex_referrers

# hook(record_type, record) -> {section: rows}: what a package keeps about the record.
_EXPORT_HOOKS: list[Callable] = []
# hook(record_type, record) -> None: scrubs it; runs before the record's own values go.
_ERASE_HOOKS: list[Callable] = []


def register_export_hook(hook: Callable) -> None:
    if hook not in _EXPORT_HOOKS:
        _EXPORT_HOOKS.append(hook)


def register_erase_hook(hook: Callable) -> None:
    if hook not in _ERASE_HOOKS:
        _ERASE_HOOKS.append(hook)


def activity_content(activity: Activity) -> dict:
    """What an activity says, as it leaves Atrium: in a person's export, and with its ids in
    the workspace export."""
    return {
        "type": activity.type,
        "subject": activity.subject,
        "body": activity.body,
        "direction": activity.direction,
        "outcome": activity.outcome,
        "occurred_at": activity.occurred_at,
        "details": activity.details,
    }


def personal_data(record_type, record, *, actor) -> dict:
    check_permission(actor, record_type.permission("export"))
    output = record_schemas.output_schema(record_type)().dump(record_schemas.serialize(record_type, record))
    linked = select(activity_links.c.activity_id).where(
        activity_links.c.tenant_id == record.tenant_id, activity_links.c.record_id == record.id
    )
    activities = db.session.scalars(select(Activity).where(Activity.id.in_(linked)).order_by(Activity.occurred_at))
    files = []
    if record_type.has("attachments"):
        files = [
            {"filename": item.filename, "size": item.size_bytes, "uploaded_at": item.created_at}
            for item in attachments_of(record)
        ]
    events = db.session.scalars(
        select(DomainEvent).where(DomainEvent.record_id == record.id).order_by(DomainEvent.occurred_at)
    )
    kept_elsewhere = {}
    for hook in _EXPORT_HOOKS:
        kept_elsewhere.update(hook(record_type, record) or {})
    record_audit("personal_data.exported", actor=actor, target_type=record_type.name, target_id=record.id)
    return json_safe(
        {
            "record_type": record_type.name,
            "record": output,
            "activities": [activity_content(item) for item in activities],
            "files": files,
            "events": [
                {"name": item.name, "summary": item.summary, "occurred_at": item.occurred_at, "payload": item.payload}
                for item in events
            ],
            **kept_elsewhere,
            "exported_at": utcnow(),
        }
    )


def erase_record(record_type, record, *, actor) -> None:
    # No check_writable(): a read-only workspace must still honour a person's erasure request.
    check_permission(actor, record_type.permission("delete"))
    for hook in _ERASE_HOOKS:
        hook(record_type, record)
    if record_type.has("attachments"):
        files = list(db.session.scalars(select(Attachment).where(Attachment.record_id == record.id)))
        for item in files:
            db.session.delete(item)
        remove_after_commit(record.tenant_id, [item.id for item in files])
    for field in record_type.writable_fields:
        field.erase(record)
    if record_type.has("custom_fields"):
        record.custom_fields = {}
    if record_type.has("tags"):
        record.tags = []
    # What made it look like another record (an e-mail, a name) is gone with it.
    forget_pairs(record_type.name, [record.id])
    record_type.before_save(record, {}, Context(record_type, record, {}, actor))
    refresh_search_text(record_type, record)
    record.updated_at = utcnow()
    db.session.flush()
    db.session.execute(
        update(RecordEntry)
        .where(RecordEntry.id == record.id)
        .values(title=f"{ERASED} {record_type.label.lower()}")
        .execution_options(synchronize_session="fetch")
    )
    # Records found by its name (a deal by its contact, a meeting by who it is about) are not.
    reindex_referrers(record_type, record)
    logged = list(db.session.scalars(select(Activity.id).where(Activity.record_id == record.id)))
    db.session.execute(
        update(Activity)
        .where(Activity.record_id == record.id)
        .values(subject="", body="", outcome="", details={"erased": True})
        .execution_options(synchronize_session=False)
    )
    # The history of the record and of the activities logged on it ("Call with Ada…").
    erase_history([record.id, *logged])
    record_audit(
        "personal_data.erased",
        actor=actor,
        target_type=record_type.name,
        target_id=record.id,
        target_label=f"{ERASED} {record_type.label.lower()}",
    )
