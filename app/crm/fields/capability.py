"""The custom fields capability: a tenant's own fields on any record type that declares it.

Values live in the record's `custom_fields` JSON column (the `HasCustomFields` mixin); the
tenant's definitions type them for the validator, the forms, the filters (`cf.<key>`), the
list columns, the API document and the field catalogue.
"""

from flask import g, has_request_context
from marshmallow import fields as ma
from sqlalchemy import func, inspect

from app.core.context import require_tenant_id
from app.core.extensions import db
from app.crm.fields.models import FieldDefinition, FieldType
from app.crm.fields.services import DEFINITIONS_ORDER, list_field_definitions, validate_custom_values
from app.plans.services import entitlements
from app.records.capabilities import Capability, Column, FilterInput, FormSection, ListRead, Panel, catalogue_entry
from app.records.cells import CellColumn, split_list
from app.records.conditions import Condition, column_condition
from app.records.listing import CUSTOM_FILTER_PREFIX
from app.records.loading import Read
from app.tenants.models import Tenant

CUSTOM_FIELDS_MARKER = "x-custom-fields"
LIST_COLUMNS_SHOWN = 3
CATALOGUE_TYPES = {
    FieldType.TEXT: "text",
    FieldType.LONG_TEXT: "long_text",
    FieldType.NUMBER: "number",
    FieldType.DATE: "date",
    FieldType.SINGLE_SELECT: "choice",
    FieldType.MULTI_SELECT: "multi_choice",
    FieldType.CHECKBOX: "boolean",
    FieldType.URL: "url",
}


def all_definitions(object_type: str) -> list:
    """The type's definitions, whatever the plan, read once per request."""
    return definitions_read(object_type).rows()


def visible_definitions(object_type: str) -> list:
    """The type's definitions, or none when the plan lacks custom fields (cached per request)."""
    return all_definitions(object_type) if _plan_allows_custom_fields() else []


def definitions_read(object_type: str) -> ListRead:
    where = (FieldDefinition.object_type == object_type,)
    return ListRead(f"custom_fields:{object_type}", Read(FieldDefinition, where, DEFINITIONS_ORDER))


def _plan_allows_custom_fields() -> bool:
    tenant = g.get("tenant") if has_request_context() else None
    tenant = tenant or db.session.get(Tenant, require_tenant_id())
    return entitlements(tenant).has_feature("custom_fields")


def custom_field_conditions(model, filters: dict, definitions: dict, errors) -> list:
    """WHERE conditions for `cf.<key>` filters: text contains, selects and numbers equal."""
    conditions = []
    for name, value in filters.items():
        if not name.startswith(CUSTOM_FILTER_PREFIX):
            continue
        key = name.removeprefix(CUSTOM_FILTER_PREFIX)
        definition = definitions.get(key)
        if definition is None:
            errors.add(name, "Unknown custom field.")
            continue
        element = model.custom_fields[key]
        kind = definition.field_type
        if kind in (FieldType.TEXT, FieldType.LONG_TEXT, FieldType.URL):
            conditions.append(func.lower(element.as_string()).like(f"%{_escape(str(value).lower())}%", escape="\\"))
        elif kind == FieldType.NUMBER:
            try:
                conditions.append(element.as_float() == float(value))
            except ValueError:
                errors.add(name, "Must be a number.")
        elif kind == FieldType.CHECKBOX:
            conditions.append(element.as_boolean().is_(str(value).lower() in ("1", "true", "yes", "on")))
        elif kind == FieldType.MULTI_SELECT:
            if value not in definition.options:
                errors.add(name, "Choose one of the listed options.")
                continue
            # The stored value is a JSON array of option strings; match the quoted option.
            conditions.append(element.as_string().like(f'%"{_escape(value)}"%', escape="\\"))
        else:
            conditions.append(element.as_string() == str(value))
    return conditions


def _escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def display_value(definition, value) -> str:
    if value is None or value == "" or value == []:
        return ""
    if definition.field_type == FieldType.CHECKBOX:
        return "Yes" if value else "No"
    if definition.field_type == FieldType.MULTI_SELECT:
        return ", ".join(value)
    return str(value)


