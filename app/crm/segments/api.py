"""REST v1 segments (scope `segments:read` / `segments:write`): CRUD, their records (keyset
pages), their count, and the conditions a definition may use."""

from flask.views import MethodView

from app.api.blueprint import resource_blueprint
from app.api.gate import api_actor
from app.api.listing import PageArguments
from app.crm.segments import services
from app.crm.segments.schemas import (
    ConditionArguments,
    ConditionList,
    SegmentCount,
    SegmentInput,
    SegmentListArguments,
    SegmentPage,
    SegmentRecordsPage,
    SegmentSchema,
)
from app.records import schemas as record_schemas
from app.records.api import json_body, json_body_doc
from app.records.conditions import describe_conditions
from app.records.registry import record_type_named

blp = resource_blueprint(
    "segments",
    __name__,
    scope_object="segments",
    description="Saved AND/OR conditions over the records of one type, resolved by the database.",
)


@blp.route("")
class Segments(MethodView):
    @blp.paged(SegmentListArguments, SegmentPage)
    def get(self, args):
        """List the shared segments and your own, by name"""
        return services.segments_page(
            actor=api_actor(), record_type=args.get("record_type"), cursor=args.get("cursor"), limit=args["limit"]
        )

    @blp.response(201, SegmentSchema)
    @blp.doc(summary="Create a segment", **json_body_doc(SegmentInput))
    def post(self):
        return services.create_segment(json_body(), actor=api_actor())


@blp.route("/conditions")
class Conditions(MethodView):
    @blp.arguments(ConditionArguments, location="query")
    @blp.response(200, ConditionList)
    def get(self, args):
        """The fields, operators and choices a definition of this record type may use"""
        return {"items": describe_conditions(record_type_named(args["record_type"]))}


@blp.route("/<uuid:segment_id>")
class SegmentItem(MethodView):
    @blp.response(200, SegmentSchema)
    def get(self, segment_id):
        """Get a segment"""
        return services.get_segment(segment_id, actor=api_actor())

    @blp.response(200, SegmentSchema)
    @blp.doc(summary="Change a segment", **json_body_doc(SegmentInput))
    def patch(self, segment_id):
        """Only the fields sent change; the record type stays."""
        segment = services.get_segment(segment_id, actor=api_actor())
        return services.update_segment(segment, json_body(), actor=api_actor())

    @blp.response(204)
    def delete(self, segment_id):
        """Delete a segment (its records stay)"""
        services.delete_segment(services.get_segment(segment_id, actor=api_actor()), actor=api_actor())


@blp.route("/<uuid:segment_id>/records")
class SegmentRecords(MethodView):
    @blp.arguments(PageArguments, location="query")
    @blp.response(200, SegmentRecordsPage)
    def get(self, args, segment_id):
        """The records matching the segment now, a keyset page at a time (newest first)"""
        actor = api_actor()
        segment = services.get_segment(segment_id, actor=actor)
        record_type = services.segment_record_type(segment)
        page = services.segment_page(
            segment, actor=actor, sort="-created_at", cursor=args.get("cursor"), limit=args["limit"], purpose="api"
        )
        # Each record in its own type's shape, dumped here: the page's schema cannot know it.
        output = record_schemas.output_schema(record_type)()
        return {
            "record_type": record_type.name,
            "items": [output.dump(record_schemas.serialize(record_type, record)) for record in page.items],
            "next_cursor": page.next_cursor,
            "prev_cursor": page.prev_cursor,
        }


@blp.route("/<uuid:segment_id>/count")
class SegmentCountResource(MethodView):
    @blp.response(200, SegmentCount)
    def get(self, segment_id):
        """How many records match the segment now (counted up to 10,000)"""
        actor = api_actor()
        segment = services.get_segment(segment_id, actor=actor)
        count, capped = services.count_segment(segment, actor=actor)
        return {"count": count, "capped": capped}
