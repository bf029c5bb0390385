"""Workflows: create, change, enable (counted against the plan), steps, replay, test mode, runs.

The `automations` feature gates all of it; the plan's `automations` limit counts active
workflows, checked with `enforce()` whenever one becomes active.
"""

import uuid

from sqlalchemy import func, select

from app.auth.permissions import check_permission, check_permission_if_acting
from app.core.audit import record_audit
from app.core.errors import Conflict, ValidationFailed
from app.core.events import listeners_changed
from app.core.extensions import db
from app.core.ids import parse_uuid
from app.core.lookups import get_or_404
from app.core.text import plural
from app.core.validation import Errors, check_known_keys, clean_text
from app.crm.automations import engine, schedules
from app.crm.automations.actions import available_actions
from app.crm.automations.conditions import check_conditions, condition_fields
from app.crm.automations.models import Workflow, WorkflowRun
from app.crm.forms.models import WebForm
from app.crm.webhooks.signing import new_signing_secret
from app.plans.services import check_feature, check_writable, enforce
from app.records.catalogue import field_catalogue
from app.records.event_types import event_subject, event_types
from app.records.normalize import tenant_zone
from app.records.registry import find_record_type, record_types
from app.records.setting_services import add_audited, apply_changes, clean_flags, creator_id

FIELDS = ("name", "description", "trigger", "conditions", "steps", "is_active")
# FIELDS as the builder words them, for the audit log's "Changed: Steps".
FIELD_LABELS = {
    "name": "Name",
    "description": "What it is for",
    "trigger": "Trigger",
    "conditions": "Conditions",
    "steps": "Steps",
    "is_active": "On or off",
}
TRIGGERS = {
    "record_created": "A record is created",
    "record_updated": "A record is updated",
    "field_changed": "A field changes (to a value)",
    "form_submitted": "A web form is submitted",
    "event": "Another event happens",
    "date_reached": "A date field is reached",
    "no_activity": "A record has no activity for N days",
    "schedule": "Every day at an hour",
}
MAX_STEPS = 30
MAX_BRANCH_DEPTH = 3


def count_active_workflows(tenant_id) -> int:
    return db.session.scalar(select(func.count(Workflow.id)).where(Workflow.is_active))


def get_workflow(workflow_id, *, actor=None) -> Workflow:
    check_permission_if_acting(actor, "automations.view")
    return get_or_404(Workflow, workflow_id)


def list_workflows(*, actor=None) -> list[Workflow]:
    check_permission_if_acting(actor, "automations.view")
    return list(db.session.scalars(select(Workflow).order_by(Workflow.name, Workflow.id)))


def run_counts() -> dict:
    """{workflow id: {status: n}} in one grouped query."""
    counts: dict = {}
    rows = db.session.execute(
        select(WorkflowRun.workflow_id, WorkflowRun.status, func.count())
        .where(WorkflowRun.is_test.is_(False))
        .group_by(WorkflowRun.workflow_id, WorkflowRun.status)
    )
    for workflow_id, status, count in rows:
        counts.setdefault(workflow_id, {})[status] = count
    return counts


# ---------------------------------------------------------------------------- checking input


def trigger_record_type(trigger: dict):
    """The record type a workflow's runs are about (a form's submissions: lead or contact)."""
    if trigger.get("type") == "form_submitted":
        return find_record_type(trigger.get("record_type") or "lead")
    return find_record_type(trigger.get("record_type"))


def _check_trigger(data, errors: Errors) -> dict:
    if not isinstance(data, dict) or not isinstance(data.get("type"), str) or data["type"] not in TRIGGERS:
        errors.add("trigger", "Choose a trigger.")
        return {}
    kind = data["type"]
    cleaned = {"type": kind}
    names = {record_type.name for record_type in record_types()}
    for key in ("record_type", "field", "event"):
        if data.get(key) is not None and not isinstance(data.get(key), str):
            errors.add("trigger", f"The trigger's {key} is a name.")
            return {}
    if kind == "event":
        if data.get("event") not in event_types():
            errors.add("trigger", "Choose an event.")
        cleaned["event"] = data.get("event")
        cleaned["record_type"] = event_subject(str(data.get("event") or ""))
        return cleaned
    if kind == "form_submitted":
        form_id = data.get("form_id") or None
        if form_id is not None:
            parsed = parse_uuid(form_id)
            if parsed is None or db.session.scalar(select(WebForm.id).where(WebForm.id == parsed)) is None:
                errors.add("trigger", "Choose one of your forms.")
            cleaned["form_id"] = str(parsed) if parsed else None
        record_type = data.get("record_type") or "lead"
        if record_type not in ("lead", "contact"):
            errors.add("trigger", "Forms create leads or contacts.")
        cleaned["record_type"] = record_type
        return cleaned
    if data.get("record_type") not in names:
        errors.add("trigger", "Choose a record type.")
        return cleaned
    cleaned["record_type"] = data["record_type"]
    if kind in schedules.TIME_TRIGGERS:
        return _check_time_trigger(kind, data, find_record_type(data["record_type"]), cleaned, errors)
    if kind == "field_changed":
        record_type = find_record_type(data["record_type"])
        if data.get("field") not in condition_fields(record_type):
            errors.add("trigger", "Choose the field to watch.")
        cleaned["field"] = data.get("field")
        value = data.get("value")
        cleaned["value"] = "" if value is None else str(value)[:200]
    return cleaned


