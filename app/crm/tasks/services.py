"""Tasks through the kit's services, plus what only tasks have: ticking one done (which brings
the next of a repeating series), quick add from any record's page, the board, and "my day"."""

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.auth.permissions import check_permission
from app.core.extensions import db
from app.core.first_rows import first_rows
from app.crm.tasks.models import Task, TaskStatus
from app.crm.tasks.queries import PRIORITY_ORDER, due_by_condition, overdue_condition
from app.crm.tasks.record import TASKS
from app.records.normalize import workspace_today
from app.records.services import create_record, record_services, update_record

get_task, load_task_for_page, create_task, update_task, delete_task, list_tasks = record_services(TASKS)

BOARD_LIMIT = 50
MY_DAY_LIMIT = 10


def complete_task(task: Task, *, actor) -> Task:
    """Tick a task done (a repeating one brings its next occurrence); done already: unchanged."""
    # Checked before the no-op too: one who may not edit tasks is refused, not told it worked.
    check_permission(actor, TASKS.permission("edit"))
    if task.status == TaskStatus.DONE:
        return task
    return update_record(TASKS, task, {"status": TaskStatus.DONE}, actor=actor)


def reopen_task(task: Task, *, actor) -> Task:
    check_permission(actor, TASKS.permission("edit"))
    if task.status == TaskStatus.OPEN:
        return task
    return update_record(TASKS, task, {"status": TaskStatus.OPEN}, actor=actor)


def move_task(task: Task, status, *, actor) -> Task:
    """A card dropped in another column of the board."""
    return update_record(TASKS, task, {"status": status}, actor=actor)


def quick_add_task(data: dict, *, related_id, actor) -> Task:
    """A task about one record, from that record's page (title, due date, assignee)."""
    wanted = {key: value for key, value in data.items() if key in ("title", "due_date", "due_time", "owner_id")}
    wanted["related_id"] = related_id
    return create_record(TASKS, wanted, actor=actor)


def board(*, owner_id=None, limit: int = BOARD_LIMIT) -> dict[str, list[Task]]:
    """Each status column's first cards by due moment (one query per column, owners preloaded)."""
    columns = {}
    for status in TaskStatus.ALL:
        stmt = select(Task).where(Task.status == status).options(selectinload(Task.owner), selectinload(Task.related))
        if owner_id is not None:
            stmt = stmt.where(Task.owner_id == owner_id)
        order = (Task.completed_at.desc(), Task.id) if status in TaskStatus.FINISHED else (Task.due_at, Task.id)
        columns[status] = list(db.session.scalars(stmt.order_by(*order).limit(limit)))
    return columns


def board_counts(*, owner_id=None) -> dict[str, int]:
    stmt = select(Task.status, func.count()).group_by(Task.status)
    if owner_id is not None:
        stmt = stmt.where(Task.owner_id == owner_id)
    counts = dict(db.session.execute(stmt).all())
    return {status: counts.get(status, 0) for status in TaskStatus.ALL}


def count_tasks_due(user) -> int:
    """How many of the user's tasks still to do are due today or were due before (overdue)."""
    return db.session.scalar(
        select(func.count()).select_from(Task).where(Task.owner_id == user.id, due_by_condition(workspace_today()))
    )


def my_tasks(user, *, limit: int = MY_DAY_LIMIT) -> dict:
    """What "my day" shows of a user's tasks: overdue ones and today's (a bounded number of
    each), and how many there are of both in all."""
    today = workspace_today()
    base = select(Task).where(Task.owner_id == user.id).options(selectinload(Task.related))
    overdue = first_rows(base.where(overdue_condition()).order_by(Task.due_at, Task.id), limit)
    due_today = first_rows(
        base.where(Task.due_date == today, Task.status.in_(TaskStatus.ACTIVE), ~overdue_condition()).order_by(
            Task.due_at, PRIORITY_ORDER, Task.id
        ),
        limit,
    )
    return {
        "overdue": overdue.rows,
        "today": due_today.rows,
        "total": overdue.total + due_today.total,
        "date": today,
        "tomorrow": today + timedelta(days=1),
    }


def carry_open_tasks_on_conversion(event, record) -> None:
    """In-transaction subscriber of `lead.converted`: the lead's tasks still to do follow it to
    the contact it became, where people now look for them (the done ones stay in the lead's
    history). Otherwise "Book a discovery call" waits on a converted lead nobody opens again."""
    if record is None or not getattr(record, "converted_contact_id", None):
        return
    still_to_do = select(Task).where(Task.related_id == record.id, Task.status.in_(TaskStatus.ACTIVE))
    for task in db.session.scalars(still_to_do):
        task.related_id = record.converted_contact_id
