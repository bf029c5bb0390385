"""REST shapes of a company."""

from marshmallow import fields, validate

from app.api.inputs import InputSchema
from app.api.listing import ListArguments, custom_fields_field, page_schema, sort_field
from app.api.records import AddressSchema, RecordSchema, owner_id_field, tag_ids_field
from app.crm.companies.models import COMPANY_SIZES
from app.crm.companies.services import FILTERS, SORTS
from app.crm.validation import address_of

SIZES = ["", *COMPANY_SIZES]


class CompanySchema(RecordSchema):
    name = fields.String(required=True)
    domain = fields.String(required=True, allow_none=True)
    industry = fields.String(required=True)
    size = fields.String(required=True, validate=validate.OneOf(SIZES))
    phone = fields.String(required=True)
    description = fields.String(required=True)
    address = fields.Nested(AddressSchema, required=True)
    parent_id = fields.UUID(required=True, allow_none=True)
    custom_fields = custom_fields_field("company", required=True)

    def get_attribute(self, obj, attr, default):
        if attr == "address":
            return address_of(obj)
        return super().get_attribute(obj, attr, default)


class CompanyInput(InputSchema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    domain = fields.String(
        allow_none=True, validate=validate.Length(max=253), metadata={"description": "Unique in the workspace"}
    )
    industry = fields.String(validate=validate.Length(max=80))
    size = fields.String(validate=validate.OneOf(SIZES))
    phone = fields.String(validate=validate.Length(max=40))
    description = fields.String(validate=validate.Length(max=5000))
    address = fields.Nested(AddressSchema)
    owner_id = owner_id_field()
    parent_id = fields.UUID(allow_none=True, metadata={"description": "Cycles are refused"})
    tag_ids = tag_ids_field()
    custom_fields = custom_fields_field("company")


class CompanyCreate(CompanyInput):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))


class CompanyListArguments(ListArguments):
    sort = sort_field(SORTS, "name")
    owner_id = fields.String(metadata={"description": FILTERS["owner_id"]})
    tag_id = fields.UUID(metadata={"description": FILTERS["tag_id"]})
    industry = fields.String(validate=validate.Length(max=80), metadata={"description": FILTERS["industry"]})
    size = fields.String(validate=validate.OneOf(COMPANY_SIZES))
    parent_id = fields.UUID(metadata={"description": FILTERS["parent_id"]})
    created_after = fields.Date(metadata={"description": FILTERS["created_after"]})
    created_before = fields.Date(metadata={"description": FILTERS["created_before"]})


CompanyPage = page_schema(CompanySchema, "CompanyPageSchema")