def _check_time_trigger(kind: str, data: dict, record_type, cleaned: dict, errors: Errors) -> dict:
    def number(key, low, high, label):
        try:
            value = int(data.get(key) if data.get(key) not in (None, "") else low)
        except (TypeError, ValueError):
            value = None
        if value is None or not low <= value <= high:
            errors.add("trigger", f"{label} is a whole number from {low} to {high}.")
            return low
        return value

    if kind == "date_reached":
        if data.get("field") not in schedules.date_fields(record_type):
            errors.add("trigger", f"Choose one of the {record_type.label.lower()}'s date fields.")
        cleaned["field"] = data.get("field")
        cleaned["days_before"] = number("days_before", -365, 365, "Days before the date")
    elif kind == "no_activity":
        cleaned["days"] = number("days", 1, 365, "Days without activity")
    else:
        cleaned["hour"] = number("hour", 0, 23, "The hour")
    return cleaned


def _check_steps(steps, record_type, errors: Errors, depth: int = 0) -> list:
    if steps in (None, ""):
        return []
    if not isinstance(steps, list):
        errors.add("steps", "Send the steps as a list.")
        return []
    actions = available_actions(record_type)
    fields = condition_fields(record_type) if record_type is not None else {}
    cleaned = []
    for step in steps:
        if not isinstance(step, dict):
            errors.add("steps", "Each step is an object with a type.")
            continue
        kind, params = step.get("type"), step.get("params") or {}
        if not isinstance(kind, str):
            errors.add("steps", "Each step is an object with a type.")
            continue
        step_id = str(step.get("id") or uuid.uuid4().hex[:12])[:40]
        if not isinstance(params, dict):
            errors.add("steps", "A step's params are an object.")
            continue
        if kind == "wait":
            amount, unit = params.get("amount"), params.get("unit", "minutes")
            try:
                amount = int(amount)
            except (TypeError, ValueError):
                amount = 0
            if not 1 <= amount <= 365 or unit not in engine.WAIT_UNITS:
                errors.add("steps", "A wait is 1–365 minutes, hours or days.")
            cleaned.append({"id": step_id, "type": "wait", "params": {"amount": amount, "unit": unit}})
        elif kind == "branch":
            if depth >= MAX_BRANCH_DEPTH:
                errors.add("steps", f"If/else steps nest at most {MAX_BRANCH_DEPTH} deep.")
                continue
            condition = check_conditions(params, fields, errors, "steps")
            cleaned.append(
                {
                    "id": step_id,
                    "type": "branch",
                    "params": condition,
                    "then": _check_steps(step.get("then") or [], record_type, errors, depth + 1),
                    "else": _check_steps(step.get("else") or [], record_type, errors, depth + 1),
                }
            )
        elif kind in actions:
            step_errors = Errors()
            checked = actions[kind].check(params, record_type, step_errors)
            for key, messages in step_errors.details.items():
                for message in messages:
                    errors.add("steps", f"{actions[kind].label}: {message}" if key else message)
            cleaned.append({"id": step_id, "type": kind, "params": checked})
        else:
            errors.add("steps", f"Unknown step {str(kind)[:40]}.")
    if depth == 0 and count_steps(cleaned) > MAX_STEPS:
        errors.add("steps", f"Use at most {MAX_STEPS} steps.")
    return cleaned


def count_steps(steps: list) -> int:
    return sum(1 + count_steps(step.get("then") or []) + count_steps(step.get("else") or []) for step in steps)


