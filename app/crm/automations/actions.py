"""The steps a workflow can take. Each action says how its settings are checked, what it does
to a record, and what it *would* do (test mode, which must write nothing).

Record changes go through the kit's services with the workflow's actor, so the one validator,
permissions, plan limits and domain events apply exactly as for a person. Other domains add
their actions (send an email, create a task, move a deal) with `register_action`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import select

from app.auth.models import Role, User
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.ids import parse_uuid
from app.core.ssrf import UnsafeUrl, check_url
from app.core.validation import Errors
from app.crm.activities.services import log_activity
from app.crm.tags.models import Tag
from app.crm.webhooks.sender import post_signed
from app.messaging.services import queue_email
from app.records.capabilities import Context
from app.records.catalogue import field_catalogue
from app.records.normalize import Invalid
from app.records.services import update_record
from app.records.validation import clean_input


@dataclass(frozen=True)
class Param:
    name: str
    label: str
    kind: str = "text"  # text, longtext, select, multiselect, number
    choices: Callable | None = None  # (record_type) -> [(value, label)]
    help: str = ""


@dataclass
class StepContext:
    workflow: object
    run: object
    record_type: object
    record: object
    actor: object
    dry_run: bool = False
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Action:
    key: str
    label: str
    params: tuple[Param, ...]
    check: Callable  # (params, record_type, errors) -> cleaned params
    run: Callable  # (context, params) -> result dict
    preview: Callable  # (context, params) -> sentence
    applies_to: Callable = lambda record_type: True
    # Permissions beyond reading and writing records that the workflow's actor needs for it.
    needs: tuple[str, ...] = ()


ACTIONS: dict[str, Action] = {}


def register_action(action: Action) -> None:
    ACTIONS[action.key] = action


def available_actions(record_type) -> dict[str, Action]:
    return {key: action for key, action in ACTIONS.items() if record_type is None or action.applies_to(record_type)}


def describe_params(action: Action, params: dict, record_type) -> list[tuple[str, str]]:
    """(label, value) of a step's settings as people read them: the name of the tag, users,
    template or stage the step keeps by id, the label of a choice it keeps by key."""
    described = []
    for param in action.params:
        value = (params or {}).get(param.name)
        if value in (None, "", []):
            continue
        if param.choices is not None:
            labels = dict(param.choices(record_type))
            items = value if isinstance(value, list) else [value]
            text = ", ".join(labels.get(str(item), "no longer available") for item in items)
        else:
            text = str(value)
        described.append((param.label, text))
    return described


def _text(params: dict, name: str, errors: Errors, *, label: str, max_length: int = 500, required=True) -> str:
    value = params.get(name)
    value = "" if value is None else str(value).strip()
    if required and not value:
        errors.add(name, f"{label} is required.")
    if len(value) > max_length:
        errors.add(name, f"Use at most {max_length} characters.")
    return value


# ---------------------------------------------------------------------------- update a field


def _writable_fields(record_type) -> list[tuple[str, str]]:
    if record_type is None:
        return []
    keys = set(record_type.input_keys())
    return [
        (entry["name"], entry["label"])
        for entry in field_catalogue(record_type)
        if entry["name"] in keys and not entry.get("read_only") and entry["name"] not in ("tag_ids", "owner_id")
    ] + [
        (entry["name"], entry["label"])
        for entry in field_catalogue(record_type)
        if entry["name"].startswith("custom_fields.")
    ]


def _field_input(record_type, name: str, value) -> dict:
    if name.startswith("custom_fields."):
        return {"custom_fields": {name.split(".", 1)[1]: value}}
    return {name: value}


def _check_update(params, record_type, errors):
    name = params.get("field")
    if not isinstance(name, str) or name not in dict(_writable_fields(record_type)):
        errors.add("field", "Choose a field the workflow's records have.")
    value = _text(params, "value", errors, label="Value", required=False)
    # The value its record would refuse (an empty name, a status it has not) is refused now:
    # saved, the step failed every run that reached it.
    field = record_type.field(name) if not errors.has("field") and not errors.has("value") else None
    if field is not None:
        try:
            field.check(value or None, Context(record_type, None, {name: value or None}, None))
        except Invalid as exc:
            for message in exc.messages:
                errors.add("value", message)
    return {"field": name, "value": value}


def _run_update(context, params):
    data = _field_input(context.record_type, params["field"], params["value"] or None)
    update_record(context.record_type, context.record, data, actor=context.actor)
    return {"field": params["field"], "value": params["value"]}


def _preview_update(context, params):
    try:
        clean_input(
            context.record_type,
            _field_input(context.record_type, params["field"], params["value"] or None),
            record=context.record,
            actor=context.actor,
        )
    except ValidationFailed as exc:
        problems = "; ".join(exc.detail_messages())
        return f"Would fail to set {params['field']}: {problems}"
    return f"Would set {params['field']} to “{params['value']}” (now “{context.values.get(params['field'], '')}”)"


# ---------------------------------------------------------------------------- settings naming a row


def check_row_id(params, name: str, model, errors: Errors, message: str) -> dict:
    """{name: the id} of the `model` row (a tag, a stage) that `params[name]` names; `message`
    when it names none of this workspace's."""
    row_id = parse_uuid(params.get(name))
    if row_id is None or db.session.scalar(select(model.id).where(model.id == row_id)) is None:
        errors.add(name, message)
    return {name: str(row_id) if row_id else ""}


