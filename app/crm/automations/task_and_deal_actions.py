"""Workflow steps on tasks and deals: create a task about the record, move a deal to a stage.

Both go through the kit's services with the workflow's actor, like every other step.
"""

from datetime import timedelta

from sqlalchemy import select

from app.core.extensions import db
from app.core.models import tenant_join
from app.crm.automations.actions import Action, Param, check_row_id, named_row, register_action, user_choices
from app.crm.deals.models import Pipeline, Stage
from app.records.normalize import workspace_today
from app.records.registry import get_record_type
from app.records.services import create_record, update_record

ASSIGNEE_OWNER = "owner_of_record"


def _assignees(record_type=None):
    return [(ASSIGNEE_OWNER, "The record's owner"), *user_choices()]


def _check_task(params, record_type, errors):
    title = str(params.get("title") or "").strip()
    if not title or len(title) > 200:
        errors.add("title", "Give the task a title (at most 200 characters).")
    try:
        due_in = int(params.get("due_in_days") or 0)
    except (TypeError, ValueError):
        due_in = -1
    if not 0 <= due_in <= 365:
        errors.add("due_in_days", "Due in 0–365 days.")
    assignee = params.get("assignee") or ASSIGNEE_OWNER
    if not isinstance(assignee, str) or assignee not in dict(_assignees()):
        errors.add("assignee", "Choose who does it.")
    return {"title": title, "due_in_days": max(due_in, 0), "assignee": assignee}


def _task_input(context, params) -> dict:
    if params["assignee"] == ASSIGNEE_OWNER:
        owner_id = getattr(context.record, "owner_id", None)
    else:
        owner_id = params["assignee"]
    data = {
        "title": params["title"],
        # Days as the workspace counts them: in Auckland on a Monday morning, UTC is still on Sunday.
        "due_date": (workspace_today() + timedelta(days=params["due_in_days"])).isoformat(),
        "related_id": str(context.record.id),
    }
    if owner_id:
        data["owner_id"] = str(owner_id)
    return data


def _run_task(context, params):
    task = create_record(get_record_type("task"), _task_input(context, params), actor=context.actor)
    return {"task_id": str(task.id), "due_date": str(task.due_date)}


def _preview_task(context, params):
    data = _task_input(context, params)
    return f"Would create the task “{data['title']}” due {data['due_date']}"


def stage_choices(record_type=None):
    rows = db.session.execute(
        select(Stage.id, Stage.name, Pipeline.name)
        .join(Pipeline, tenant_join(Pipeline.id, Stage.pipeline_id))
        .order_by(Pipeline.name, Stage.position)
    )
    return [(str(stage_id), f"{pipeline}: {name}") for stage_id, name, pipeline in rows]


def _check_stage(params, record_type, errors):
    return check_row_id(params, "stage_id", Stage, errors, "Choose a stage.")


def _stage(params) -> Stage:
    return named_row(params, "stage_id", Stage, "stage")


def _run_stage(context, params):
    stage = _stage(params)
    data = {"stage_id": str(stage.id)}
    if stage.pipeline_id != context.record.pipeline_id:
        data["pipeline_id"] = str(stage.pipeline_id)
    update_record(context.record_type, context.record, data, actor=context.actor)
    return {"stage": stage.name}


def install() -> None:
    register_action(
        Action(
            "create_task",
            "Create a task",
            (
                Param("title", "Title"),
                Param("due_in_days", "Due in (days)", help="0: today"),
                Param("assignee", "For", "select", _assignees),
            ),
            _check_task,
            _run_task,
            _preview_task,
        )
    )
    register_action(
        Action(
            "move_deal_stage",
            "Move the deal to a stage",
            (Param("stage_id", "Stage", "select", stage_choices),),
            _check_stage,
            _run_stage,
            lambda context, params: f"Would move the deal to {_stage(params).name}",
            lambda record_type: record_type is not None and record_type.name == "deal",
        )
    )
