"""Schema pieces that contacts, companies and leads share: address, tags, ownership stamps."""

from marshmallow import Schema, fields, validate

from app.api.inputs import InputSchema
from app.crm.validation import ADDRESS_FIELDS


class AddressSchema(InputSchema):
    line1 = fields.String(validate=validate.Length(max=ADDRESS_FIELDS["line1"]))
    line2 = fields.String(validate=validate.Length(max=ADDRESS_FIELDS["line2"]))
    city = fields.String(validate=validate.Length(max=ADDRESS_FIELDS["city"]))
    region = fields.String(validate=validate.Length(max=ADDRESS_FIELDS["region"]))
    postal_code = fields.String(validate=validate.Length(max=ADDRESS_FIELDS["postal_code"]))
    country = fields.String(
        validate=validate.Length(max=ADDRESS_FIELDS["country"]), metadata={"description": "ISO 3166 two-letter code"}
    )


class TagRefSchema(Schema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    color = fields.String(required=True)


class RecordSchema(Schema):
    """Output fields every CRM record has; identity and stamps are never read from input."""

    id = fields.UUID(dump_only=True, required=True)
    tenant_id = fields.UUID(dump_only=True, required=True)
    owner_id = fields.UUID(required=True, allow_none=True)
    tags = fields.List(fields.Nested(TagRefSchema), dump_only=True, required=True)
    created_by = fields.UUID(attribute="created_by_id", dump_only=True, required=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True, required=True)
    updated_at = fields.DateTime(dump_only=True, required=True)


def tag_ids_field() -> fields.List:
    return fields.List(
        fields.UUID(), validate=validate.Length(max=100), metadata={"description": "Replaces the record's tags"}
    )


def owner_id_field() -> fields.UUID:
    return fields.UUID(allow_none=True, metadata={"description": "An active user of this workspace; null unassigns"})
