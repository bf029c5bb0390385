"""The OpenAPI document, per tenant: the static spec, then what belongs to the tenant.

Packages whose schemas depend on the tenant (custom fields) register a filler with
`register_document_filler(fill)`; serving the document runs `fill(document)` on a copy, so
generated clients and Schemathesis see the real, typed fields of this workspace.
"""

import copy
from collections.abc import Callable

from flask import current_app, request

_fillers: list[Callable[[dict], None]] = []


def register_document_filler(fill: Callable[[dict], None]) -> None:
    if fill not in _fillers:
        _fillers.append(fill)


def tenant_spec() -> dict:
    """The document for the current tenant and host."""
    api = current_app.extensions["atrium-api"]
    base = current_app.extensions.get("atrium-api-spec")
    if base is None:
        base = current_app.extensions["atrium-api-spec"] = api.spec.to_dict()
    document = copy.deepcopy(base)
    for fill in _fillers:
        fill(document)
    document["servers"] = [{"url": request.host_url.rstrip("/"), "description": "This workspace"}]
    return document
