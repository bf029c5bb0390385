"""REST v1 custom field definitions (scope `fields:read` / `fields:write`; plan feature custom_fields)."""

from sqlalchemy import func, select

from app.api.blueprint import resource_blueprint
from app.api.crud import Schemas, Summaries, Verbs, add_crud_routes
from app.core.extensions import db
from app.core.pagination import labelled_sorts, resolve_sort, sorted_page
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
from app.records.search import where_searched

blp = resource_blueprint(
    "fields",
    __name__,
    scope_object="fields",
    description="Custom field definitions of the record types that take them (`/api/v1/record-types`).",
)

PAGE_SORTS = labelled_sorts(
    SORTS, position=FieldDefinition.position, key=FieldDefinition.key, created_at=FieldDefinition.created_at
)


def list_field_definitions_page(*, search=None, sort=None, cursor=None, limit=None, filters=None):
    """A keyset page of definitions (the services list them all at once, for forms)."""
    stmt = select(FieldDefinition)
    object_type = (filters or {}).get("object_type")
    if object_type:
        stmt = stmt.where(FieldDefinition.object_type == object_type)
    stmt = where_searched(stmt, func.lower(FieldDefinition.label + " " + FieldDefinition.key), search)
    return sorted_page(db.session, stmt, FieldDefinition, resolve_sort(PAGE_SORTS, sort, "position"), cursor, limit)


add_crud_routes(
    blp,
    endpoints=("FieldDefinitions", "FieldDefinitionItem"),
    id_argument="field_id",
    schemas=Schemas(
        FieldDefinitionSchema,
        FieldDefinitionPage,
        create=FieldDefinitionCreate,
        update=FieldDefinitionUpdate,
        list_arguments=FieldDefinitionListArguments,
    ),
    verbs=Verbs(
        list_field_definitions_page,
        services.get_field_definition,
        services.create_field_definition,
        services.update_field_definition,
        services.delete_field_definition,
    ),
    summaries=Summaries.of(
        "custom field definition",
        create="Define a custom field (counts against the plan's custom_fields limit)",
        delete="Delete a custom field and its values on every record",
    ),
)
