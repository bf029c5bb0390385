"""REST v1 leads: the kit's resource, plus conversion."""

from marshmallow import Schema, fields

from app.api.gate import api_actor
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


@blp.route("/<uuid:lead_id>/convert", methods=["POST"])
@blp.response(200, ConversionSchema)
def convert(lead_id):
    """Convert a lead into a contact and company

    Existing ones are reused when they match by email and domain; the lead stays, marked
    converted (409 when it already is).
    """
    result = services.convert_lead(services.get_lead(lead_id), actor=api_actor())
    return {
        "lead": serialize(LEADS, result.lead),
        "contact_id": result.contact.id,
        "company_id": result.company.id if result.company is not None else None,
        "contact_created": result.contact_created,
        "company_created": result.company_created,
    }
