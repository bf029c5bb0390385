"""The REST resource every record type gets from its declaration: list, get, create, change,
delete at `/api/v1/<plural>`, in the OpenAPI document with its derived schemas.

Bodies go to the type's one validator as sent (the schemas type them for the document), so
the API refuses exactly what the forms refuse, with the same messages.
"""

from flask import request
from flask.views import MethodView
from marshmallow import Schema
from marshmallow import fields as ma

from app.api.blueprint import ApiBlueprint, resource_blueprint
from app.api.gate import api_actor
from app.api.inputs import NUL_MESSAGE
from app.api.listing import custom_filters_doc, split_list_arguments
from app.core.errors import ValidationFailed
from app.core.validation import CORRECT_THE_FIELDS, keys_with_nul
from app.records import schemas
from app.records.catalogue import catalogue
from app.records.listing import list_records
from app.records.services import create_record, delete_record, get_record, update_record


def json_body() -> dict:
    """The request's JSON object; anything else is a 422 that says so."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationFailed("Send a JSON object.", details={"_body": ["Send a JSON object."]})
    # The same refusal as the API's input schemas: PostgreSQL text cannot hold NUL.
    bad = keys_with_nul(data)
    if bad:
        raise ValidationFailed(CORRECT_THE_FIELDS, details={key: [NUL_MESSAGE] for key in bad})
    return data


def json_body_doc(schema) -> dict:
    """The OpenAPI doc of a view that reads `json_body()`: a required JSON body of `schema`'s shape
    (documented only: the service validates what is sent)."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def record_api_blueprint(record_type) -> ApiBlueprint:
    """`/api/v1/<plural>` and `/api/v1/<plural>/{<name>_id}` for `record_type`."""
    blp = resource_blueprint(
        record_type.plural, __name__, scope_object=record_type.plural, description=record_type.description
    )
    output = schemas.output_schema(record_type)
    label, plural = record_type.label.lower(), record_type.label_plural.lower()
    extra_doc = custom_filters_doc(record_type.name) if record_type.has("custom_fields") else {}

    def serialize(record):
        return schemas.serialize(record_type, record)

    class Collection(MethodView):
        @blp.paged(schemas.list_arguments(record_type), schemas.page(record_type))
        @blp.doc(summary=f"List {plural}", **extra_doc)
        def get(self, args):
            """Search (`q`) matches the searchable fields. Filter with the listed parameters (and
            `cf.<key>` for custom fields); pages are keyset cursors."""
            page = list_records(record_type, actor=api_actor(), purpose="api", **split_list_arguments(args))
            page.items = [serialize(record) for record in page.items]
            return page

        @blp.response(201, output)
        @blp.doc(summary=f"Create a {label}", **json_body_doc(schemas.input_schema(record_type, creating=True)))
        def post(self):
            """Counted types answer 402 with the plan's limit once it is reached."""
            return serialize(create_record(record_type, json_body(), actor=api_actor()))

    class Item(MethodView):
        @blp.response(200, output)
        @blp.doc(summary=f"Get a {label}")
        def get(self, **kwargs):
            return serialize(get_record(record_type, kwargs[record_type.id_arg], actor=api_actor(), detail=True))

        @blp.response(200, output)
        @blp.doc(summary=f"Change a {label}", **json_body_doc(schemas.input_schema(record_type, creating=False)))
        def patch(self, **kwargs):
            """Only the fields sent change."""
            record = get_record(record_type, kwargs[record_type.id_arg], actor=api_actor(), detail=True)
            return serialize(update_record(record_type, record, json_body(), actor=api_actor()))

        @blp.response(204)
        @blp.doc(summary=f"Delete a {label}")
        def delete(self, **kwargs):
            record = get_record(record_type, kwargs[record_type.id_arg], actor=api_actor())
            delete_record(record_type, record, actor=api_actor())

    Collection.__name__ = f"{record_type.label_plural.replace(' ', '')}"
    Item.__name__ = f"{record_type.label.replace(' ', '')}Item"
    blp.route("")(Collection)
    blp.route(f"/<uuid:{record_type.id_arg}>")(Item)
    blp.record_type = record_type
    return blp


FieldEntrySchema = Schema.from_dict(
    {
        "name": ma.String(required=True),
        "label": ma.String(required=True),
        "type": ma.String(required=True, metadata={"description": "text, number, choice, reference, tags, user…"}),
        "required": ma.Boolean(required=True),
        "read_only": ma.Boolean(required=True),
        "filterable": ma.Boolean(required=True),
        "sortable": ma.Boolean(required=True),
        "searchable": ma.Boolean(required=True),
        "exported": ma.Boolean(required=True),
        "choices": ma.Dict(keys=ma.String(), values=ma.String(), required=True, allow_none=True),
        "references": ma.String(metadata={"description": "The record type a reference points at"}),
        "custom": ma.Boolean(metadata={"description": "One of this workspace's custom fields"}),
    },
    name="FieldEntrySchema",
)
RecordTypeSchema = Schema.from_dict(
    {
        "name": ma.String(required=True),
        "plural": ma.String(required=True),
        "label": ma.String(required=True),
        "label_plural": ma.String(required=True),
        "capabilities": ma.List(ma.String(), required=True),
        "counted_by": ma.String(
            required=True, allow_none=True, metadata={"description": "The plan limit it counts against"}
        ),
        "sorts": ma.List(ma.String(), required=True),
        "filters": ma.Dict(keys=ma.String(), values=ma.String(), required=True),
        "fields": ma.List(ma.Nested(FieldEntrySchema), required=True),
    },
    name="RecordTypeSchema",
)
CatalogueSchema = Schema.from_dict(
    {"items": ma.List(ma.Nested(RecordTypeSchema), required=True)}, name="CatalogueSchema"
)


catalogue_api = resource_blueprint(
    "record-types",
    __name__,
    scope_object=None,
    tag="record-types",
    description="The field catalogue: every record type with its fields, filters and sorts.",
)


@catalogue_api.route("")
@catalogue_api.response(200, CatalogueSchema)
def record_types_document():
    """Every record type of this workspace, with its fields (custom fields included)"""
    return {"items": catalogue()}
