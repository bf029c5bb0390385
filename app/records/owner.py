"""The owner capability: every record of a type that has it belongs to one active user (or none).

The model carries `OwnedRecord` (owner_id and its relationship) and `owner_table_args()`.
A new record belongs to whoever creates it unless the input names someone else.
"""

from flask_login import current_user
from marshmallow import fields as ma
from sqlalchemy import inspect
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.auth.models import User
from app.auth.permissions import acting_user
from app.core.context import require_tenant_id
from app.core.extensions import db
from app.core.ids import parse_uuid
from app.records.capabilities import (
    BulkAction,
    Capability,
    Column,
    FilterInput,
    FormSection,
    ListRead,
    catalogue_entry,
)
from app.records.cells import CellColumn
from app.records.conditions import column_condition
from app.records.loading import Read
from app.records.services import update_record

WORKSPACE_USERS = ListRead("workspace_users", Read(User, order_by=(User.name,)), lambda users: {u.id: u for u in users})


def workspace_users() -> dict:
    """{id: user} of every user of the tenant (former ones too), read once per request: the
    owners of a list's rows, its owner filter and its bulk "Change owner" share it."""
    return WORKSPACE_USERS.rows()


def active_users() -> list[User]:
    return [user for user in workspace_users().values() if user.is_active_user]


def owner_choices() -> list[tuple[str, str]]:
    return [("", "Unassigned")] + [(str(user.id), user.display_name) for user in active_users()]


def find_active_user(value) -> User | None:
    user_id = parse_uuid(value)
    user = db.session.get(User, (require_tenant_id(), user_id)) if user_id else None
    return user if user is not None and user.is_active_user else None


class OwnerCapability(Capability):
    """`label` names the role on pages and in the catalogue: a task's owner is its "Assignee"."""

    key = "owner"
    input_keys = ("owner_id",)
    filter_param = "owner_id"
    filter_description = "user id, 'me' for your own, or 'none' for unassigned"

    def __init__(self, label: str = "Owner"):
        self.label = label

    def list_reads(self, record_type, actor):
        return [WORKSPACE_USERS]

    def clean(self, record_type, data, context):
        if "owner_id" not in data:
            if context.creating:
                user = acting_user(context.actor)
                return {"owner_id": user if isinstance(user, User) else None}
            return {}
        value = data["owner_id"]
        if value in (None, ""):
            return {"owner_id": None}
        user = find_active_user(value)
        if user is None:
            context.errors.add("owner_id", "Choose an active user of this workspace.")
        return {"owner_id": user}

    def from_form(self, record_type, form):
        return {"owner_id": form.get("owner_id") or None} if "owner_id" in form else {}

    def form_sections(self, record_type):
        return [FormSection("owner", "records/_owner_input.html", _owner_input, order=10)]

    def apply(self, record_type, record, cleaned, context):
        if "owner_id" in cleaned:
            owner = cleaned["owner_id"]
            record.owner_id = owner.id if owner is not None else None
            record.owner = owner

    def track(self, record_type, record):
        history = inspect(record).attrs["owner_id"].history
        if not history.has_changes():
            return {}
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            return {}
        return {"owner": (_user_name(old), _user_name(new))}

    def dump(self, record_type, record):
        return {"owner_id": record.owner_id}

    def schema_fields(self, record_type, *, for_input):
        if for_input:
            return {
                "owner_id": ma.UUID(
                    allow_none=True, metadata={"description": "An active user of this workspace; null unassigns"}
                )
            }
        return {"owner_id": ma.UUID(required=True, allow_none=True)}

    def value_conditions(self, record_type, value, errors):
        column = record_type.model.owner_id
        if value == "none":
            return [column.is_(None)]
        if value == "me":
            user = acting_user(current_user) if current_user and current_user.is_authenticated else None
            return [column == getattr(user, "id", None)]
        user_id = parse_uuid(value)
        if user_id is None:
            errors.add("owner_id", "Not a valid id.")
            return []
        return [column == user_id]

    def filter_inputs(self, record_type):
        options = [("me", "Mine"), ("none", "Unassigned"), *owner_choices()[1:]]
        return [FilterInput("owner_id", self.label, "select", options)]

    def loader_options(self, record_type, purpose):
        # The API shows the owner's id, a column; a list takes its owners from workspace_users().
        return [selectinload(record_type.model.owner)] if purpose == "detail" else []

    def after_load(self, record_type, records, purpose):
        if purpose != "list":
            return
        users = workspace_users()
        for record in records:
            set_committed_value(record, "owner", users.get(record.owner_id))

    def columns(self, record_type):
        return [Column("owner", self.label, "owner", priority=2)]

    def bulk_actions(self, record_type):
        return [
            BulkAction(
                "assign_owner",
                f"Change {self.label.lower()}",
                "edit",
                assign_owner,
                "{n} {label} reassigned.",
                param="owner_id",
                choices=owner_choices,
            )
        ]

    def catalogue(self, record_type):
        return [catalogue_entry("owner_id", self.label, "user", filterable=True)]

    def cell_columns(self, record_type):
        def write(text, data, lookups):
            data["owner_id"] = str(lookups.user_id(text)) if text.strip() else None

        read = self.export_columns(record_type)[0][2]
        return [CellColumn("owner", "Owner", read, write, aliases=("owner_id", "owner email"))]

    def conditions(self, record_type):
        # The value is a user id, or "me": whoever the segment is resolved for.
        return [column_condition("owner_id", "Owner", "user", record_type.model.owner_id, group="Record")]

    def export_columns(self, record_type):
        return [("owner", self.label, lambda record: record.owner.email if record.owner is not None else "")]


def _owner_input(record_type, record, form, errors) -> dict:
    if form is not None and "owner_id" in form:
        selected = form.get("owner_id", "")
    elif record is not None:
        selected = str(record.owner_id or "")
    else:
        selected = str(getattr(acting_user(current_user), "id", "") or "")
    label = next((item.label for item in record_type.capabilities if item.key == "owner"), "Owner")
    return {"choices": owner_choices(), "selected": selected, "errors": errors.get("owner_id", []), "label": label}


def _user_name(user_id) -> str | None:
    if user_id is None:
        return None
    user = db.session.get(User, (require_tenant_id(), user_id))
    return user.display_name if user is not None else str(user_id)


def assign_owner(record_type, records, params, actor) -> int:
    for record in records:
        update_record(record_type, record, {"owner_id": params.get("owner_id") or None}, actor=actor)
    return len(records)


OWNER = OwnerCapability()
