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


RESOURCES_KEY = "atrium-api-resources"


def set_api_resources(app, blueprints: list) -> None:
    """The app's wiring names the resource blueprints mounted under /api/v1."""
    app.extensions[RESOURCES_KEY] = list(blueprints)


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
    for blueprint in app.extensions.get(RESOURCES_KEY, []):
        api.register_blueprint(blueprint)
    app.register_blueprint(meta)
    app.extensions["atrium-api"] = api


class ApiAreaBlueprint(TenantBlueprint):
    """The API area's HTML pages; registering it also mounts REST v1 on the app."""

    def register(self, app, options):
        super().register(app, options)
        mount_api(app)