def named_row(params, name: str, model, noun: str):
    """The `model` row `params[name]` names: it may have been deleted since the step was saved."""
    row = db.session.scalar(select(model).where(model.id == parse_uuid(params[name])))
    if row is None:
        message = f"The {noun} no longer exists."
        raise ValidationFailed(message, details={name: [message]})
    return row


# ---------------------------------------------------------------------------- tags


def tag_choices(record_type=None):
    return [(str(tag.id), tag.name) for tag in db.session.scalars(select(Tag).order_by(Tag.name))]


def _check_tag(params, record_type, errors):
    return check_row_id(params, "tag_id", Tag, errors, "Choose a tag.")


def _tag(params) -> Tag:
    return named_row(params, "tag_id", Tag, "tag")


def _set_tag(context, params, *, present: bool):
    """Give the record the tag (`present`) or take it away; unchanged when it already is so."""
    tag = _tag(params)
    current = list(context.record.tags)
    changed = (tag in current) != present
    if changed:
        ids = [item.id for item in current if item.id != tag.id] + ([tag.id] if present else [])
        update_record(context.record_type, context.record, {"tag_ids": ids}, actor=context.actor)
    return {"tag": tag.name, "changed": changed}


def _tag_action(key: str, label: str, verb: str, *, present: bool) -> Action:
    return Action(
        key,
        label,
        (Param("tag_id", "Tag", "select", tag_choices),),
        _check_tag,
        partial(_set_tag, present=present),
        lambda context, params: f"Would {verb} the tag {_tag(params).name}",
        _has_tags,
    )


def _has_tags(record_type) -> bool:
    return record_type is not None and record_type.has("tags")


# ---------------------------------------------------------------------------- notes


def _check_note(params, record_type, errors):
    return {"body": _text(params, "body", errors, label="Note", max_length=5000)}


def _run_note(context, params):
    activity = log_activity(
        {"type": "note", "body": params["body"], f"{context.record_type.name}_id": str(context.record.id)},
        actor=context.actor,
    )
    return {"activity_id": str(activity.id)}


# ---------------------------------------------------------------------------- owner (round robin)


def user_choices(record_type=None):
    users = db.session.scalars(select(User).where(User.is_active_user).order_by(User.name, User.email))
    return [(str(user.id), user.display_name) for user in users]


def _check_assign(params, record_type, errors):
    raw = params.get("user_ids") or []
    if isinstance(raw, str):
        raw = [part for part in raw.split(",") if part.strip()]
    ids = [parse_uuid(item) for item in raw] if isinstance(raw, list) else []
    known = {str(user_id) for user_id in db.session.scalars(select(User.id).where(User.id.in_([i for i in ids if i])))}
    if not ids or any(item is None or str(item) not in known for item in ids):
        errors.add("user_ids", "Choose one or more users of this workspace.")
    return {"user_ids": [str(item) for item in ids if item]}


def _next_owner(workflow, user_ids: list[str], *, advance: bool):
    users = {
        str(user.id): user
        for user in db.session.scalars(
            select(User).where(User.id.in_([parse_uuid(i) for i in user_ids]), User.is_active_user)
        )
    }
    active = [user_id for user_id in user_ids if user_id in users]
    if not active:
        return None
    position = workflow.round_robin_position or 0
    if advance:
        workflow.round_robin_position = position + 1
    return users[active[position % len(active)]]


def _run_assign(context, params):
    owner = _next_owner(context.workflow, params["user_ids"], advance=True)
    if owner is None:
        raise ValidationFailed("None of the chosen users is active.", details={"user_ids": ["No active user."]})
    update_record(context.record_type, context.record, {"owner_id": str(owner.id)}, actor=context.actor)
    return {"owner": owner.display_name, "owner_id": str(owner.id)}


