"""What every API list shares: cursor/limit/q/sort arguments, `cf.<key>` filters, the page body."""

from marshmallow import INCLUDE, Schema, ValidationError, fields, missing, validate, validates_schema

from app.api.inputs import InputSchema
from app.core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

CUSTOM_FILTER_PREFIX = "cf."
CUSTOM_FILTERS_MARKER = "x-custom-field-filters"


def page_limit(default: int | None = DEFAULT_PAGE_SIZE) -> fields.Integer:
    """`limit`: items per page (1–MAX_PAGE_SIZE), `default` when not given; with None, the list's
    service picks it."""
    return fields.Integer(
        load_default=missing if default is None else default, validate=validate.Range(min=1, max=MAX_PAGE_SIZE)
    )


class PageArguments(InputSchema):
    """The query string of a list that only pages (`cursor`, `limit`): no search, sort or custom
    filters. A resource subclasses it for its own filters."""

    cursor = fields.String(validate=validate.Length(max=1000))
    limit = page_limit()


class ListArguments(InputSchema):
    """Base query string of a list; a resource subclass adds `sort` (its allow-list) and filters."""

    class Meta:
        unknown = INCLUDE  # only `cf.<key>` custom-field filters; anything else is refused below

    allows_custom_filters = True

    cursor = fields.String(
        validate=validate.Length(max=1000),
        metadata={"description": "`next_cursor` or `prev_cursor` of the page before"},
    )
    limit = fields.Integer(
        load_default=25,
        validate=validate.Range(min=1, max=MAX_PAGE_SIZE),
        metadata={"description": f"Items per page (1–{MAX_PAGE_SIZE})"},
    )
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Search text"})

    @validates_schema(pass_original=True)
    def only_custom_filters_extra(self, data, original, **kwargs):
        extra = [key for key in data if key not in self.fields]
        unknown = [key for key in extra if not (self.allows_custom_filters and key.startswith(CUSTOM_FILTER_PREFIX))]
        if unknown:
            raise ValidationError({key: ["Unknown parameter."] for key in unknown})


class PlainListArguments(ListArguments):
    """The query string of a list of rows that have no custom fields (tags, pipelines, message
    templates…): `ListArguments`, but a `cf.<key>` parameter is refused as any unknown one. A
    resource subclasses it for its `sort` and its own filters."""

    allows_custom_filters = False


def sort_field(sorts: dict, default: str) -> fields.String:
    return fields.String(
        validate=validate.OneOf(list(sorts)),
        metadata={"description": f"Order: {', '.join(sorts)} (default {default})"},
    )


class UnsearchedListArguments(ListArguments):
    """The query string of a sorted, filtered list that has no search: `q` is neither documented
    nor accepted (422, unknown parameter), so no client sends a search that is ignored."""

    class Meta(ListArguments.Meta):
        exclude = ("q",)

    allows_custom_filters = False


def split_list_arguments(args: dict) -> dict:
    """{cursor, limit, search, sort, filters} for a service's list function."""
    args = dict(args)
    common = {
        "cursor": args.pop("cursor", None),
        "limit": args.pop("limit", None),
        "search": args.pop("q", None),
        "sort": args.pop("sort", None),
    }
    common["filters"] = {key: value for key, value in args.items() if value not in (None, "")}
    return common


def page_body(page) -> dict:
    return {"items": page.items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor}


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """`{items: [...], next_cursor, prev_cursor}` around one resource's schema."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "next_cursor": fields.String(
                allow_none=True, required=True, metadata={"description": "Pass as `cursor` for the next page"}
            ),
            "prev_cursor": fields.String(
                allow_none=True, required=True, metadata={"description": "Pass as `cursor` for the previous page"}
            ),
        },
        name=name,
    )


def custom_filters_doc(object_type: str) -> dict:
    """Operation doc marker: the per-tenant document adds a `cf.<key>` parameter per field."""
    return {CUSTOM_FILTERS_MARKER: object_type}
