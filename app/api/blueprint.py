"""flask-smorest wired to our tenant hosts, error format and API gate."""

from functools import cache, wraps

import flask_smorest
from flask import current_app, jsonify, request
from flask_smorest.spec.plugins import FlaskPlugin
from flask_smorest.utils import resolve_schema_instance, unpack_tuple_response
from marshmallow import RAISE
from werkzeug import Response
from werkzeug.exceptions import HTTPException

from app.api.dumping import compile_dump
from app.api.errors import ErrorSchema, handle_app_error, handle_http_error
from app.api.gate import add_rate_limit_headers, close_api_call, open_api_call
from app.api.listing import page_body
from app.core.errors import AppError, ValidationFailed
from app.core.extensions import csrf
from app.core.hosts import TENANT, HostBlueprint

API_PREFIX = "/api/v1"


def refuse_undeclared_query() -> None:
    """A read that declares no query parameters refuses any (422), as those that declare some
    refuse the others (`ApiBlueprint.arguments`): a `?limit=5` on a list that has no pages, or
    a typo, would otherwise answer as if it had been understood."""
    if request.method != "GET" or not request.args:
        return
    view = current_app.view_functions[request.endpoint]
    handler = getattr(getattr(view, "view_class", None), "get", view)
    doc = getattr(handler, "_apidoc", {})
    declared = doc.get("arguments", {}).get("parameters", []) + doc.get("manual_doc", {}).get("parameters", [])
    if any(parameter.get("in") == "query" for parameter in declared):
        return
    raise ValidationFailed(
        "The request has invalid fields.", details={key: ["Unknown parameter."] for key in request.args}
    )


LOCATION_DOC = {"description": "The URL of what was made", "schema": {"type": "string", "format": "uri"}}


def created_at(body, path: str):
    """A 201's answer that names where what it made lives, when that is not an item of the
    collection posted to (an invoice made from an order, the message a reply sent): `path`
    is under /api/v1 (`invoices/<id>`)."""
    return body, {"Location": f"{request.host_url.rstrip('/')}{API_PREFIX}/{path}"}


class ApiBlueprint(flask_smorest.Blueprint, HostBlueprint):
    """A REST resource on tenant hosts. `scope_object` names the key scope its calls need
    ("contacts" → GET needs contacts:read, other methods contacts:write); None needs none."""

    host_kind = TENANT

    def __init__(self, name, import_name, *, scope_object: str | None, tag: str | None = None, **kwargs):
        super().__init__(name, import_name, **kwargs)
        self.scope_object = scope_object
        # The OpenAPI tag; blueprint names carry an `api_` prefix to stay clear of the HTML ones.
        self.tag = tag or name.removeprefix("api_")
        self.before_request(open_api_call)
        self.before_request(refuse_undeclared_query)
        self.after_request(add_rate_limit_headers)
        self.after_request(self.locate_created)
        # Registered last so it runs first: the headers report the count it takes.
        self.after_request(close_api_call)
        self.register_error_handler(AppError, handle_app_error)
        self.register_error_handler(HTTPException, handle_http_error)

        # Bearer keys, not cookies, authenticate these calls: there is no session to forge.
        csrf.exempt(self)

    def locate_created(self, response: Response) -> Response:
        """A POST to the collection that made an item says where it lives (`Location`, RFC 9110):
        its URL is the collection's followed by its id. Other 201s (a payment, a reply) name
        theirs with `created_at()`; this does not guess one for them."""
        if (
            response.status_code == 201
            and "Location" not in response.headers
            and request.path.rstrip("/") == self.url_prefix
        ):
            created = response.get_json(silent=True)
            if isinstance(created, dict) and created.get("id"):
                response.headers["Location"] = f"{request.base_url.rstrip('/')}/{created['id']}"
        return response

    def arguments(self, schema, **kwargs):
        """As smorest's, but a schema that says what to do with unknown parameters gets its way
        (`ListArguments` takes them in to refuse all but `cf.<key>` with a message), and any other
        query string refuses them."""
        declared = getattr(getattr(schema, "Meta", None), "unknown", None)
        if declared is not None:
            kwargs.setdefault("unknown", declared)
        elif kwargs.get("location") == "query":
            # webargs drops a query string's unknown keys by default: a typo (`?recordtype=`)
            # would answer the unfiltered list. Refused instead, as a JSON body's are.
            kwargs.setdefault("unknown", RAISE)
        return super().arguments(schema, **kwargs)

    def response(self, status_code, schema=None, **kwargs):
        """As smorest's (the same OpenAPI document), but the body is dumped by the schema
        compiled once (`app.api.dumping`) instead of by `Schema.dump` on every call."""
        if status_code == 201:
            kwargs.setdefault("headers", {"Location": LOCATION_DOC})
        documented = super().response(status_code, schema, **kwargs)
        if schema is None:
            return documented

        @cache  # compiled on first use: a nested schema may be named before it is declared
        def compiled():
            return compile_dump(resolve_schema_instance(schema))

        def decorator(func):
            @wraps(func)
            def dumped(*args, **view_kwargs):
                result, status, headers = unpack_tuple_response(current_app.ensure_sync(func)(*args, **view_kwargs))
                if isinstance(result, Response):
                    return result, status, headers
                response = jsonify(compiled()(result))
                response.status_code = status_code  # smorest applies the view's own status, if any
                return response, status, headers

            return documented(dumped)

        return decorator

    def paged(self, arguments, page):
        """A list's GET: `arguments` read from the query string, and the `Page` the view returns
        answered in the `page` schema (`{items, next_cursor, prev_cursor}`, see `page_schema`)."""

        def decorator(func):
            @wraps(func)
            def answered(*args, **kwargs):
                return page_body(func(*args, **kwargs))

            return self.arguments(arguments, location="query")(self.response(200, page)(answered))

        return decorator

    def add_url_rule(self, rule, endpoint=None, view_func=None, provide_automatic_options=None, **options):
        options["tags"] = options.get("tags") or [self.tag]
        super().add_url_rule(rule, endpoint, view_func, provide_automatic_options, **options)


def resource_blueprint(
    path: str, import_name: str, *, scope_object: str | None, description: str, tag: str | None = None
) -> ApiBlueprint:
    """The blueprint of the resource at `/api/v1/<path>`, named after its path (`deal-reasons`
    → `api_deal_reasons`), so that the name and the URL cannot drift apart."""
    return ApiBlueprint(
        f"api_{path.replace('-', '_')}",
        import_name,
        url_prefix=f"{API_PREFIX}/{path}",
        scope_object=scope_object,
        tag=tag,
        description=description,
    )


class TenantHostFlaskPlugin(FlaskPlugin):
    """Tenant rules carry the host as a `<host>` argument; it is not a path parameter."""

    def rule_to_params(self, rule):
        return [param for param in super().rule_to_params(rule) if param["name"] != "host"]


class AtriumApi(flask_smorest.Api):
    """The smorest Api without its own error handlers: ours already answer JSON under /api/."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        return None

    def register_blueprint(self, blp, *, parameters=None, **options):
        """As smorest's, but the OpenAPI tag is the blueprint's `tag`, not its name."""
        self._app.extensions["flask-smorest"]["blp_name_to_api"][blp.name] = self
        self._app.register_blueprint(blp, **options)
        blp.register_views_in_doc(self, self._app, self.spec, name=blp.name, parameters=parameters)
        self.spec.tag({"name": blp.tag, "description": blp.description})
