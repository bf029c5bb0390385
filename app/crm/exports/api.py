"""REST v1 exports: a record type's rows as CSV or XLSX, streamed (the `<type>:read` scope and
the `<type>.export` permission)."""

from flask import request

from app.api.blueprint import API_PREFIX, ApiBlueprint
from app.api.gate import api_actor
from app.crm.exports import services
from app.records.listing import filters_from_args
from app.records.registry import find_record_type, record_types

blp = ApiBlueprint(
    "api_exports",
    __name__,
    url_prefix=f"{API_PREFIX}/exports",
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
    from flask import abort

    from app.crm.exports.views import download_response

    record_type = find_record_type(record_type_name)
    if record_type is None:
        abort(404)
    fmt = request.args.get("format", "csv")
    stmt, _description = services.prepare_export(
        record_type,
        actor=api_actor(),
        fmt=fmt,
        search=(request.args.get("q") or "").strip() or None,
        filters=filters_from_args(record_type, request.args),
        segment_id=request.args.get("segment_id"),
        ids=request.args.getlist("ids"),
    )
    return download_response(record_type, stmt, fmt, record_type.plural)
