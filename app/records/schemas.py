"""Marshmallow schemas of a record type, derived from its declaration: what the API returns,
what it accepts (for the OpenAPI document; the type's validator checks the input), the list
arguments and the page."""

from marshmallow import Schema, fields, validate

from app.api.inputs import InputSchema
from app.api.listing import ListArguments, page_schema, sort_field

_CACHE: dict = {}


def _class_name(record_type) -> str:
    return record_type.label.replace(" ", "")


def output_schema(record_type) -> type[Schema]:
    """`<Label>Schema`: identity, stamps, every declared field and what capabilities add."""
    key = ("out", record_type.name)
    if key not in _CACHE:
        attributes = {
            "id": fields.UUID(dump_only=True, required=True),
            "tenant_id": fields.UUID(dump_only=True, required=True),
        }
        for field in record_type.fields:
            attributes[field.name] = field.schema_field(for_input=False)
        for capability in record_type.capabilities:
            attributes.update(capability.schema_fields(record_type, for_input=False))
        attributes.update(
            created_by=fields.UUID(dump_only=True, required=True, allow_none=True),
            created_at=fields.DateTime(dump_only=True, required=True),
            updated_at=fields.DateTime(dump_only=True, required=True),
        )
        _CACHE[key] = Schema.from_dict(attributes, name=f"{_class_name(record_type)}Schema")
    return _CACHE[key]


def input_schema(record_type, *, creating: bool) -> type[Schema]:
    """`<Label>Create` / `<Label>Input`: the keys a client may send, typed for the document."""
    key = ("create" if creating else "update", record_type.name)
    if key not in _CACHE:
        attributes = {}
        for field in record_type.writable_fields:
            schema_field = field.schema_field(for_input=True)
            if creating and field.required:
                schema_field.required = True
            attributes[field.name] = schema_field
        for capability in record_type.capabilities:
            attributes.update(capability.schema_fields(record_type, for_input=True))
        suffix = "Create" if creating else "Input"
        _CACHE[key] = type(f"{_class_name(record_type)}{suffix}", (InputSchema,), attributes)
    return _CACHE[key]


def list_arguments(record_type) -> type[Schema]:
    """`<Label>ListArguments`: cursor, limit, q, sort and every filter of the type."""
    key = ("args", record_type.name)
    if key not in _CACHE:
        sorts = record_type.sorts()
        attributes = {"sort": sort_field(sorts, record_type.default_sort)}
        for name, description in record_type.filter_params().items():
            attributes[name] = _filter_field(record_type, name, description)
        _CACHE[key] = type(f"{_class_name(record_type)}ListArguments", (ListArguments,), attributes)
    return _CACHE[key]


def _filter_field(record_type, name: str, description: str):
    field = record_type.field(name)
    choices = getattr(field, "choices", None)
    if choices and field.filter:
        return fields.String(validate=validate.OneOf(list(choices)), metadata={"description": description})
    if name.endswith(("_after", "_before")):
        return fields.Date(metadata={"description": description})
    return fields.String(validate=validate.Length(max=200), metadata={"description": description})


def page(record_type) -> type[Schema]:
    key = ("page", record_type.name)
    if key not in _CACHE:
        _CACHE[key] = page_schema(output_schema(record_type), f"{_class_name(record_type)}PageSchema")
    return _CACHE[key]


def serialize(record_type, record) -> dict:
    """The API's view of one record (dumped through `output_schema`)."""
    body = {"id": record.id, "tenant_id": record.tenant_id}
    for field in record_type.fields:
        body[field.name] = field.dump(record)
    for capability in record_type.capabilities:
        body.update(capability.dump(record_type, record))
    body.update(created_by=record.created_by_id, created_at=record.created_at, updated_at=record.updated_at)
    return body
