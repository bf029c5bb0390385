"""REST v1 tags: list, get, create, update, delete (scope `tags:read` / `tags:write`)."""

from flask.views import MethodView
from marshmallow import INCLUDE
from sqlalchemy import func, select

from app.api.blueprint import API_PREFIX, ApiBlueprint
from app.api.gate import api_actor
from app.api.listing import page_body, split_list_arguments
from app.core.extensions import db
from app.core.pagination import Sort, resolve_sort, sorted_page
from app.crm.tags import services
from app.crm.tags.models import Tag
from app.crm.tags.schemas import SORTS, TagCreate, TagInput, TagListArguments, TagPage, TagSchema
from app.records.search import search_condition

blp = ApiBlueprint(
    "api_tags",
    __name__,
    url_prefix=f"{API_PREFIX}/tags",
    scope_object="tags",
    description="Coloured labels for records.",
)

PAGE_SORTS = {
    "name": Sort("name", Tag.name, False, SORTS["name"]),
    "-name": Sort("-name", Tag.name, True, SORTS["-name"]),
    "-created_at": Sort("-created_at", Tag.created_at, True, SORTS["-created_at"]),
    "created_at": Sort("created_at", Tag.created_at, False, SORTS["created_at"]),
}


def list_tags_page(*, search=None, sort=None, cursor=None, limit=None, filters=None):
    """A keyset page of tags (the services list them all at once, which suits forms, not the API)."""
    stmt = select(Tag)
    condition = search_condition(func.lower(Tag.name), search)
    if condition is not None:
        stmt = stmt.where(condition)
    return sorted_page(db.session, stmt, Tag, resolve_sort(PAGE_SORTS, sort, "name"), cursor, limit)


@blp.route("")
class Tags(MethodView):
    @blp.arguments(TagListArguments, location="query", unknown=INCLUDE)
    @blp.response(200, TagPage)
    def get(self, args):
        """List tags"""
        return page_body(list_tags_page(**split_list_arguments(args)))

    @blp.arguments(TagCreate)
    @blp.response(201, TagSchema)
    def post(self, data):
        """Create a tag"""
        return services.create_tag(data, actor=api_actor())


@blp.route("/<uuid:tag_id>")
class TagItem(MethodView):
    @blp.response(200, TagSchema)
    def get(self, tag_id):
        """Get a tag"""
        return services.get_tag(tag_id)

    @blp.arguments(TagInput)
    @blp.response(200, TagSchema)
    def patch(self, data, tag_id):
        """Change a tag"""
        return services.update_tag(services.get_tag(tag_id), data, actor=api_actor())

    @blp.response(204)
    def delete(self, tag_id):
        """Delete a tag (it is removed from every record)"""
        services.delete_tag(services.get_tag(tag_id), actor=api_actor())
