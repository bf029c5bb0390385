"""Generated cross-tenant test: every tenant route with a record id answers 404 for another
tenant's record, with the same body as for an id that does not exist, for every method."""

import uuid

import pytest

from tests.conftest import strip_nonces
from tests.factories import ARG_FACTORIES, ENDPOINT_FACTORIES, load_domain_factories

SKIPPED_METHODS = {"HEAD", "OPTIONS"}


def _tenant_id_rules(app):
    kinds = app.extensions["atrium_endpoint_hosts"]
    rules = []
    for rule in app.url_map.iter_rules():
        if kinds.get(rule.endpoint) != "tenant":
            continue
        id_args = sorted(arg for arg in rule.arguments if arg == "id" or arg.endswith("_id"))
        if id_args:
            rules.append((rule, id_args))
    return rules


def _collect(app):
    load_domain_factories()
    cases = []
    for rule, id_args in _tenant_id_rules(app):
        for method in sorted(rule.methods - SKIPPED_METHODS):
            cases.append(pytest.param((rule.endpoint, rule.rule, method, tuple(id_args)), id=f"{method} {rule.rule}"))
    return cases


def pytest_generate_tests(metafunc):
    if "isolation_case" in metafunc.fixturenames:
        from app import create_app

        probe = create_app("testing", BASE_DOMAIN="atrium.test", SQLALCHEMY_DATABASE_URI="sqlite://")
        metafunc.parametrize("isolation_case", _collect(probe))


def test_every_id_route_has_a_factory(app):
    load_domain_factories()
    missing = [
        f"{rule.endpoint} ({rule.rule}): {arg}"
        for rule, args in _tenant_id_rules(app)
        if rule.endpoint not in ENDPOINT_FACTORIES
        for arg in args
        if arg not in ARG_FACTORIES
    ]
    assert not missing, (
        "register factories in tests/factories.py (or a domain's tests/**/factories.py) for: " + ", ".join(missing)
    )


def _url_values(app, endpoint, id_args, tenant):
    if endpoint in ENDPOINT_FACTORIES:
        return ENDPOINT_FACTORIES[endpoint](app, tenant)
    return {arg: ARG_FACTORIES[arg](app, tenant) for arg in id_args}


def _request(app, client, method, endpoint, values, tenant, request):
    from flask import url_for

    with app.test_request_context(base_url=tenant.base_url):
        url = url_for(endpoint, **values, host=tenant.host)
    path = url.split(tenant.host, 1)[-1]
    if path.startswith("/api/"):
        api_client = request.getfixturevalue("api_client_for")(tenant)
        return api_client.open(path, method=method, json={})
    return client.open(path, method=method, data={})


def test_foreign_record_is_404_like_a_missing_one(app, isolation_case, make_tenant, client_for, request):
    endpoint, rule, method, id_args = isolation_case
    alpha = make_tenant("alpha", plan="enterprise")
    bravo = make_tenant("bravo", plan="enterprise")
    if endpoint not in ENDPOINT_FACTORIES and any(arg not in ARG_FACTORIES for arg in id_args):
        pytest.fail(f"no factory for {endpoint}: see test_every_id_route_has_a_factory")
    foreign = _url_values(app, endpoint, id_args, bravo)
    _url_values(app, endpoint, id_args, alpha)  # alpha has look-alike records of its own
    missing = {key: (uuid.uuid4() if key in id_args else value) for key, value in foreign.items()}
    client = client_for(alpha)
    foreign_response = _request(app, client, method, endpoint, foreign, alpha, request)
    missing_response = _request(app, client, method, endpoint, missing, alpha, request)
    assert missing_response.status_code == 404, f"{method} {rule} with a missing id gave {missing_response.status_code}"
    assert foreign_response.status_code == 404, (
        f"{method} {rule} with bravo's record gave {foreign_response.status_code}"
    )
    assert strip_nonces(foreign_response.data) == strip_nonces(missing_response.data)