def form_values(definitions, record) -> dict:
    """{key: what the input shows} for an edit form."""
    stored = (record.custom_fields or {}) if record is not None else {}
    values = {}
    for definition in definitions:
        value = stored.get(definition.key)
        if definition.field_type == FieldType.MULTI_SELECT:
            values[definition.key] = value or []
        elif definition.field_type == FieldType.CHECKBOX:
            values[definition.key] = bool(value)
        else:
            values[definition.key] = "" if value is None else str(value)
    return values


def from_form(definitions, form) -> dict | None:
    """The `custom_fields` input from a submitted form, in the shape the validator takes."""
    if not definitions:
        return None
    values = {}
    for definition in definitions:
        name = f"cf.{definition.key}"
        if definition.field_type == FieldType.MULTI_SELECT:
            values[definition.key] = form.getlist(name)
        elif definition.field_type == FieldType.CHECKBOX:
            values[definition.key] = form.get(name) in ("y", "on", "true", "1")
        else:
            values[definition.key] = form.get(name, "")
    return values


class CustomFieldsCapability(Capability):
    key = "custom_fields"
    label = "Custom fields"
    input_keys = ("custom_fields",)

    def list_reads(self, record_type, actor):
        return [definitions_read(record_type.name)]

    def clean(self, record_type, data, context):
        if "custom_fields" in data:
            current = context.record.custom_fields if context.record is not None else None
            values = validate_custom_values(
                record_type.name,
                data["custom_fields"],
                current=current,
                errors=context.errors,
                definitions=self._definitions(record_type, context),
            )
            return {"custom_fields": values}
        if context.creating:
            definitions = self._definitions(record_type, context)
            return {
                "custom_fields": validate_custom_values(
                    record_type.name, {}, errors=context.errors, definitions=definitions
                )
            }
        return {}

    @staticmethod
    def _definitions(record_type, context) -> list:
        return context.remember(("custom_fields", record_type.name), lambda: list_field_definitions(record_type.name))

    def from_form(self, record_type, form):
        values = from_form(visible_definitions(record_type.name), form)
        return {} if values is None else {"custom_fields": values}

    def apply(self, record_type, record, cleaned, context):
        if "custom_fields" in cleaned:
            record.custom_fields = dict(cleaned["custom_fields"])

    def track(self, record_type, record):
        history = inspect(record).attrs["custom_fields"].history
        if not history.has_changes():
            return {}
        old = (history.deleted[0] if history.deleted else None) or {}
        new = record.custom_fields or {}
        return {
            f"custom_fields.{key}": (old.get(key), new.get(key))
            for key in sorted(set(old) | set(new))
            if old.get(key) != new.get(key)
        }

    def dump(self, record_type, record):
        return {"custom_fields": dict(record.custom_fields or {})}

    def schema_fields(self, record_type, *, for_input):
        metadata = {CUSTOM_FIELDS_MARKER: record_type.name, "description": "Custom field values by key"}
        return {"custom_fields": ma.Dict(keys=ma.String(), metadata=metadata, required=not for_input)}

    def filter_conditions(self, record_type, filters, errors):
        if not any(key.startswith(CUSTOM_FILTER_PREFIX) for key in filters):
            return []
        definitions = {item.key: item for item in all_definitions(record_type.name)}
        return custom_field_conditions(record_type.model, filters, definitions, errors)

    def columns(self, record_type):
        return [
            Column(
                f"cf.{item.key}",
                item.label,
                "custom",  # the kit's own cell: an include per cell copied the whole page context (9 % of the list's calls)
                priority=3,
                default=index < LIST_COLUMNS_SHOWN,
                data=item,
            )
            for index, item in enumerate(visible_definitions(record_type.name))
        ]

    def filter_inputs(self, record_type):
        inputs = []
        for item in visible_definitions(record_type.name):
            name = f"{CUSTOM_FILTER_PREFIX}{item.key}"
            if item.field_type == FieldType.CHECKBOX:
                inputs.append(FilterInput(name, item.label, "select", [("true", "Yes"), ("false", "No")]))
            elif item.field_type in FieldType.WITH_OPTIONS:
                inputs.append(FilterInput(name, item.label, "select", [(option, option) for option in item.options]))
            elif item.field_type == FieldType.DATE:
                inputs.append(FilterInput(name, item.label, "date"))
            elif item.field_type == FieldType.NUMBER:
                inputs.append(FilterInput(name, item.label, "number"))
            else:
                inputs.append(FilterInput(name, item.label, "text"))
        return inputs

    def panels(self, record_type):
        return [Panel("custom_fields", "records/_custom_facts.html", _facts, order=50)]

    def form_sections(self, record_type):
        return [FormSection("custom_fields", "records/_custom_inputs.html", _inputs, order=50)]

    def catalogue(self, record_type):
        return [
            catalogue_entry(
                f"custom_fields.{item.key}",
                item.label,
                CATALOGUE_TYPES.get(item.field_type, "text"),
                required=item.required,
                filterable=True,
                choices={option: option for option in item.options} if item.options else None,
                custom=True,
            )
            for item in list_field_definitions(record_type.name)
        ]

    def export_columns(self, record_type):
        return [(f"cf.{item.key}", item.label, _reader(item)) for item in visible_definitions(record_type.name)]

    def cell_columns(self, record_type):
        """A column per custom field: text as it is, multi-selects comma-separated."""

        def column(definition):
            # Plain values, not the definition row: exports read these columns while the file
            # streams, after the request's session is gone.
            key, several = definition.key, definition.field_type == FieldType.MULTI_SELECT

            def read(record):
                value = (record.custom_fields or {}).get(key)
                if several and value:
                    return ", ".join(value)
                return "" if value is None else value

            def write(text, data, lookups):
                data.setdefault("custom_fields", {})[key] = split_list(text) if several else text

            return CellColumn(f"cf.{key}", definition.label, read, write)

        return [column(item) for item in visible_definitions(record_type.name)]

    def conditions(self, record_type):
        return [_custom_condition(record_type.model, item) for item in list_field_definitions(record_type.name)]


