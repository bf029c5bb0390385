"""REST v1 companies: list, get, create, update (hierarchy cycles refused), delete."""

from flask.views import MethodView
from marshmallow import INCLUDE

from app.api.blueprint import API_PREFIX, ApiBlueprint
from app.api.gate import api_actor
from app.api.listing import custom_filters_doc, page_body, split_list_arguments
from app.crm.companies import services
from app.crm.companies.schemas import CompanyCreate, CompanyInput, CompanyListArguments, CompanyPage, CompanySchema

blp = ApiBlueprint(
    "api_companies",
    __name__,
    url_prefix=f"{API_PREFIX}/companies",
    scope_object="companies",
    description="Organisations, with a parent company, owner, tags and custom fields.",
)


@blp.route("")
class Companies(MethodView):
    @blp.arguments(CompanyListArguments, location="query", unknown=INCLUDE)
    @blp.response(200, CompanyPage)
    @blp.doc(**custom_filters_doc("company"))
    def get(self, args):
        """List companies

        Search (`q`) matches name and domain.
        """
        return page_body(services.list_companies(**split_list_arguments(args)))

    @blp.arguments(CompanyCreate)
    @blp.response(201, CompanySchema)
    def post(self, data):
        """Create a company"""
        return services.create_company(data, actor=api_actor())


@blp.route("/<uuid:company_id>")
class CompanyItem(MethodView):
    @blp.response(200, CompanySchema)
    def get(self, company_id):
        """Get a company"""
        return services.get_company(company_id)

    @blp.arguments(CompanyInput)
    @blp.response(200, CompanySchema)
    def patch(self, data, company_id):
        """Change a company: only the fields sent change"""
        return services.update_company(services.get_company(company_id), data, actor=api_actor())

    @blp.response(204)
    def delete(self, company_id):
        """Delete a company (its contacts, children and activities stay, unlinked)"""
        services.delete_company(services.get_company(company_id), actor=api_actor())
