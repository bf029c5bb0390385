"""REST shapes of a custom field definition."""

from marshmallow import fields, validate

from app.api.crud import SettingSchema
from app.api.inputs import InputSchema
from app.api.listing import PlainListArguments, page_schema, sort_field
from app.crm.fields.models import FieldType
from app.crm.fields.services import custom_field_types

SORTS = {"position": "Form order", "key": "Key A–Z", "-created_at": "Newest first", "created_at": "Oldest first"}


class FieldDefinitionSchema(SettingSchema):
    object_type = fields.String(required=True, validate=validate.OneOf(list(custom_field_types())))
    key = fields.String(required=True, metadata={"description": "The key of the value in a record's custom_fields"})
    label = fields.String(required=True)
    field_type = fields.String(required=True, validate=validate.OneOf(FieldType.ALL))
    required = fields.Boolean(required=True)
    options = fields.List(fields.String(), required=True, metadata={"description": "Choices of a select field"})
    position = fields.Integer(required=True)
    help_text = fields.String(required=True)
    created_at = fields.DateTime(dump_only=True, required=True)
    updated_at = fields.DateTime(dump_only=True, required=True)


class FieldDefinitionUpdate(InputSchema):
    """Key, object and type are fixed once a field exists: values already stored depend on them."""

    label = fields.String(validate=validate.Length(min=1, max=80))
    required = fields.Boolean()
    options = fields.List(fields.String(validate=validate.Length(max=80)), validate=validate.Length(max=50))
    help_text = fields.String(validate=validate.Length(max=200))
    position = fields.Integer(validate=validate.Range(min=0, max=10_000))


class FieldDefinitionCreate(InputSchema):
    object_type = fields.String(required=True, validate=validate.OneOf(list(custom_field_types())))
    label = fields.String(required=True, validate=validate.Length(min=1, max=80))
    key = fields.String(
        validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,63}$"),
        metadata={"description": "Lower-case letters, digits and _; made from the label when omitted"},
    )
    field_type = fields.String(required=True, validate=validate.OneOf(FieldType.ALL))
    required = fields.Boolean()
    options = fields.List(
        fields.String(validate=validate.Length(max=80)),
        validate=validate.Length(max=50),
        metadata={"description": "Required for single_select and multi_select"},
    )
    help_text = fields.String(validate=validate.Length(max=200))


class FieldDefinitionListArguments(PlainListArguments):
    sort = sort_field(SORTS, "position")
    object_type = fields.String(
        validate=validate.OneOf(list(custom_field_types())), metadata={"description": "Only this object's fields"}
    )


FieldDefinitionPage = page_schema(FieldDefinitionSchema, "FieldDefinitionPageSchema")
