"""Mounts REST v1 when the API area's blueprint is registered: the smorest Api, every resource
blueprint, and the OpenAPI document route."""

from flask import jsonify

from app.api.blueprint import API_PREFIX, ApiBlueprint, AtriumApi, TenantHostFlaskPlugin
from app.api.spec import tenant_spec
from app.core.hosts import TenantBlueprint

API_DESCRIPTION = (
    "The Atrium REST API for this workspace. Authenticate every call with an API key from "
    "Settings → API keys, sent as `Authorization: Bearer <key>`. Errors are JSON objects "
    '`{"error": {"code", "message", "details"}}`. Lists are paginated by cursor: pass the '
    "`next_cursor` of one page as `cursor` to get the next. Every response carries "
    "`X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (Unix time): the "
    "plan's calls per day, or the key's burst window (calls per 10 seconds) when that is what "
    "refused a call with 429."
)


def API_RESOURCES():  # noqa: N802 - reads as a constant at the call site
    """Every resource blueprint of v1; a domain with an `api.py` adds its line here."""
    from app.crm.activities.api import blp as activities
    from app.crm.companies.api import blp as companies
    from app.crm.contacts.api import blp as contacts
    from app.crm.fields.api import blp as fields
    from app.crm.leads.api import blp as leads
    from app.crm.tags.api import blp as tags
    from app.records.api import catalogue_api

    return [contacts, companies, leads, activities, tags, fields, catalogue_api]


def _extra_resources(app) -> list:
    from app.records.api import record_api_blueprint
    from app.wiring import extra_record_types

    return [record_api_blueprint(record_type) for record_type in extra_record_types(app)]


meta = ApiBlueprint("api_meta", __name__, url_prefix=API_PREFIX, scope_object=None)


@meta.route("/openapi.json")
def openapi_document():
    """The OpenAPI 3 document of this workspace (any valid key may read it)."""
    return jsonify(tenant_spec())


def mount_api(app) -> None:
    if "atrium-api" in app.extensions:
        return
    api = AtriumApi(
        app,
        spec_kwargs={
            "title": "Atrium API",
            "version": "1.0",
            "openapi_version": "3.0.3",
            "flask_plugin": TenantHostFlaskPlugin(),
            "info": {"description": API_DESCRIPTION},
            "security": [{"bearerAuth": []}],
        },
    )
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "An API key: atr_<prefix>_<secret>"}
    )
    for blueprint in API_RESOURCES():
        api.register_blueprint(blueprint)
    for blueprint in _extra_resources(app):
        api.register_blueprint(blueprint)
    app.register_blueprint(meta)
    app.extensions["atrium-api"] = api


class ApiAreaBlueprint(TenantBlueprint):
    """The API area's HTML pages; registering it also mounts REST v1 on the app."""

    def register(self, app, options):
        super().register(app, options)
        mount_api(app)
