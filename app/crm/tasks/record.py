"""Tasks, declared once: a title, a due day (and time, or all-day), priority, status, an
assignee (the owner capability, called "Assignee"), a related record of any type, tags,
recurrence and reminders. Completing a repeating task creates its next occurrence."""

from datetime import datetime, time, timedelta

from sqlalchemy import select

from app.core.extensions import db
from app.core.pagination import Sort
from app.core.types import utcnow
from app.crm.activities.capability import NOTES, TIMELINE
from app.crm.tags.capability import TAGS
from app.crm.tasks.models import NO_DUE, REMINDER_OFFSETS, Recurrence, Task, TaskPriority, TaskStatus
from app.crm.tasks.queries import due_by_condition, overdue_condition
from app.crm.tasks.recurrence import moment, next_occurrence
from app.crm.tasks.tab import tasks_tab_context
from app.notifications.reminders import clear_reminders, sync_reminders
from app.records import fields as f
from app.records.capabilities import Column, Tab
from app.records.normalize import tenant_zone, workspace_today
from app.records.owner import OwnerCapability
from app.records.record_type import ListFilter, RecordType, changed_since_load
from app.records.services import create_record, emit_record_event
from app.records.status_change import change_status_action

# An all-day task's reminders count back from this wall-clock time of its day.
ALL_DAY_REMINDER_TIME = time(9, 0)
REMINDER_FIELDS = ("due_date", "due_time", "owner_id", "status", "reminders")
ASSIGNEE = OwnerCapability("Assignee")


def due_window(value: str, errors) -> list:
    today = workspace_today()
    if value == "overdue":
        return [overdue_condition()]
    if value == "today":
        return [Task.due_date == today, Task.status.in_(TaskStatus.ACTIVE)]
    if value == "today_or_overdue":
        return [due_by_condition(today)]
    if value == "week":
        start = today - timedelta(days=today.weekday())
        return [Task.due_date >= start, Task.due_date < start + timedelta(days=7), Task.status.in_(TaskStatus.ACTIVE)]
    if value == "undated":
        return [Task.due_date.is_(None)]
    errors.add("due", "Choose overdue, today, today_or_overdue, week or undated.")
    return []


def state_filter(value: str, errors) -> list:
    if value == "active":
        return [Task.status.in_(TaskStatus.ACTIVE)]
    if value == "finished":
        return [Task.status.in_(TaskStatus.FINISHED)]
    errors.add("state", "Choose active or finished.")
    return []


def reminder_moment(task: Task) -> datetime | None:
    if task.due_date is None:
        return None
    return moment(task.due_date, task.due_time or ALL_DAY_REMINDER_TIME, tenant_zone())


class TaskType(RecordType):
    def check(self, cleaned, context):
        task = context.record
        errors = context.errors

        def current(name, default=None):
            return cleaned[name] if name in cleaned else (getattr(task, name) if task is not None else default)

        if "recurrence_interval" in cleaned and cleaned["recurrence_interval"] is None:
            cleaned["recurrence_interval"] = 1
        due_date = current("due_date")
        if current("due_time") is not None and due_date is None:
            errors.add("due_time", "Set the due date too, or leave the time empty.")
        if current("recurrence", "") and due_date is None:
            errors.add("recurrence", "A repeating task needs a due date.")
        until = current("recurrence_until")
        if until is not None and due_date is not None and until < due_date:
            errors.add("recurrence_until", "The repetition cannot end before the first due date.")
        if current("reminders", []) and due_date is None:
            errors.add("reminders", "Reminders need a due date.")

    def before_save(self, task, cleaned, context):
        with db.session.no_autoflush:
            zone = tenant_zone()
        task.due_at = moment(task.due_date, task.due_time, zone) or NO_DUE
        if context.creating or changed_since_load(task, ("due_date", "recurrence", "recurrence_interval")):
            # A new or re-planned series starts counting from this due date.
            task.recurrence_anchor = task.due_date if task.recurrence else None
            task.occurrence = 0
        completed_now = task.status == TaskStatus.DONE and (context.creating or changed_since_load(task, ("status",)))
        if completed_now:
            task.completed_at = utcnow()
        elif task.status != TaskStatus.DONE:
            task.completed_at = None
        # Read after the flush by after_save (the history is gone by then).
        task._completed_now = completed_now
        task._reminders_dirty = context.creating or changed_since_load(task, REMINDER_FIELDS)

    def after_save(self, task, cleaned, context):
        if getattr(task, "_reminders_dirty", False):
            if task.status in TaskStatus.ACTIVE:
                sync_reminders(task.id, reminder_moment(task), [task.owner_id], task.reminders or [])
            else:
                clear_reminders([task.id])
        if getattr(task, "_completed_now", False):
            task._completed_now = False
            emit_record_event(self, task, "completed", actor=context.actor, summary=f"Task completed: {task.title}")
            create_next_occurrence(task, actor=context.actor)

    def before_delete(self, tasks, actor):
        clear_reminders([task.id for task in tasks])

    def related(self, task):
        entry = task.related
        return [(entry.type, entry.id)] if entry is not None else []


