"""The REST resource of a workspace settings table (tags, custom fields, web forms): list and
create on the collection, get, change and delete on an item.

Those resources differ only in their schemas, their service verbs and the summaries the OpenAPI
document shows, so their five handlers are written once here.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask.views import MethodView
from marshmallow import Schema, fields

from app.api.blueprint import ApiBlueprint
from app.api.gate import api_actor
from app.api.listing import page_body, split_list_arguments
from app.auth.permissions import check_permission
from app.core.pagination import Page


class SettingSchema(Schema):
    """A settings row as answered: its id and its workspace's first, then its own fields."""

    id = fields.UUID(dump_only=True, required=True)
    tenant_id = fields.UUID(dump_only=True, required=True)


@dataclass(frozen=True)
class Summaries:
    """What the OpenAPI document says each operation does."""

    list: str
    create: str
    get: str
    update: str
    delete: str

    @classmethod
    def of(cls, noun: str, *, create: str, delete: str) -> "Summaries":
        """List, get and change said of the resource's `noun` ("List tags", "Get a tag", "Change a
        tag"); creating and deleting each carry a note of their own."""
        return cls(list=f"List {noun}s", create=create, get=f"Get a {noun}", update=f"Change a {noun}", delete=delete)


@dataclass(frozen=True)
class Schemas:
    """The item as answered, a page of items, and the bodies of a create and a change.

    `list_arguments` is the query of a list that is searched, sorted and paged; without it the
    list is every row, in one page. `delete_arguments` is the query of a delete, when it takes
    one (where a stage's deals go, say)."""

    item: type[Schema]
    page: type[Schema]
    create: type[Schema]
    update: type[Schema]
    list_arguments: type[Schema] | None = None
    delete_arguments: type[Schema] | None = None


@dataclass(frozen=True)
class Verbs:
    """The service functions the handlers call; the writes take the API key's actor.

    With list arguments declared, `list` is given them (split) and answers a keyset page; without,
    it answers every row, and the resource sends them in one page. With delete arguments
    declared, `delete` is given them as keywords."""

    list: Callable
    get: Callable
    create: Callable
    update: Callable
    delete: Callable


def add_crud_routes(
    blp: ApiBlueprint,
    *,
    endpoints: tuple[str, str],
    id_argument: str,
    schemas: Schemas,
    verbs: Verbs,
    summaries: Summaries,
    view_permission: str | None = None,
) -> None:
    """Route `""` and `/<uuid:{id_argument}>` of `blp` under the two endpoint names given.

    `view_permission`, when given, is checked before a list or a get; without it reading is
    left to the key's scope, as for any record."""
    collection_endpoint, item_endpoint = endpoints

    def check_can_view() -> None:
        if view_permission is not None:
            check_permission(api_actor(), view_permission)

    if schemas.list_arguments is None:

        @blp.response(200, schemas.page)
        @blp.doc(summary=summaries.list)
        def list_items(self):
            check_can_view()
            return page_body(Page(items=verbs.list()))

    else:

        @blp.paged(schemas.list_arguments, schemas.page)
        @blp.doc(summary=summaries.list)
        def list_items(self, args):
            check_can_view()
            return verbs.list(**split_list_arguments(args))

    if schemas.delete_arguments is None:

        @blp.response(204)
        @blp.doc(summary=summaries.delete)
        def delete_item(self, **url_values):
            verbs.delete(verbs.get(url_values[id_argument]), actor=api_actor())

    else:

        @blp.arguments(schemas.delete_arguments, location="query")
        @blp.response(204)
        @blp.doc(summary=summaries.delete)
        def delete_item(self, args, **url_values):
            verbs.delete(verbs.get(url_values[id_argument]), actor=api_actor(), **args)

    class Collection(MethodView):
        get = list_items

        @blp.arguments(schemas.create)
        @blp.response(201, schemas.item)
        @blp.doc(summary=summaries.create)
        def post(self, data):
            return verbs.create(data, actor=api_actor())

    # The item's id arrives under the name its URL rule gives it (`tag_id`, `form_id`, …).
    class Item(MethodView):
        @blp.response(200, schemas.item)
        @blp.doc(summary=summaries.get)
        def get(self, **url_values):
            check_can_view()
            return verbs.get(url_values[id_argument])

        @blp.arguments(schemas.update)
        @blp.response(200, schemas.item)
        @blp.doc(summary=summaries.update)
        def patch(self, data, **url_values):
            return verbs.update(verbs.get(url_values[id_argument]), data, actor=api_actor())

        delete = delete_item

    blp.route("", endpoint=collection_endpoint)(Collection)
    blp.route(f"/<uuid:{id_argument}>", endpoint=item_endpoint)(Item)
