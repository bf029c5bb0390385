"""Custom field definitions (plan-limited, feature-gated) and validation of record values."""

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from sqlalchemy import func, select, text

from app.auth.permissions import check_permission
from app.core.audit import record_audit
from app.core.context import require_tenant_id
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.lookups import get_or_404
from app.core.numbers import typed_decimal
from app.core.validation import Errors, check_known_keys, clean_text
from app.crm.fields.models import FieldDefinition, FieldType
from app.plans.services import check_feature, enforce
from app.records.normalize import parse_bool
from app.records.registry import find_record_type, record_types_with
from app.records.setting_services import apply_changes

FIELDS_ON_CREATE = ("object_type", "label", "key", "field_type", "required", "options", "help_text")
FIELDS_ON_UPDATE = ("label", "required", "options", "help_text", "position")
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_OPTIONS = 50
TEXT_LIMITS = {FieldType.TEXT: 255, FieldType.LONG_TEXT: 10_000, FieldType.URL: 2_000}


def custom_field_types() -> dict[str, str]:
    """{record type name: plural label} of every type that has custom fields."""
    return {item.name: item.label_plural for item in record_types_with("custom_fields")}


def count_field_definitions(tenant_id) -> int:
    return db.session.scalar(select(func.count()).select_from(FieldDefinition))


def get_field_definition(definition_id) -> FieldDefinition:
    return get_or_404(FieldDefinition, definition_id)


DEFINITIONS_ORDER = (FieldDefinition.object_type, FieldDefinition.position, FieldDefinition.created_at)


def list_field_definitions(object_type: str | None = None) -> list[FieldDefinition]:
    stmt = select(FieldDefinition).order_by(*DEFINITIONS_ORDER)
    if object_type is not None:
        stmt = stmt.where(FieldDefinition.object_type == object_type)
    return list(db.session.scalars(stmt))


def key_from_label(label: str) -> str:
    key = re.sub(r"[^a-z0-9]+", "_", (label or "").lower()).strip("_")
    if key and not key[0].isalpha():
        key = "f_" + key
    return key[:64]


def _clean_options(value, field_type: str, errors: Errors) -> list[str]:
    if field_type not in FieldType.WITH_OPTIONS:
        return []
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list | tuple):
        errors.add("options", "Send the options as a list.")
        return []
    options = []
    for option in value:
        if not isinstance(option, str):
            errors.add("options", "Options must be text.")
            return []
        option = option.strip()
        if not option:
            continue
        if len(option) > 80:
            errors.add("options", "Keep each option under 80 characters.")
            return []
        if option.lower() in (existing.lower() for existing in options):
            errors.add("options", f"“{option}” is listed twice.")
            return []
        options.append(option)
    if not options:
        errors.add("options", "Add at least one option, one per line.")
    elif len(options) > MAX_OPTIONS:
        errors.add("options", f"Use at most {MAX_OPTIONS} options.")
    return options


def _clean_bool(value, key: str, errors: Errors) -> bool | None:
    parsed = parse_bool(value)
    if parsed is None:
        errors.add(key, "Must be true or false.")
    return parsed


# Who may define, change, order and delete custom fields: the fields page's rule, here so that
# the API obeys it too.
MANAGE = "fields.manage"