CONDITION_KINDS = {
    FieldType.NUMBER: "number",
    FieldType.DATE: "date",
    FieldType.SINGLE_SELECT: "choice",
    FieldType.MULTI_SELECT: "multi_choice",
    FieldType.CHECKBOX: "boolean",
}


def _custom_condition(model, definition):
    """A custom field as a segment condition over its JSON value (numbers as numbers, dates
    as ISO text, which orders like dates)."""
    key = f"custom_fields.{definition.key}"
    element = model.custom_fields[definition.key]
    kind = CONDITION_KINDS.get(definition.field_type, "text")
    choices = {option: option for option in definition.options} if definition.options else None
    if kind == "multi_choice":

        def build(operator, value, context):
            if value not in (choices or {}):
                return context.invalid("Choose one of the listed options.")
            included = func.coalesce(element.as_string(), "").like(f'%"{_escape(value)}"%', escape="\\")
            return included if operator == "has" else ~included

        return Condition(key, definition.label, kind, build, choices=choices, group="Custom fields")
    expression = {
        "number": element.as_float(),
        "boolean": element.as_boolean(),
    }.get(kind, element.as_string())
    return column_condition(key, definition.label, kind, expression, choices=choices, group="Custom fields")


def _reader(definition):
    def read(record):
        value = (record.custom_fields or {}).get(definition.key)
        if definition.field_type == FieldType.MULTI_SELECT and value:
            return ", ".join(value)
        return "" if value is None else value

    return read


def _facts(record_type, record) -> dict:
    definitions = visible_definitions(record_type.name)
    return {"definitions": definitions, "values": record.custom_fields or {}}


def _inputs(record_type, record, form, errors) -> dict:
    definitions = visible_definitions(record_type.name)
    values = form_values(definitions, record) if form is None else _submitted(definitions, form)
    return {"definitions": definitions, "values": values, "errors": errors}


def _submitted(definitions, form) -> dict:
    values = from_form(definitions, form) or {}
    return {key: ("" if value is None else value) for key, value in values.items()}


CUSTOM_FIELDS = CustomFieldsCapability()
