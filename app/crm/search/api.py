"""REST v1 search: one query across the record types the key may read."""

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from app.api.blueprint import resource_blueprint
from app.api.gate import api_actor
from app.api.inputs import InputSchema
from app.crm.search.services import MAX_PER_TYPE, PER_TYPE, search_everything

blp = resource_blueprint(
    "search",
    __name__,
    scope_object=None,
    description="Search across record types; each type needs its own read scope.",
)


class SearchArguments(InputSchema):
    q = fields.String(required=True, validate=validate.Length(min=1, max=200))
    types = fields.List(fields.String(validate=validate.Length(max=32)), metadata={"description": "contact, company…"})
    limit = fields.Integer(load_default=PER_TYPE, validate=validate.Range(min=1, max=MAX_PER_TYPE))


class HitSchema(Schema):
    id = fields.UUID(required=True)
    title = fields.String(required=True)
    subtitle = fields.String(required=True)


class GroupSchema(Schema):
    record_type = fields.String(required=True)
    label = fields.String(required=True)
    items = fields.List(fields.Nested(HitSchema), required=True)
    more = fields.Boolean(required=True, metadata={"description": "More records match than are listed"})


class SearchResult(Schema):
    groups = fields.List(fields.Nested(GroupSchema), required=True)


@blp.route("")
class Search(MethodView):
    @blp.arguments(SearchArguments, location="query")
    @blp.response(200, SearchResult)
    def get(self, args):
        """Records of every type matching `q`, grouped by type, best matches first"""
        groups = search_everything(args["q"], actor=api_actor(), per_type=args["limit"], types=args.get("types"))
        return {
            "groups": [
                {
                    "record_type": group.record_type.name,
                    "label": group.record_type.label_plural,
                    "items": [
                        {"id": hit.record.id, "title": hit.title, "subtitle": hit.subtitle} for hit in group.hits
                    ],
                    "more": group.more,
                }
                for group in groups
            ]
        }
