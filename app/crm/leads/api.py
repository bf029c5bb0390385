"""REST v1 leads: the kit's resource, plus conversion."""

from marshmallow import Schema, fields, validate

from app.api.gate import api_actor
from app.api.inputs import InputSchema
from app.crm.leads import services
from app.crm.leads.record import LEADS
from app.records.api import record_api_blueprint
from app.records.schemas import output_schema, serialize

blp = record_api_blueprint(LEADS)


class ConversionSchema(Schema):
    lead = fields.Nested(output_schema(LEADS), required=True)
    contact_id = fields.UUID(required=True)
    company_id = fields.UUID(required=True, allow_none=True)
    contact_created = fields.Boolean(required=True)
    company_created = fields.Boolean(required=True)
    deal_id = fields.UUID(required=True, allow_none=True)


class ConversionDeal(InputSchema):
    name = fields.String(validate=validate.Length(max=200))
    value = fields.Decimal(as_string=True, allow_none=True)
    pipeline_id = fields.UUID(allow_none=True)


class ConversionInput(InputSchema):
    create_deal = fields.Boolean(load_default=False, metadata={"description": "Also create a deal"})
    deal = fields.Nested(ConversionDeal, metadata={"description": "The deal's name, value and pipeline"})


@blp.route("/<uuid:lead_id>/convert", methods=["POST"])
@blp.arguments(ConversionInput, required=False)
@blp.response(200, ConversionSchema)
def convert(data, lead_id):
    """Convert a lead into a contact and company (and a deal)

    Existing ones are reused when they match by email and domain; the lead stays, marked
    converted (409 when it already is). With `create_deal` a deal is made too.
    """
    deal = {key: (str(value) if value is not None else None) for key, value in (data.get("deal") or {}).items()}
    result = services.convert_lead(
        services.get_lead(lead_id), actor=api_actor(), create_deal=data.get("create_deal", False), deal=deal or None
    )
    return {
        "lead": serialize(LEADS, result.lead),
        "contact_id": result.contact.id,
        "company_id": result.company.id if result.company is not None else None,
        "contact_created": result.contact_created,
        "company_created": result.company_created,
        "deal_id": result.deal.id if result.deal is not None else None,
    }
