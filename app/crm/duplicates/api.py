"""REST v1 duplicates (scope `duplicates:read` / `duplicates:write`): candidate pairs,
dismissing one, and merging records of any type."""

from flask import jsonify
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from app.api.blueprint import resource_blueprint
from app.api.gate import api_actor
from app.api.inputs import InputSchema
from app.api.listing import PageArguments, page_schema
from app.crm.duplicates import services
from app.crm.duplicates.merging import MAX_MERGED, merge_records
from app.records import schemas as record_schemas
from app.records.registry import record_type_named

blp = resource_blueprint(
    "duplicates",
    __name__,
    scope_object="duplicates",
    description="Possible duplicates found by the nightly scan, and merging records into one.",
)


class PairSchema(Schema):
    id = fields.UUID(required=True)
    record_type = fields.String(required=True)
    first_id = fields.UUID(required=True)
    second_id = fields.UUID(required=True)
    reason = fields.String(required=True)
    score = fields.Float(required=True)
    created_at = fields.DateTime(required=True)


PairPage = page_schema(PairSchema, "DuplicatePairPageSchema")


class MergeInput(InputSchema):
    record_type = fields.String(required=True, validate=validate.Length(max=32))
    survivor_id = fields.UUID(required=True, metadata={"description": "The record that stays"})
    merged_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=MAX_MERGED))
    values = fields.Dict(
        keys=fields.String(),
        values=fields.UUID(),
        metadata={"description": "Field name → the id of the record whose value is kept (the survivor's by default)"},
    )


@blp.route("")
class Pairs(MethodView):
    @blp.paged(PageArguments, PairPage)
    def get(self, args):
        """Open candidate pairs, newest first"""
        return services.list_pairs(actor=api_actor(), cursor=args.get("cursor"), limit=args["limit"])


@blp.route("/<uuid:pair_id>/dismiss")
class Dismiss(MethodView):
    @blp.response(204)
    def post(self, pair_id):
        """Say a pair is not a duplicate (it is not suggested again)"""
        services.dismiss_pair(services.get_pair(pair_id, actor=api_actor()), actor=api_actor())


@blp.route("/merge")
class Merge(MethodView):
    @blp.arguments(MergeInput)
    @blp.doc(responses={"200": {"description": "The surviving record, in the shape of its type's resource"}})
    def post(self, data):
        """Merge records into the survivor: links move to it, the others are deleted"""
        record_type = record_type_named(data["record_type"])
        survivor = merge_records(
            record_type,
            data["survivor_id"],
            data["merged_ids"],
            values={key: str(value) for key, value in (data.get("values") or {}).items()},
            actor=api_actor(),
        )
        return jsonify(
            record_schemas.output_schema(record_type)().dump(record_schemas.serialize(record_type, survivor))
        )