def _clean(data: dict, *, workflow: Workflow | None) -> dict:
    """The workflow's settings from `data`, or ValidationFailed naming every problem at once."""
    check_known_keys(data, FIELDS)
    errors = Errors()
    cleaned = {}
    creating = workflow is None
    name = clean_text(data, "name", errors, max_length=120, required=creating, label="Name")
    if name is not None:
        if not name:
            errors.add("name", "Name is required.")
        cleaned["name"] = name
    description = clean_text(data, "description", errors, max_length=500, label="Description")
    if description is not None:
        cleaned["description"] = description
    if "trigger" in data or creating:
        cleaned["trigger"] = _check_trigger(data.get("trigger"), errors)
    trigger = cleaned.get("trigger", workflow.trigger if workflow else {})
    record_type = trigger_record_type(trigger)
    fields = condition_fields(record_type) if record_type is not None else {}
    if "conditions" in data:
        cleaned["conditions"] = check_conditions(data["conditions"], fields, errors)
    if "steps" in data:
        cleaned["steps"] = _check_steps(data["steps"], record_type, errors)
    cleaned.update(clean_flags(data, ("is_active",), errors))
    errors.raise_if_any()
    return cleaned


# ---------------------------------------------------------------------------- writes


def create_workflow(data: dict, *, actor) -> Workflow:
    check_permission(actor, "automations.create")
    check_feature("automations")
    check_writable()
    cleaned = _clean(data, workflow=None)
    if cleaned.get("is_active"):
        enforce("automations")
    workflow = Workflow(
        secret=new_signing_secret(),
        created_by_id=creator_id(actor),
        **{"conditions": {}, "steps": [], **cleaned},
    )
    add_audited(workflow, "workflow.created", actor=actor)
    listeners_changed()
    return workflow


def update_workflow(workflow: Workflow, data: dict, *, actor) -> Workflow:
    check_permission(actor, "automations.edit")
    check_feature("automations")
    check_writable()
    cleaned = _clean(data, workflow=workflow)
    if cleaned.get("is_active") and not workflow.is_active:
        enforce("automations")
    changed = sorted(apply_changes(workflow, cleaned))
    db.session.flush()
    listeners_changed()
    if changed:
        record_audit(
            "workflow.updated", actor=actor, target=workflow, target_label=workflow.name, details={"changed": changed}
        )
    return workflow


def keep_forms_that_start_workflows(form: WebForm) -> None:
    """A form a workflow starts on is kept (409) until that workflow is given another trigger or
    deleted: deleted, it left the workflow waiting for submissions that can never come."""
    names = sorted(
        workflow.name
        for workflow in db.session.scalars(select(Workflow))
        if (workflow.trigger or {}).get("type") == "form_submitted"
        and (workflow.trigger or {}).get("form_id") == str(form.id)
    )
    if len(names) == 1:
        raise Conflict(
            f"The workflow “{names[0]}” starts when this form is submitted: give it another trigger, "
            "or delete it, before deleting the form."
        )
    if names:
        raise Conflict(
            f"The workflows {', '.join(f'“{name}”' for name in names)} start when this form is submitted: "
            "give them another trigger, or delete them, before deleting the form."
        )


def set_workflow_active(workflow: Workflow, active: bool, *, actor) -> Workflow:
    return update_workflow(workflow, {"is_active": active}, actor=actor)


def rotate_workflow_secret(workflow: Workflow, *, actor) -> Workflow:
    """A new secret for the workflow's webhook steps (the old one leaked, say): every request
    from now on is signed with it, and the old one checks nothing."""
    check_permission(actor, "automations.edit")
    check_feature("automations")
    check_writable()
    workflow.secret = new_signing_secret()
    db.session.flush()
    record_audit("workflow.secret_rotated", actor=actor, target=workflow, target_label=workflow.name)
    return workflow


def delete_workflow(workflow: Workflow, *, actor) -> None:
    check_permission(actor, "automations.delete")
    record_audit("workflow.deleted", actor=actor, target=workflow, target_label=workflow.name)
    db.session.delete(workflow)
    db.session.flush()


def add_step(workflow: Workflow, step: dict, *, placement: str = "", actor) -> Workflow:
    """Append a step at the top level, or inside an if/else (`placement` "<branch id>:then")."""
    steps = [dict(item) for item in workflow.steps or []]
    if placement:
        branch_id, _, arm = placement.partition(":")
        target = _find_branch(steps, branch_id)
        if target is None or arm not in ("then", "else"):
            raise ValidationFailed("Choose where the step goes.", details={"placement": ["Unknown place."]})
        target[arm] = [*(target.get(arm) or []), step]
    else:
        steps.append(step)
    return update_workflow(workflow, {"steps": steps}, actor=actor)


