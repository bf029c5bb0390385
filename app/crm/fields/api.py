"""REST v1 custom field definitions (scope `fields:read` / `fields:write`; plan feature custom_fields)."""

from flask.views import MethodView
from marshmallow import INCLUDE
from sqlalchemy import func, select

from app.api.blueprint import API_PREFIX, ApiBlueprint
from app.api.gate import api_actor
from app.api.listing import page_body, split_list_arguments
from app.core.extensions import db
from app.core.pagination import Sort, resolve_sort, sorted_page
from app.crm.fields import services
from app.crm.fields.models import FieldDefinition
from app.crm.fields.schemas import (
    SORTS,
    FieldDefinitionCreate,
    FieldDefinitionListArguments,
    FieldDefinitionPage,
    FieldDefinitionSchema,
    FieldDefinitionUpdate,
)
from app.records.search import search_condition

blp = ApiBlueprint(
    "api_fields",
    __name__,
    url_prefix=f"{API_PREFIX}/fields",
    scope_object="fields",
    description="Custom field definitions of contacts, companies and leads.",
)

PAGE_SORTS = {
    "position": Sort("position", FieldDefinition.position, False, SORTS["position"]),
    "key": Sort("key", FieldDefinition.key, False, SORTS["key"]),
    "-created_at": Sort("-created_at", FieldDefinition.created_at, True, SORTS["-created_at"]),
    "created_at": Sort("created_at", FieldDefinition.created_at, False, SORTS["created_at"]),
}


def list_field_definitions_page(*, search=None, sort=None, cursor=None, limit=None, filters=None):
    """A keyset page of definitions (the services list them all at once, for forms)."""
    stmt = select(FieldDefinition)
    object_type = (filters or {}).get("object_type")
    if object_type:
        stmt = stmt.where(FieldDefinition.object_type == object_type)
    condition = search_condition(func.lower(FieldDefinition.label + " " + FieldDefinition.key), search)
    if condition is not None:
        stmt = stmt.where(condition)
    return sorted_page(db.session, stmt, FieldDefinition, resolve_sort(PAGE_SORTS, sort, "position"), cursor, limit)


@blp.route("")
class FieldDefinitions(MethodView):
    @blp.arguments(FieldDefinitionListArguments, location="query", unknown=INCLUDE)
    @blp.response(200, FieldDefinitionPage)
    def get(self, args):
        """List custom field definitions"""
        return page_body(list_field_definitions_page(**split_list_arguments(args)))

    @blp.arguments(FieldDefinitionCreate)
    @blp.response(201, FieldDefinitionSchema)
    def post(self, data):
        """Define a custom field (counts against the plan's custom_fields limit)"""
        return services.create_field_definition(data, actor=api_actor())


@blp.route("/<uuid:field_id>")
class FieldDefinitionItem(MethodView):
    @blp.response(200, FieldDefinitionSchema)
    def get(self, field_id):
        """Get a custom field definition"""
        return services.get_field_definition(field_id)

    @blp.arguments(FieldDefinitionUpdate)
    @blp.response(200, FieldDefinitionSchema)
    def patch(self, data, field_id):
        """Change a custom field definition"""
        return services.update_field_definition(services.get_field_definition(field_id), data, actor=api_actor())

    @blp.response(204)
    def delete(self, field_id):
        """Delete a custom field and its values on every record"""
        services.delete_field_definition(services.get_field_definition(field_id), actor=api_actor())
