"""Custom fields in the OpenAPI document: each record type's `custom_fields` property and its
`cf.<key>` list filters, typed from this tenant's definitions (a filler of app.api.spec)."""

from sqlalchemy import select

from app.api.listing import CUSTOM_FILTERS_MARKER
from app.core.extensions import db
from app.crm.fields.capability import CUSTOM_FIELDS_MARKER
from app.crm.fields.models import FieldDefinition, FieldType


def custom_field_schema(definition) -> dict:
    """JSON Schema for one custom field definition's value."""
    kind = definition.field_type
    schema: dict
    if kind == FieldType.NUMBER:
        schema = {"type": "number"}
    elif kind == FieldType.DATE:
        schema = {"type": "string", "format": "date"}
    elif kind == FieldType.CHECKBOX:
        schema = {"type": "boolean"}
    elif kind == FieldType.URL:
        schema = {"type": "string", "format": "uri"}
    elif kind == FieldType.SINGLE_SELECT:
        schema = {"type": "string", "enum": list(definition.options or [])}
    elif kind == FieldType.MULTI_SELECT:
        schema = {"type": "array", "items": {"type": "string", "enum": list(definition.options or [])}}
    else:
        schema = {"type": "string"}
    schema["title"] = definition.label
    if definition.help_text:
        schema["description"] = definition.help_text
    if not definition.required:
        schema["nullable"] = True
    return schema


def custom_filter_parameter(definition) -> dict:
    """A `cf.<key>` query parameter: text fields match a fragment, the others a value."""
    value = custom_field_schema(definition)
    value.pop("nullable", None)
    value.pop("title", None)
    if definition.field_type == FieldType.MULTI_SELECT:
        value = dict(value["items"])
    elif definition.field_type in (FieldType.URL, FieldType.DATE):
        value = {"type": "string"}
    how = "contains" if definition.field_type in (FieldType.TEXT, FieldType.LONG_TEXT, FieldType.URL) else "equals"
    return {
        "name": f"cf.{definition.key}",
        "in": "query",
        "required": False,
        "schema": value,
        "description": f"{definition.label} {how} this value",
    }


def _definitions_by_object() -> dict[str, list]:
    grouped: dict[str, list] = {}
    for definition in db.session.scalars(
        select(FieldDefinition).order_by(FieldDefinition.object_type, FieldDefinition.position, FieldDefinition.key)
    ):
        grouped.setdefault(definition.object_type, []).append(definition)
    return grouped


def _fill_custom_fields(node, definitions: dict[str, list]) -> None:
    if isinstance(node, dict):
        filters_of = node.pop(CUSTOM_FILTERS_MARKER, None)
        if filters_of is not None:
            node.setdefault("parameters", []).extend(
                custom_filter_parameter(field) for field in definitions.get(filters_of, [])
            )
        object_type = node.get(CUSTOM_FIELDS_MARKER)
        if object_type is not None:
            fields = definitions.get(object_type, [])
            node["type"] = "object"
            node["properties"] = {field.key: custom_field_schema(field) for field in fields}
            node["description"] = (
                "This workspace's custom fields for this object, by key."
                if fields
                else "This workspace defines no custom fields for this object yet."
            )
        for value in node.values():
            _fill_custom_fields(value, definitions)
    elif isinstance(node, list):
        for value in node:
            _fill_custom_fields(value, definitions)


def fill_custom_fields(document: dict) -> None:
    """The document filler: every marked schema and list gets this tenant's fields."""
    _fill_custom_fields(document, _definitions_by_object())
