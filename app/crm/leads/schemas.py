"""REST shapes of a lead."""

from marshmallow import Schema, fields, validate

from app.api.inputs import InputSchema
from app.api.listing import ListArguments, custom_fields_field, page_schema, sort_field
from app.api.records import RecordSchema, owner_id_field, tag_ids_field
from app.crm.leads.models import LeadSource, LeadStatus
from app.crm.leads.services import DEFAULT_SORT, FILTERS, SORTS


class LeadSchema(RecordSchema):
    name = fields.String(required=True)
    email = fields.String(required=True, allow_none=True)
    phone = fields.String(required=True)
    company_name = fields.String(required=True)
    title = fields.String(required=True)
    source = fields.String(required=True, validate=validate.OneOf(LeadSource.ALL))
    status = fields.String(required=True, validate=validate.OneOf(LeadStatus.ALL))
    lost_reason = fields.String(required=True)
    estimated_value = fields.Decimal(
        as_string=True, required=True, allow_none=True, metadata={"type": "string", "format": "decimal"}
    )
    score = fields.Integer(dump_only=True, required=True, metadata={"description": "0–100, from the scoring rules"})
    notes = fields.String(required=True)
    custom_fields = custom_fields_field("lead", required=True)
    first_response_at = fields.DateTime(dump_only=True, required=True, allow_none=True)
    converted_at = fields.DateTime(dump_only=True, required=True, allow_none=True)
    converted_contact_id = fields.UUID(dump_only=True, required=True, allow_none=True)
    converted_company_id = fields.UUID(dump_only=True, required=True, allow_none=True)


class LeadInput(InputSchema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    email = fields.String(allow_none=True, validate=validate.Length(max=254))
    phone = fields.String(validate=validate.Length(max=40))
    company_name = fields.String(validate=validate.Length(max=200))
    title = fields.String(validate=validate.Length(max=120))
    source = fields.String(validate=validate.OneOf(LeadSource.ALL))
    status = fields.String(
        validate=validate.OneOf(LeadStatus.EDITABLE), metadata={"description": "Converted is reached by /convert only"}
    )
    lost_reason = fields.String(validate=validate.Length(max=500), metadata={"description": "Required when lost"})
    estimated_value = fields.Decimal(
        allow_none=True, allow_nan=False, metadata={"description": "From 0, in cents precision"}
    )
    owner_id = owner_id_field()
    notes = fields.String(validate=validate.Length(max=20_000))
    tag_ids = tag_ids_field()
    custom_fields = custom_fields_field("lead")


class LeadCreate(LeadInput):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))


class LeadListArguments(ListArguments):
    sort = sort_field(SORTS, DEFAULT_SORT)
    status = fields.String(validate=validate.OneOf(LeadStatus.ALL))
    source = fields.String(validate=validate.OneOf(LeadSource.ALL))
    owner_id = fields.String(metadata={"description": FILTERS["owner_id"]})
    tag_id = fields.UUID(metadata={"description": FILTERS["tag_id"]})
    min_score = fields.Integer(validate=validate.Range(min=0, max=100))
    awaiting_response = fields.String(
        validate=validate.OneOf(["1"]), metadata={"description": FILTERS["awaiting_response"]}
    )
    created_after = fields.Date(metadata={"description": FILTERS["created_after"]})
    created_before = fields.Date(metadata={"description": FILTERS["created_before"]})


LeadPage = page_schema(LeadSchema, "LeadPageSchema")


class ConversionSchema(Schema):
    lead = fields.Nested(LeadSchema, required=True)
    contact_id = fields.UUID(required=True)
    company_id = fields.UUID(required=True, allow_none=True)
    contact_created = fields.Boolean(required=True)
    company_created = fields.Boolean(required=True)
