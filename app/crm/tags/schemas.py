"""REST shapes of a tag: what the API returns and the fields a client may send."""

from marshmallow import fields, validate

from app.api.crud import SettingSchema
from app.api.inputs import InputSchema
from app.api.listing import PlainListArguments, page_schema, sort_field

SORTS = {"name": "Name A–Z", "-name": "Name Z–A", "-created_at": "Newest first", "created_at": "Oldest first"}


class TagSchema(SettingSchema):
    name = fields.String(required=True)
    color = fields.String(required=True, metadata={"description": "#rrggbb"})
    created_at = fields.DateTime(dump_only=True, required=True)
    updated_at = fields.DateTime(dump_only=True, required=True)


class TagInput(InputSchema):
    name = fields.String(validate=validate.Length(max=60), metadata={"description": "Unique in the workspace"})
    color = fields.String(validate=validate.Length(max=7), metadata={"description": "#rrggbb"})


class TagCreate(TagInput):
    name = fields.String(required=True, validate=validate.Length(min=1, max=60))


class TagListArguments(PlainListArguments):
    sort = sort_field(SORTS, "name")


TagPage = page_schema(TagSchema, "TagPageSchema")