def create_field_definition(data: dict, *, actor) -> FieldDefinition:
    check_permission(actor, MANAGE)
    check_feature("custom_fields")
    check_known_keys(data, FIELDS_ON_CREATE)
    errors = Errors()
    object_type = data.get("object_type")
    types = custom_field_types()
    if object_type not in types:
        errors.add("object_type", "Choose one of: " + ", ".join(types) + ".")
    label = clean_text(data, "label", errors, max_length=80, required=True, label="Label")
    field_type = data.get("field_type")
    if field_type not in FieldType.ALL:
        errors.add("field_type", "Choose a field type.")
    key = (data.get("key") or "").strip().lower() if isinstance(data.get("key"), str | None) else None
    key = key or key_from_label(label or "")
    if not KEY_PATTERN.match(key or ""):
        errors.add("key", "Use lower-case letters, digits and underscores, starting with a letter.")
    elif object_type in types and db.session.scalar(
        select(FieldDefinition.id).where(FieldDefinition.object_type == object_type, FieldDefinition.key == key)
    ):
        errors.add("key" if data.get("key") else "label", "A field with this key already exists for this object.")
    required = _clean_bool(data.get("required", False), "required", errors)
    options = _clean_options(data.get("options", []), field_type, errors) if field_type in FieldType.ALL else []
    help_text = clean_text(data, "help_text", errors, max_length=200) or ""
    errors.raise_if_any()
    enforce("custom_fields")
    position = db.session.scalar(
        select(func.coalesce(func.max(FieldDefinition.position), -1)).where(FieldDefinition.object_type == object_type)
    )
    definition = FieldDefinition(
        object_type=object_type,
        key=key,
        label=label,
        field_type=field_type,
        required=required,
        options=options,
        help_text=help_text,
        position=position + 1,
    )
    db.session.add(definition)
    db.session.flush()
    record_audit("custom_field.created", actor=actor, target=definition, target_label=f"{object_type}.{key}")
    return definition


def update_field_definition(definition: FieldDefinition, data: dict, *, actor) -> FieldDefinition:
    """Label, required, options, help text and position change; key and type never do."""
    check_permission(actor, MANAGE)
    check_feature("custom_fields")
    check_known_keys(data, FIELDS_ON_UPDATE)
    errors = Errors()
    label = clean_text(data, "label", errors, max_length=80, required="label" in data, label="Label")
    required = _clean_bool(data["required"], "required", errors) if "required" in data else None
    options = _clean_options(data["options"], definition.field_type, errors) if "options" in data else None
    help_text = clean_text(data, "help_text", errors, max_length=200)
    position = data.get("position")
    if "position" in data and (not isinstance(position, int) or isinstance(position, bool) or position < 0):
        errors.add("position", "Must be a whole number from 0.")
    errors.raise_if_any()
    sent = {"label": label, "required": required, "options": options, "help_text": help_text, "position": position}
    changes = apply_changes(definition, {name: value for name, value in sent.items() if name in data})
    if changes:
        record_audit(
            "custom_field.updated",
            actor=actor,
            target=definition,
            target_label=f"{definition.object_type}.{definition.key}",
            details={"changes": changes},
        )
    db.session.flush()
    return definition


def move_field_definition(definition: FieldDefinition, direction: str, *, actor) -> None:
    """Swap the field with its neighbour above ("up") or below ("down")."""
    siblings = list_field_definitions(definition.object_type)
    index = siblings.index(definition)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    reorder_field_definitions(definition.object_type, [item.id for item in siblings], actor=actor)


def reorder_field_definitions(object_type: str, ordered_ids: list, *, actor) -> None:
    """Give the object's fields the order of `ordered_ids` (every field must be listed once)."""
    check_permission(actor, MANAGE)
    check_feature("custom_fields")
    definitions = {item.id: item for item in list_field_definitions(object_type)}
    wanted = [item for item in ordered_ids if item in definitions]
    if len(set(wanted)) != len(definitions):
        raise ValidationFailed("List every field of this object once.", details={"order": ["Incomplete order."]})
    for position, definition_id in enumerate(wanted):
        definitions[definition_id].position = position
    db.session.flush()
    record_audit("custom_field.reordered", actor=actor, details={"object_type": object_type})


def delete_field_definition(definition: FieldDefinition, *, actor) -> None:
    """Remove the definition and its values from every record (raw SQL names the tenant)."""
    check_permission(actor, MANAGE)
    tenant_id = require_tenant_id()
    record_type = find_record_type(definition.object_type)
    if record_type is not None:
        _remove_values(record_type.model.__tablename__, definition.key, tenant_id)
    record_audit(
        "custom_field.deleted",
        actor=actor,
        target=definition,
        target_label=f"{definition.object_type}.{definition.key}",
    )
    db.session.delete(definition)
    db.session.flush()


