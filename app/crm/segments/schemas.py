"""REST shapes of a segment, and of what its builder offers."""

from marshmallow import Schema, fields, validate

from app.api.crud import SettingSchema
from app.api.inputs import InputSchema
from app.api.listing import PageArguments, page_schema
from app.crm.segments.models import Visibility

DEFINITION_DOC = (
    '{"match": "all"|"any", "rules": [{"field", "op", "value"} | {"match", "rules"}]} — fields and '
    "operators are listed by GET /segments/conditions"
)


class SegmentSchema(SettingSchema):
    name = fields.String(required=True)
    description = fields.String(required=True)
    record_type = fields.String(required=True, metadata={"description": "The record type it selects"})
    visibility = fields.String(required=True, validate=validate.OneOf(Visibility.ALL))
    definition = fields.Dict(required=True, metadata={"description": DEFINITION_DOC})
    created_by_id = fields.UUID(required=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True, required=True)
    updated_at = fields.DateTime(dump_only=True, required=True)


class SegmentInput(InputSchema):
    name = fields.String(validate=validate.Length(max=120))
    description = fields.String(validate=validate.Length(max=300))
    record_type = fields.String(
        validate=validate.Length(max=32), metadata={"description": "contact (default), company, lead…"}
    )
    visibility = fields.String(validate=validate.OneOf(Visibility.ALL))
    definition = fields.Dict(metadata={"description": DEFINITION_DOC})


SegmentPage = page_schema(SegmentSchema, "SegmentPage")


class SegmentListArguments(PageArguments):
    record_type = fields.String(validate=validate.Length(max=32))


class SegmentRecordsPage(Schema):
    record_type = fields.String(required=True)
    items = fields.List(
        fields.Dict(), required=True, metadata={"description": "Records in the shape of their type's resource"}
    )
    next_cursor = fields.String(required=True, allow_none=True)
    prev_cursor = fields.String(required=True, allow_none=True)


class SegmentCount(Schema):
    count = fields.Integer(required=True)
    capped = fields.Boolean(required=True, metadata={"description": "True when there are more than `count`"})


class ConditionSchema(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    kind = fields.String(required=True)
    group = fields.String(required=True)
    operators = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    choices = fields.Dict(keys=fields.String(), values=fields.String(), allow_none=True, required=True)
    references = fields.String(allow_none=True, required=True)
    money = fields.Boolean(required=True, metadata={"description": "True when the value is an amount of money"})
    no_value = fields.List(fields.String(), required=True)


class ConditionList(Schema):
    items = fields.List(fields.Nested(ConditionSchema), required=True)


class ConditionArguments(InputSchema):
    record_type = fields.String(load_default="contact", validate=validate.Length(max=32))
