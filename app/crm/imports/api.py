"""REST v1 imports (scope `imports:write` to run, `imports:read` to follow) and exports.

`POST /imports` takes a multipart upload (`file`, `record_type`, optional `mapping` as a
JSON object {header: column}, `dedupe`, `dry_run`, `start`); the job then runs in the
scheduler and `GET /imports/{id}` reports its progress. Columns are the type's spreadsheet
columns, listed by `GET /imports/columns?record_type=`.
"""

import json

from flask import request
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from app.api.blueprint import resource_blueprint
from app.api.gate import api_actor
from app.api.inputs import InputSchema
from app.api.listing import PageArguments, page_limit, page_schema
from app.core.errors import ValidationFailed
from app.core.uploads import accepts_files
from app.crm.imports import services
from app.crm.imports.models import DedupeMode, RowStatus
from app.records.cells import importable_columns
from app.records.registry import record_type_named, record_types

blp = resource_blueprint(
    "imports",
    __name__,
    scope_object="imports",
    description="CSV and XLSX imports into any record type: upload, map, dry run, run, revert.",
)


class ImportSchema(Schema):
    id = fields.UUID(required=True)
    record_type = fields.String(required=True)
    file_name = fields.String(required=True)
    status = fields.String(required=True)
    dry_run = fields.Boolean(required=True)
    headers = fields.List(fields.String(), required=True)
    mapping = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    dedupe = fields.String(required=True)
    total_rows = fields.Integer(required=True)
    rows_done = fields.Integer(required=True)
    created_count = fields.Integer(required=True)
    updated_count = fields.Integer(required=True)
    skipped_count = fields.Integer(required=True)
    failed_count = fields.Integer(required=True)
    waiting_count = fields.Integer(required=True)
    rows_per_second = fields.Float(required=True)
    seconds_left = fields.Float(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)


class StartInput(InputSchema):
    mapping = fields.Dict(keys=fields.String(), values=fields.String())
    dedupe = fields.String(validate=validate.OneOf(DedupeMode.ALL))
    dry_run = fields.Boolean(load_default=False)


class RowSchema(Schema):
    id = fields.UUID(required=True)
    row_number = fields.Integer(required=True)
    status = fields.String(required=True)
    record_id = fields.UUID(required=True, allow_none=True)
    reason = fields.String(required=True)


RowPage = page_schema(RowSchema, "ImportRowPageSchema")


class RowArguments(PageArguments):
    class Meta:
        fields = ("status", "cursor", "limit")  # the documented order: the filter, then the page

    status = fields.String(validate=validate.OneOf(RowStatus.ALL))
    limit = page_limit(default=50)


class ColumnArguments(InputSchema):
    record_type = fields.String(required=True, validate=validate.OneOf([item.name for item in record_types()]))


class ColumnSchema(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)


class ColumnList(Schema):
    items = fields.List(fields.Nested(ColumnSchema), required=True)


UPLOAD_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "record_type"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "record_type": {"type": "string"},
                        "mapping": {"type": "string", "description": "JSON object {header: column key}"},
                        "dedupe": {"type": "string", "enum": list(DedupeMode.ALL)},
                        "dry_run": {"type": "boolean"},
                        "start": {"type": "boolean", "description": "Start at once (default: true)"},
                    },
                }
            }
        },
    }
}


def _flag(name: str, default: bool) -> bool:
    value = request.form.get(name)
    return default if value in (None, "") else value.lower() in ("1", "true", "yes", "on")


@blp.route("", methods=["POST"])
@accepts_files("file")
@blp.response(201, ImportSchema)
@blp.doc(summary="Upload a file to import", **UPLOAD_DOC)
def create_import():
    actor = api_actor()
    data_import = services.start_import(request.form.get("record_type", ""), request.files.get("file"), actor=actor)
    mapping = data_import.mapping
    if request.form.get("mapping"):
        try:
            mapping = json.loads(request.form["mapping"])
        except ValueError as exc:
            raise ValidationFailed("Send the mapping as JSON.", details={"mapping": ["Not valid JSON."]}) from exc
    services.save_mapping(data_import, mapping, request.form.get("dedupe") or DedupeMode.SKIP, actor=actor)
    if _flag("start", True):
        services.queue_import(data_import, actor=actor, dry_run=_flag("dry_run", False))
    return data_import


@blp.route("/columns")
class Columns(MethodView):
    @blp.arguments(ColumnArguments, location="query")
    @blp.response(200, ColumnList)
    def get(self, args):
        """The columns a file of this record type may map to"""
        record_type = record_type_named(args["record_type"])
        return {"items": [{"key": column.key, "label": column.label} for column in importable_columns(record_type)]}


@blp.route("/<uuid:import_id>")
class ImportItem(MethodView):
    @blp.response(200, ImportSchema)
    def get(self, import_id):
        """An import's status and counts"""
        return services.get_import(import_id, actor=api_actor())


@blp.route("/<uuid:import_id>/start")
class Start(MethodView):
    @blp.arguments(StartInput)
    @blp.response(202, ImportSchema)
    def post(self, data, import_id):
        """Start (or re-start after a dry run) with this mapping"""
        actor = api_actor()
        data_import = services.get_import(import_id, actor=actor)
        services.save_mapping(
            data_import, data.get("mapping", data_import.mapping), data.get("dedupe", data_import.dedupe), actor=actor
        )
        return services.queue_import(data_import, actor=actor, dry_run=data["dry_run"])


@blp.route("/<uuid:import_id>/cancel")
class Cancel(MethodView):
    @blp.response(202, ImportSchema)
    def post(self, import_id):
        """Stop after the current batch"""
        return services.cancel_import(services.get_import(import_id, actor=api_actor()), actor=api_actor())


@blp.route("/<uuid:import_id>/revert")
class Revert(MethodView):
    @blp.response(202, ImportSchema)
    def post(self, import_id):
        """Delete what the import created and restore what it updated"""
        return services.revert_import(services.get_import(import_id, actor=api_actor()), actor=api_actor())


@blp.route("/<uuid:import_id>/rows")
class Rows(MethodView):
    @blp.paged(RowArguments, RowPage)
    def get(self, args, import_id):
        """What happened to each row, in file order (filter by `status`)"""
        data_import = services.get_import(import_id, actor=api_actor())
        return services.list_import_rows(
            data_import, status=args.get("status"), cursor=args.get("cursor"), limit=args["limit"]
        )
