"""REST v1 tags: list, get, create, update, delete (scope `tags:read` / `tags:write`)."""

from sqlalchemy import func, select

from app.api.blueprint import resource_blueprint
from app.api.crud import Schemas, Summaries, Verbs, add_crud_routes
from app.core.extensions import db
from app.core.pagination import labelled_sorts, resolve_sort, sorted_page
from app.crm.tags import services
from app.crm.tags.models import Tag
from app.crm.tags.schemas import SORTS, TagCreate, TagInput, TagListArguments, TagPage, TagSchema
from app.records.search import where_searched

blp = resource_blueprint(
    "tags",
    __name__,
    scope_object="tags",
    description="Coloured labels for records.",
)

PAGE_SORTS = labelled_sorts(SORTS, name=Tag.name, created_at=Tag.created_at)


def list_tags_page(*, search=None, sort=None, cursor=None, limit=None, filters=None):
    """A keyset page of tags (the services list them all at once, which suits forms, not the API)."""
    stmt = where_searched(select(Tag), func.lower(Tag.name), search)
    return sorted_page(db.session, stmt, Tag, resolve_sort(PAGE_SORTS, sort, "name"), cursor, limit)


add_crud_routes(
    blp,
    endpoints=("Tags", "TagItem"),
    id_argument="tag_id",
    schemas=Schemas(TagSchema, TagPage, create=TagCreate, update=TagInput, list_arguments=TagListArguments),
    verbs=Verbs(list_tags_page, services.get_tag, services.create_tag, services.update_tag, services.delete_tag),
    summaries=Summaries.of("tag", create="Create a tag", delete="Delete a tag (it is removed from every record)"),
)