def _remove_values(table: str, key: str, tenant_id) -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        statement = text(
            f"UPDATE {table} SET custom_fields = custom_fields - :key "
            "WHERE tenant_id = :tenant_id AND custom_fields ? :key"
        )
    else:
        statement = text(
            f"UPDATE {table} SET custom_fields = json_remove(custom_fields, :path) "
            "WHERE tenant_id = :tenant_id AND json_type(custom_fields, :path) IS NOT NULL"
        )
    db.session.execute(statement, {"key": key, "path": f'$."{key}"', "tenant_id": _db_uuid(tenant_id)})


def _db_uuid(value):
    """UUIDs as the driver stores them: native on PostgreSQL, 32 hex digits on SQLite."""
    return value if db.session.get_bind().dialect.name == "postgresql" else value.hex


def _clean_value(definition: FieldDefinition, value, errors: Errors):
    """The stored form of one value, or None for "empty"; adds a message when it is invalid."""
    key = f"custom_fields.{definition.key}"
    kind = definition.field_type
    if value is None or (isinstance(value, str) and not value.strip()) or value == []:
        return None
    if kind in (FieldType.TEXT, FieldType.LONG_TEXT, FieldType.URL):
        if not isinstance(value, str):
            errors.add(key, "Must be text.")
            return None
        value = value.strip()
        if len(value) > TEXT_LIMITS[kind]:
            errors.add(key, f"Use at most {TEXT_LIMITS[kind]:,} characters.")
            return None
        if kind == FieldType.URL:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                errors.add(key, "Enter a full web address starting with https://.")
                return None
        return value
    if kind == FieldType.NUMBER:
        if isinstance(value, bool):
            errors.add(key, "Must be a number.")
            return None
        try:
            number = typed_decimal(value)
        except InvalidOperation:
            errors.add(key, "Must be a number, such as 1500 or 1,500.50.")
            return None
        if not number.is_finite() or abs(number) >= Decimal("1e15"):
            errors.add(key, "Must be a number below a quadrillion.")
            return None
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == FieldType.DATE:
        if isinstance(value, date):
            return value.isoformat()
        try:
            return date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            errors.add(key, "Use a date like 2026-01-31.")
            return None
    if kind == FieldType.CHECKBOX:
        return _clean_bool(value, key, errors)
    if kind == FieldType.SINGLE_SELECT:
        if value not in definition.options:
            errors.add(key, "Choose one of the listed options.")
            return None
        return value
    if kind == FieldType.MULTI_SELECT:
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list | tuple) or any(item not in definition.options for item in values):
            errors.add(key, "Choose from the listed options.")
            return None
        return [option for option in definition.options if option in values]
    errors.add(key, "Unknown field type.")
    return None


def validate_custom_values(
    object_type: str, values, *, current: dict | None = None, errors: Errors | None = None, definitions=None
):
    """Check `values` against the object's definitions and return the record's new value dict.

    Only keys present in `values` change (a partial update); an empty value removes the key.
    Required fields must have a value in the result. Unknown keys are refused. With an
    `errors` collector the messages are added to it, otherwise ValidationFailed is raised.
    """
    own_errors = errors is None
    errors = errors if errors is not None else Errors()
    values = values or {}
    if not isinstance(values, dict):
        errors.add("custom_fields", "Send custom fields as an object of key: value.")
        values = {}
    if values:
        check_feature("custom_fields")
    if definitions is None:
        definitions = list_field_definitions(object_type)
    definitions = {item.key: item for item in definitions}
    for key in values:
        if key not in definitions:
            errors.add(f"custom_fields.{key}", "Unknown custom field.")
    result = {key: value for key, value in (current or {}).items() if key in definitions}
    for key, definition in definitions.items():
        if key in values:
            cleaned = _clean_value(definition, values[key], errors)
            if cleaned is None:
                result.pop(key, None)
            else:
                result[key] = cleaned
        checked = current is None or key in values
        if definition.required and checked and result.get(key) in (None, False, "", []):
            errors.add(f"custom_fields.{key}", f"{definition.label} is required.")
    if own_errors:
        errors.raise_if_any()
    return result


# The audit log's words for the actions written here (app/wiring.py registers them).
AUDIT_LABELS = {
    "custom_field.created": "Custom field added",
    "custom_field.updated": "Custom field changed",
    "custom_field.deleted": "Custom field deleted",
    "custom_field.reordered": "Custom fields reordered",
}
