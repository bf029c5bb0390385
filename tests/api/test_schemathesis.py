"""Schemathesis against the tenant's OpenAPI document, with a real key and real records.

Every operation gets generated valid inputs (and invalid ones): no 5xx, and every response
matches its documented status, content type, headers and schema. Examples per operation:
SCHEMATHESIS_EXAMPLES, else 100 when CI is set, else a quick 15 (invalid inputs: a quarter).
"""

import os
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.transport.wsgi import WSGI_TRANSPORT

from app.records.registry import record_types
from tests.api.records import create
from tests.crm.automation.factories import seeded_ids as automation_ids
from tests.crm.factories import make_record
from tests.factories import ARG_FACTORIES, ENDPOINT_FACTORIES, load_domain_factories

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES") or (100 if os.environ.get("CI") else 15))
# Invalid inputs mostly stop at the schema layer: a quarter as many keeps CI within minutes.
EXAMPLES_BY_MODE = {GenerationMode.POSITIVE: EXAMPLES, GenerationMode.NEGATIVE: max(EXAMPLES // 4, 10)}
ID_KINDS = {
    "contact_id": "contact",
    "company_id": "company",
    "lead_id": "lead",
    "activity_id": "activity",
    "tag_id": "tag",
    "field_id": "field",
}


def _operations():
    from app import create_app

    probe = create_app("testing", BASE_DOMAIN="atrium.test", SQLALCHEMY_DATABASE_URI="sqlite://")
    with probe.app_context():
        paths = probe.extensions["atrium-api"].spec.to_dict()["paths"]
    return [
        pytest.param(method, path, id=f"{method.upper()} {path}")
        for path, item in paths.items()
        for method in ("get", "post", "patch", "delete")
        if method in item
    ]


def _seed(app, tenant) -> dict:
    """Real records (and custom fields of every type) so generated calls reach the services."""
    for definition in (
        {"object_type": "contact", "label": "Birthday", "field_type": "date"},
        {"object_type": "company", "label": "Tier", "field_type": "single_select", "options": ["Gold", "Silver"]},
        {"object_type": "lead", "label": "Interests", "field_type": "multi_select", "options": ["SEO", "Ads"]},
        {"object_type": "lead", "label": "Website", "field_type": "url"},
        {"object_type": "lead", "label": "Newsletter", "field_type": "checkbox"},
    ):
        create(app, tenant, "field", definition)
    ids = {arg: str(create(app, tenant, kind)) for arg, kind in ID_KINDS.items()}
    for record_type in record_types():
        # Every other record type (the test-only one included) from its declared example.
        ids.setdefault(record_type.id_arg, str(make_record(app, tenant, record_type.name)))
    ids.update({key: str(value) for key, value in automation_ids(app, tenant).items()})
    return ids


def _endpoint_of(app, path: str) -> str | None:
    """The endpoint of a documented path (`/api/v1/invoices/{invoice_id}` is `<uuid:invoice_id>`)."""
    for rule in app.url_map.iter_rules():
        if re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule) == path:
            return rule.endpoint
    return None


@pytest.mark.parametrize(("method", "path"), _operations())
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_operation_conforms_to_its_schema(app, api_client_for, tenant_a, monkeypatch, method, path, mode):
    monkeypatch.setitem(app.config, "API_BURST_LIMIT", 1_000_000)
    api = api_client_for(tenant_a)
    ids = _seed(app, tenant_a)
    document = api.get("/api/v1/openapi.json").json
    operation = schemathesis.openapi.from_dict(document)[path][method.upper()]
    # Deleting the real record would leave every later example a 404: DELETE gets random ids.
    fixed = {} if method == "delete" else {key: value for key, value in ids.items() if "{" + key + "}" in path}
    load_domain_factories()
    unmade = [key for key in re.findall(r"{(\w+)}", path) if key not in fixed and key not in ARG_FACTORIES]
    endpoint = _endpoint_of(app, path)
    if method != "delete" and unmade and endpoint in ENDPOINT_FACTORIES:
        # Ids no factory makes alone, that must belong together (an invoice and one of its payments).
        fixed.update({key: str(value) for key, value in ENDPOINT_FACTORIES[endpoint](app, tenant_a).items()})
    for key in re.findall(r"{(\w+)}", path) if method != "delete" else []:
        # Ids of other kinds (a deal's pipeline, a segment, an import) come from the isolation
        # test's factories.
        if key not in fixed and key in ARG_FACTORIES:
            fixed[key] = str(ARG_FACTORIES[key](app, tenant_a))
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed)
    seen: set[int] = set()

    @settings(
        max_examples=EXAMPLES_BY_MODE[mode],
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        request = WSGI_TRANSPORT.serialize_case(case)  # path, method, headers, query, body as sent
        request["headers"]["Authorization"] = f"Bearer {api.key}"  # the real key, never a generated one
        response = api.client.open(request.pop("path"), **request)
        seen.add(response.status_code)
        case.validate_response(response, checks=CHECKS)

    run()
    if mode == GenerationMode.POSITIVE and method == "get":
        assert 200 in seen, f"no successful call among {sorted(seen)}"
