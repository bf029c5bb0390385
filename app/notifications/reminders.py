"""Reminders of tasks and meetings: one row and one per-tenant job per (record, user, offset).

`sync_reminders` is called by a record's service whenever its moment, its people or its
chosen offsets may have changed: unsent reminders are replaced; a sent one is kept while its
moment stays (it goes out once, however often the task is edited). The job's body claims the
row with one conditional UPDATE, so two scheduler processes — or a job and a retry — never
send it twice; a job whose moment passed while no scheduler ran is still run, late, once.
"""

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from app.core.context import require_tenant_id
from app.core.extensions import db
from app.core.types import utcnow
from app.jobs.tenant_jobs import cancel_tenant_job, schedule_tenant_job
from app.notifications.models import NotificationKind, Reminder
from app.notifications.services import notify, record_path
from app.records.models import RecordEntry
from app.records.registry import find_record_type

JOB_KIND = "reminder"
JOB_BODY = "app.notifications.jobs:send_reminder"
OFFSET_LABELS = {0: "now", 15: "in 15 minutes", 60: "in 1 hour", 1440: "tomorrow"}


def sync_reminders(record_id, moment: datetime | None, user_ids, offsets) -> list[Reminder]:
    """Make the reminders of `record_id` exactly: each user × each offset (minutes) before
    `moment`, for those still in the future. A reminder already sent for this very moment is
    not sent again; one sent for an earlier moment (the meeting moved) makes way for the new."""
    tenant_id = require_tenant_id()
    existing = list(db.session.scalars(select(Reminder).where(Reminder.record_id == record_id)))
    sent = {(row.user_id, row.offset_minutes): row for row in existing if row.sent_at is not None}
    for row in existing:
        if row.sent_at is None:
            cancel_tenant_job(tenant_id, JOB_KIND, row.id)
    db.session.execute(
        delete(Reminder)
        .where(Reminder.record_id == record_id, Reminder.sent_at.is_(None))
        .execution_options(synchronize_session="fetch")
    )
    if moment is None:
        return []
    now = utcnow()
    created = []
    for user_id in dict.fromkeys(uid for uid in user_ids if uid is not None):
        for offset in sorted({int(value) for value in offsets}):
            due = moment - timedelta(minutes=offset)
            if due <= now:
                continue
            done = sent.get((user_id, offset))
            if done is not None:
                if done.due_at == due:
                    continue
                db.session.delete(done)
                db.session.flush()
            reminder = Reminder(record_id=record_id, user_id=user_id, offset_minutes=offset, due_at=due)
            db.session.add(reminder)
            created.append(reminder)
    db.session.flush()
    for reminder in created:
        schedule_tenant_job(
            tenant_id, JOB_KIND, reminder.id, JOB_BODY, "date", run_date=reminder.due_at, late_runs=True
        )
    return created


def clear_reminders(record_ids) -> None:
    """Drop the unsent reminders (and their jobs) of records that are done, cancelled or gone."""
    tenant_id = require_tenant_id()
    ids = list(record_ids)
    if not ids:
        return
    rows = db.session.scalars(select(Reminder.id).where(Reminder.record_id.in_(ids), Reminder.sent_at.is_(None)))
    for reminder_id in list(rows):
        cancel_tenant_job(tenant_id, JOB_KIND, reminder_id)
    db.session.execute(
        delete(Reminder)
        .where(Reminder.record_id.in_(ids), Reminder.sent_at.is_(None))
        .execution_options(synchronize_session="fetch")
    )


def claim(reminder_id) -> bool:
    """Mark the reminder sent; True only for the one caller whose UPDATE changed the row."""
    result = db.session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.sent_at.is_(None))
        .values(sent_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def deliver_reminder(reminder_id) -> bool:
    """Claim and send one reminder (in the app and/or by email); False if it was already sent
    or no longer exists."""

    if not claim(reminder_id):
        return False
    reminder = db.session.get(Reminder, (require_tenant_id(), reminder_id), populate_existing=True)
    entry = db.session.get(RecordEntry, (require_tenant_id(), reminder.record_id))
    record_type = find_record_type(entry.type) if entry is not None else None
    label = record_type.label if record_type is not None else "Reminder"
    when = OFFSET_LABELS.get(reminder.offset_minutes, f"in {reminder.offset_minutes} minutes")
    title = f"{label} {when}: {entry.title if entry is not None else ''}".strip()
    url = record_path(record_type, entry.id) if record_type is not None else ""
    notify(
        reminder.user_id,
        NotificationKind.REMINDER,
        title,
        body=f"{label} “{entry.title if entry else ''}” {getattr(record_type, 'reminder_verb', 'is due')} {when}.",
        url=url,
        record_id=reminder.record_id,
        key=str(reminder.id),
    )
    return True
