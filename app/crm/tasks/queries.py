"""What the task record type, its services and the Tasks tab all ask of the tasks table:
which tasks are overdue, the order they list in, and the
tasks about one record. It sits below all three so none of them imports another to get it."""

from datetime import datetime

from sqlalchemy import and_, case, or_, select
from sqlalchemy.orm import selectinload

from app.core.extensions import db
from app.core.types import utcnow
from app.crm.tasks.models import Task, TaskPriority, TaskStatus
from app.records.normalize import tenant_zone

TAB_LIMIT = 50
PRIORITY_ORDER = case(dict(TaskPriority.RANK.items()), value=Task.priority, else_=len(TaskPriority.RANK))


def overdue_condition(now: datetime | None = None):
    """Still to do, and past its moment (a timed task) or its day (an all-day task)."""
    now = now or utcnow()
    today = now.astimezone(tenant_zone()).date()
    return and_(
        Task.status.in_(TaskStatus.ACTIVE),
        Task.due_date.is_not(None),
        or_(and_(Task.due_time.is_not(None), Task.due_at < now), and_(Task.due_time.is_(None), Task.due_date < today)),
    )


def due_by_condition(day):
    """Still to do and due on `day` or before: today's tasks and the overdue ones, as the top
    bar counts them, My day lists them and the tasks list filters them."""
    return and_(Task.status.in_(TaskStatus.ACTIVE), Task.due_date <= day)


def _active_first(stmt):
    finished = case((Task.status.in_(TaskStatus.FINISHED), 1), else_=0)
    return stmt.order_by(finished, Task.due_at, PRIORITY_ORDER, Task.id)


def tasks_about(record_id, limit: int = TAB_LIMIT) -> list[Task]:
    """The tasks linked to one record: still-to-do ones first, by due moment."""
    stmt = select(Task).where(Task.related_id == record_id).options(selectinload(Task.owner))
    return list(db.session.scalars(_active_first(stmt).limit(limit)))