def _preview_assign(context, params):
    owner = _next_owner(context.workflow, params["user_ids"], advance=False)
    return f"Would assign the owner to {owner.display_name}" if owner else "Would fail: no chosen user is active"


# ---------------------------------------------------------------------------- webhook


def _check_webhook(params, record_type, errors):
    url = _text(params, "url", errors, label="URL", max_length=2000)
    if url:
        try:
            check_url(url)
        except UnsafeUrl as exc:
            errors.add("url", str(exc))
    return {"url": url}


def _run_webhook(context, params):
    payload = {
        "type": "workflow.step",
        "workflow": {"id": str(context.workflow.id), "name": context.workflow.name},
        "run_id": str(context.run.id),
        "record_type": context.record_type.name,
        "record": context.values,
    }
    result = post_signed(params["url"], payload, secret=context.workflow.secret)
    if not result.ok:
        raise StepFailed(result.error or "The receiver refused the call.", {"status": result.status})
    return {"status": result.status, "ms": result.duration_ms}


# ---------------------------------------------------------------------------- internal notification

NOTIFY_ROLES = {"owner_of_record": "The record's owner", **{role: f"Every {role}" for role in Role.ALL}}


def _check_notify(params, record_type, errors):
    recipients = params.get("recipients") or "owner_of_record"
    if not isinstance(recipients, str) or recipients not in NOTIFY_ROLES:
        errors.add("recipients", "Choose who is told.")
    return {"recipients": recipients, "message": _text(params, "message", errors, label="Message", max_length=2000)}


def _recipients(context, params) -> list:
    if params["recipients"] == "owner_of_record":
        owner = getattr(context.record, "owner", None)
        return [owner] if owner is not None and owner.is_active_user else []
    return list(
        db.session.scalars(
            select(User).where(User.role == params["recipients"], User.is_active_user).order_by(User.email)
        )
    )


def _run_notify(context, params):
    people = _recipients(context, params)
    label = context.record_type.title_of(context.record)
    for person in people:
        queue_email(
            person.email,
            "automation_notification",
            subject=f"{context.workflow.name}: {label}"[:200],
            context={"user": person, "message": params["message"], "record_label": label, "workflow": context.workflow},
        )
    return {"notified": [person.email for person in people]}


def _preview_notify(context, params):
    people = _recipients(context, params)
    names = ", ".join(person.display_name for person in people) or "nobody (no recipient)"
    return f"Would email {names}: “{params['message'][:80]}”"


class StepFailed(Exception):
    """An action that could not do its work (a receiver answered 500, say): the run fails and
    can be replayed."""

    def __init__(self, message: str, result: dict | None = None):
        super().__init__(message)
        self.result = result or {}


register_action(
    Action(
        "update_field",
        "Update a field",
        (Param("field", "Field", "select", _writable_fields), Param("value", "New value")),
        _check_update,
        _run_update,
        _preview_update,
    )
)
register_action(_tag_action("add_tag", "Add a tag", "add", present=True))
register_action(_tag_action("remove_tag", "Remove a tag", "remove", present=False))
register_action(
    Action(
        "create_note",
        "Add a note to the timeline",
        (Param("body", "Note", "longtext"),),
        _check_note,
        _run_note,
        lambda context, params: f"Would add the note “{params['body'][:80]}”",
        lambda record_type: record_type is not None and record_type.has("timeline"),
        needs=("activities.create",),
    )
)
register_action(
    Action(
        "assign_owner",
        "Assign an owner (round robin)",
        (Param("user_ids", "Users, in turn", "multiselect", user_choices),),
        _check_assign,
        _run_assign,
        _preview_assign,
        lambda record_type: record_type is not None and record_type.has("owner"),
    )
)
register_action(
    Action(
        "call_webhook",
        "Call a webhook",
        (Param("url", "URL", help="Signed like webhook subscriptions, with this workflow's secret"),),
        _check_webhook,
        _run_webhook,
        lambda context, params: f"Would POST the record to {params['url']}",
    )
)
register_action(
    Action(
        "notify",
        "Notify the team by email",
        (
            Param("recipients", "Who", "select", lambda record_type: list(NOTIFY_ROLES.items())),
            Param("message", "Message", "longtext"),
        ),
        _check_notify,
        _run_notify,
        _preview_notify,
    )
)
