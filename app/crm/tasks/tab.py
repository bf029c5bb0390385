"""The Tasks tab that every record's page shows (the task record type contributes it)."""

from flask_login import current_user

from app.auth.permissions import acting_user, can
from app.crm.tasks.queries import tasks_about
from app.records.forms import ConfirmForm
from app.records.normalize import workspace_today
from app.records.owner import owner_choices
from app.records.pages import permission_action_state


def tasks_tab_context(record_type, record) -> dict:
    tasks = tasks_about(record.id)
    return {
        "tasks": tasks,
        "subject": record,
        "subject_type": record_type,
        "today": workspace_today(),
        # Hidden without the permission; disabled, with the reason, while the workspace is read-only.
        "adding": permission_action_state("tasks.create"),
        "can_edit": can(current_user, "tasks.edit"),
        "owner_choices": owner_choices(),
        "me": str(getattr(acting_user(current_user), "id", "")),
        "confirm_form": ConfirmForm(),
        "errors": {},
        # What a refused quick add sent, shown again beside its errors.
        "submitted": {},
    }