def create_next_occurrence(task: Task, *, actor) -> Task | None:
    """The next task of a repeating series, unless the series has ended or it exists already."""
    if not task.recurrence or task.due_date is None:
        return None
    if db.session.scalar(select(Task.id).where(Task.previous_id == task.id).limit(1)) is not None:
        return None
    anchor = task.recurrence_anchor or task.due_date
    day = next_occurrence(
        anchor, task.recurrence, task.recurrence_interval, task.occurrence, until=task.recurrence_until
    )
    if day is None:
        return None
    data = {
        "title": task.title,
        "description": task.description,
        "due_date": day,
        "due_time": task.due_time,
        "priority": task.priority,
        "related_id": task.related_id,
        "recurrence": task.recurrence,
        "recurrence_interval": task.recurrence_interval,
        "recurrence_until": task.recurrence_until,
        "reminders": list(task.reminders or []),
        "owner_id": task.owner_id,
        "tag_ids": [tag.id for tag in task.tags],
    }
    following = create_record(TASKS, data, actor=actor)
    following.previous_id = task.id
    following.recurrence_anchor = anchor
    following.occurrence = task.occurrence + 1
    db.session.flush()
    return following


TASKS = TaskType(
    name="task",
    model=Task,
    icon="check2-square",
    title="title",
    subtitle=lambda task: task.related.title if task.related is not None else "",
    default_sort="due",
    nav_order=40,
    nav_badge=("tasks.due_badge", "tasks-changed"),
    nav_args={"owner_id": "me", "state": "active"},
    description="Tasks: due day and time (or all-day) in the workspace's zone, priority, status, "
    "assignee, related record, recurrence and reminders.",
    example={"title": "Send the proposal", "due_date": "2026-01-31", "due_time": "14:30", "priority": "high"},
    fields=[
        f.Text("title", "Title", max_length=200, required=True, search=True, sort=True, detail=False),
        f.DateField("due_date", "Due date", filter=True),
        f.TimeField("due_time", "Due time", help="Leave empty for an all-day task"),
        f.Choice(
            "priority", "Priority", choices=TaskPriority.LABELS, default=TaskPriority.MEDIUM, filter=True, list=True
        ),
        f.Choice("status", "Status", choices=TaskStatus.LABELS, default=TaskStatus.OPEN, filter=True, list=True),
        f.AnyReference("related_id", "Related to", relation="related", filter=True, list=True, search=True),
        f.LongText("description", "Description", search=True, hide_empty=True),
        f.Choice(
            "recurrence", "Repeats", choices=Recurrence.LABELS, default=Recurrence.NONE, section="Repeat and remind"
        ),
        f.Number(
            "recurrence_interval",
            "Every",
            minimum=1,
            maximum=365,
            section="Repeat and remind",
            help="1 = every day, week, month or year; 2 = every other one",
            hide_empty=True,
        ),
        f.DateField("recurrence_until", "Repeat until", section="Repeat and remind", hide_empty=True),
        f.MultiChoice(
            "reminders",
            "Remind the assignee",
            choices=REMINDER_OFFSETS,
            section="Repeat and remind",
            help="In the app and by email, as each person chooses; all-day tasks count from 09:00",
        ),
        f.DateTimeField("completed_at", "Completed", read_only=True, hide_empty=True),
    ],
    capabilities=[ASSIGNEE, TAGS, TIMELINE, NOTES],
    sorts=[
        Sort("due", Task.due_at, False, "Due soonest"),
        Sort("-due", Task.due_at, True, "Due latest"),
    ],
    filters=[
        ListFilter(
            "due",
            "overdue, today, today_or_overdue, week (this week, Monday to Sunday) or undated",
            due_window,
            choices={
                "overdue": "Overdue",
                "today": "Due today",
                "today_or_overdue": "Due today or overdue",
                "week": "Due this week",
                "undated": "No due date",
            },
            label="Due",
        ),
        ListFilter(
            "state",
            "active (open or in progress) or finished (done or cancelled)",
            state_filter,
            choices={"active": "Still to do", "finished": "Done or cancelled"},
            label="Progress",
        ),
    ],
    columns=[
        Column("due", "Due", "crm/tasks/_due_cell.html", sort_key="due", priority=1),
        Column("done", "Done", "crm/tasks/_done_cell.html", priority=1),
    ],
    bulk_actions=[
        change_status_action(lambda: list(TaskStatus.LABELS.items())),
    ],
    templates={"index": "crm/tasks/index.html", "show": "crm/tasks/show.html"},
    contributes=[
        (
            "*",
            Tab(
                "tasks",
                "Tasks",
                "crm/tasks/_tasks_tab.html",
                tasks_tab_context,
                icon="check2-square",
                order=15,
                permission="tasks.view",
            ),
        )
    ],
)