def remove_step(workflow: Workflow, step_id: str, *, actor) -> Workflow:
    return update_workflow(workflow, {"steps": _without(workflow.steps or [], step_id)}, actor=actor)


def move_step(workflow: Workflow, step_id: str, offset: int, *, actor) -> Workflow:
    return update_workflow(workflow, {"steps": _moved(workflow.steps or [], step_id, offset)}, actor=actor)


def _find_branch(steps, branch_id):
    for step in steps:
        if step.get("type") == "branch":
            if step.get("id") == branch_id:
                return step
            found = _find_branch(step.get("then") or [], branch_id) or _find_branch(step.get("else") or [], branch_id)
            if found is not None:
                return found
    return None


def _without(steps, step_id):
    kept = []
    for step in steps:
        if step.get("id") == step_id:
            continue
        if step.get("type") == "branch":
            step = {
                **step,
                "then": _without(step.get("then") or [], step_id),
                "else": _without(step.get("else") or [], step_id),
            }
        kept.append(step)
    return kept


def _moved(steps, step_id, offset):
    steps = list(steps)
    for index, step in enumerate(steps):
        if step.get("id") == step_id:
            target = min(max(index + offset, 0), len(steps) - 1)
            steps.insert(target, steps.pop(index))
            return steps
    return [
        {
            **step,
            "then": _moved(step.get("then") or [], step_id, offset),
            "else": _moved(step.get("else") or [], step_id, offset),
        }
        if step.get("type") == "branch"
        else step
        for step in steps
    ]


# ---------------------------------------------------------------------------- for the pages


def describe_trigger(trigger: dict, forms: dict | None = None) -> str:
    trigger = trigger or {}
    kind = trigger.get("type")
    record_type = find_record_type(trigger.get("record_type"))
    label = record_type.label.lower() if record_type else "record"
    if kind == "record_created":
        return f"A {label} is created"
    if kind == "record_updated":
        return f"A {label} is updated"
    if kind == "field_changed":
        name, value = trigger.get("field"), trigger.get("value")
        # One read of the catalogue (it holds the tenant's custom fields): the field's label
        # and, for a field of fixed choices, the label of the value ("paid_ads" reads "Paid ads").
        entry = next((item for item in field_catalogue(record_type) if item["name"] == name), {}) if record_type else {}
        field = entry.get("label", name) if record_type else ""
        if value and isinstance(entry.get("choices"), dict):
            value = entry["choices"].get(value, value)
        return f"A {label}'s {str(field).lower()} changes" + (f" to “{value}”" if value else "")
    if kind == "form_submitted":
        form_id = trigger.get("form_id")
        if not form_id:
            return "Any web form is submitted"
        name = (forms or {}).get(form_id) or db.session.scalar(
            select(WebForm.name).where(WebForm.id == parse_uuid(form_id))
        )
        if name is None:  # deleted before forms that start workflows were kept
            return "A deleted form is submitted: this workflow cannot run until you choose another form"
        return f"The form “{name}” is submitted"
    if kind == "event":
        return f"{event_types().get(trigger.get('event'), trigger.get('event'))}"
    if kind == "date_reached" and record_type:
        field = schedules.date_fields(record_type).get(trigger.get("field"), trigger.get("field"))
        before = int(trigger.get("days_before") or 0)
        when = (
            f"{plural(before, 'day')} before"
            if before > 0
            else (f"{plural(-before, 'day')} after" if before < 0 else "on")
        )
        return f"{when} a {label}'s {str(field).lower()}"
    if kind == "no_activity":
        return f"A {label} has no activity for {plural(int(trigger.get('days') or 0), 'day')}"
    if kind == "schedule":
        return f"Every day at {int(trigger.get('hour') or 0):02d}:00 ({tenant_zone().key}), for each {label}"
    return "No trigger"


def branch_places(steps: list, prefix: str = "", where: str = "") -> list[tuple[str, str]]:
    """(placement, label) of every arm of every if/else, for "add the step inside…": "Step 2,
    if yes"; inside it, "Step 2.1 (in step 2, if no), if yes"."""
    places = []
    for index, step in enumerate(steps):
        if step.get("type") == "branch":
            name = f"{prefix}{index + 1}"
            places.append((f"{step['id']}:then", f"Step {name}{where}, if yes"))
            places.append((f"{step['id']}:else", f"Step {name}{where}, if no"))
            places += branch_places(step.get("then") or [], f"{name}.", f" (in step {name}, if yes)")
            places += branch_places(step.get("else") or [], f"{name}.", f" (in step {name}, if no)")
    return places
