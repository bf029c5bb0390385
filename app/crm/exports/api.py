"""REST v1 exports: a record type's rows as CSV or XLSX, streamed (the `<type>:read` scope and
the `<type>.export` permission)."""

from flask import request

from app.api.blueprint import resource_blueprint
from app.api.gate import api_actor
from app.crm.exports.download import export_download
from app.records.registry import record_types

blp = resource_blueprint(
    "exports",
    __name__,
    scope_object=None,
    description="CSV or XLSX of a list (its `q` and filters), a segment (`segment_id`) or a selection (`ids`).",
)


@blp.route("/<record_type_name>")
@blp.doc(
    summary="Export records as CSV or XLSX",
    parameters=[
        {
            "name": "record_type_name",
            "in": "path",
            "required": True,
            "schema": {"type": "string", "enum": [item.name for item in record_types()]},
        },
        {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["csv", "xlsx"]}},
        {"name": "segment_id", "in": "query", "schema": {"type": "string", "format": "uuid"}},
        {"name": "ids", "in": "query", "schema": {"type": "array", "items": {"type": "string", "format": "uuid"}}},
        {"name": "q", "in": "query", "schema": {"type": "string"}},
    ],
    responses={"200": {"description": "The file, streamed"}},
)
def export_records(record_type_name):
    return export_download(record_type_name, actor=api_actor(), segment_id=request.args.get("segment_id"))
