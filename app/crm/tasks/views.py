"""Task pages: the kit's pages, plus ticking done in place, quick add from any record's page,
and the board by status."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import acting_user, requires_permission
from app.core.errors import ValidationFailed
from app.core.htmx import is_htmx
from app.core.ids import parse_uuid
from app.core.lookups import get_or_404
from app.core.security import safe_next_url
from app.crm.tasks import services
from app.crm.tasks.models import TaskStatus
from app.crm.tasks.record import TASKS
from app.crm.tasks.tab import tasks_tab_context
from app.records.crud_pages import record_page_url
from app.records.models import RecordEntry
from app.records.normalize import workspace_today
from app.records.registry import find_record_type
from app.records.services import get_record
from app.records.views import record_blueprint

bp = record_blueprint(TASKS)
TASKS_CHANGED = TASKS.nav_badge[1]


def _back(task) -> str:
    return safe_next_url(request.form.get("next") or "", url_for("tasks.show", task_id=task.id))


def _tick(task_id, change):
    task = services.get_task(task_id)
    change(task, actor=current_user)
    if is_htmx():
        # The page counts again what depends on it (the top bar's tasks due today).
        return render_template("crm/tasks/_tick.html", task=task), 200, {"HX-Trigger": TASKS_CHANGED}
    flash(f"“{task.title}” is {TaskStatus.LABELS[task.status].lower()}.", "success")
    return redirect(_back(task))


@bp.route("/tasks/due-badge")
@requires_permission("tasks.view")
def due_badge():
    """The top bar's count of my tasks due today or overdue (HTMX, after the page loads)."""
    return render_template("crm/tasks/_due_badge.html", count=services.count_tasks_due(acting_user(current_user)))


@bp.route("/tasks/<uuid:task_id>/done", methods=["POST"])
@requires_permission("tasks.edit")
def done(task_id):
    return _tick(task_id, services.complete_task)


@bp.route("/tasks/<uuid:task_id>/reopen", methods=["POST"])
@requires_permission("tasks.edit")
def reopen(task_id):
    return _tick(task_id, services.reopen_task)


@bp.route("/tasks/<uuid:task_id>/move", methods=["POST"])
@requires_permission("tasks.edit")
def move(task_id):
    """A card dropped on another column of the board (SortableJS posts the new status)."""
    task = services.get_task(task_id)
    try:
        services.move_task(task, request.form.get("status"), actor=current_user)
    except ValidationFailed as exc:
        return {"error": {"message": exc.message, "details": exc.details}}, 422
    return {"id": str(task.id), "status": task.status}


@bp.route("/tasks/quick-add", methods=["POST"])
@requires_permission("tasks.create")
def quick_add():
    """A task about the record whose page this was sent from; answers with its Tasks tab."""
    related_id = parse_uuid(request.form.get("related_id"))
    errors = {}
    try:
        task = services.quick_add_task(request.form.to_dict(), related_id=related_id, actor=current_user)
    except ValidationFailed as exc:
        errors = exc.details or {"title": [exc.message]}
        task = None
    entry = get_or_404(RecordEntry, related_id) if related_id else None
    record_type = find_record_type(entry.type) if entry is not None else None
    if record_type is None:
        if errors:
            flash(" ".join(m for messages in errors.values() for m in messages), "danger")
            return redirect(url_for("tasks.index"))
        return redirect(url_for("tasks.show", task_id=task.id))
    subject = get_record(record_type, entry.id)
    if not is_htmx():
        if errors:
            flash(" ".join(m for messages in errors.values() for m in messages), "danger")
        else:
            flash(f"Task “{task.title}” added.", "success")
        return redirect(record_page_url(record_type, subject, tab="tasks"))
    context = tasks_tab_context(record_type, subject)
    if errors:
        context.update(errors=errors, submitted=request.form)
        return render_template("crm/tasks/_tasks_tab.html", **context), 422
    return render_template("crm/tasks/_tasks_tab.html", **context), 200, {"HX-Trigger": TASKS_CHANGED}


@bp.route("/tasks/board")
@requires_permission("tasks.view")
def board():
    mine = request.args.get("who", "mine") != "team"
    owner_id = getattr(acting_user(current_user), "id", None) if mine else None
    return render_template(
        "crm/tasks/board.html",
        columns=services.board(owner_id=owner_id),
        counts=services.board_counts(owner_id=owner_id),
        labels=TaskStatus.LABELS,
        mine=mine,
        today=workspace_today(),
        limit=services.BOARD_LIMIT,
    )
