"""REST v1 leads: list, get, create, update, delete, and convert into a contact and company."""

from flask.views import MethodView
from marshmallow import INCLUDE

from app.api.blueprint import API_PREFIX, ApiBlueprint
from app.api.gate import api_actor
from app.api.listing import custom_filters_doc, page_body, split_list_arguments
from app.crm.leads import services
from app.crm.leads.schemas import ConversionSchema, LeadCreate, LeadInput, LeadListArguments, LeadPage, LeadSchema

blp = ApiBlueprint(
    "api_leads",
    __name__,
    url_prefix=f"{API_PREFIX}/leads",
    scope_object="leads",
    description="Prospects with a status, a rule-based score and a conversion into contact and company.",
)


@blp.route("")
class Leads(MethodView):
    @blp.arguments(LeadListArguments, location="query", unknown=INCLUDE)
    @blp.response(200, LeadPage)
    @blp.doc(**custom_filters_doc("lead"))
    def get(self, args):
        """List leads

        Search (`q`) matches name, email, phone and company name.
        """
        return page_body(services.list_leads(**split_list_arguments(args)))

    @blp.arguments(LeadCreate)
    @blp.response(201, LeadSchema)
    def post(self, data):
        """Create a lead"""
        return services.create_lead(data, actor=api_actor())


@blp.route("/<uuid:lead_id>")
class LeadItem(MethodView):
    @blp.response(200, LeadSchema)
    def get(self, lead_id):
        """Get a lead"""
        return services.get_lead(lead_id)

    @blp.arguments(LeadInput)
    @blp.response(200, LeadSchema)
    def patch(self, data, lead_id):
        """Change a lead: only the fields sent change"""
        return services.update_lead(services.get_lead(lead_id), data, actor=api_actor())

    @blp.response(204)
    def delete(self, lead_id):
        """Delete a lead"""
        services.delete_lead(services.get_lead(lead_id), actor=api_actor())


@blp.route("/<uuid:lead_id>/convert", methods=["POST"])
@blp.response(200, ConversionSchema)
def convert(lead_id):
    """Convert a lead into a contact and company

    Existing ones are reused when they match by email and domain; the lead stays, marked
    converted (409 when it already is).
    """
    result = services.convert_lead(services.get_lead(lead_id), actor=api_actor())
    return {
        "lead": result.lead,
        "contact_id": result.contact.id,
        "company_id": result.company.id if result.company is not None else None,
        "contact_created": result.contact_created,
        "company_created": result.company_created,
    }
