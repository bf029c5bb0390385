"""Generated CSRF test: every state-changing form route refuses a missing or foreign token."""

import uuid

import pytest

from tests.conftest import csrf_token_from

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _form_rules(app):
    from app.core.extensions import csrf

    exempt = {f"{view.__module__}.{view.__name__}" for view in app.view_functions.values() if _is_exempt(csrf, view)}
    kinds = app.extensions["atrium_endpoint_hosts"]
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.rule.startswith("/api/") or f"{view.__module__}.{view.__name__}" in exempt:
            continue
        for method in sorted(rule.methods & STATE_CHANGING):
            yield rule, method, kinds.get(rule.endpoint)


def _is_exempt(csrf, view) -> bool:
    return f"{view.__module__}.{view.__name__}" in csrf._exempt_views or view.__module__ in csrf._exempt_blueprints


def pytest_generate_tests(metafunc):
    if "csrf_case" in metafunc.fixturenames:
        from app import create_app

        probe = create_app("testing", BASE_DOMAIN="atrium.test", SQLALCHEMY_DATABASE_URI="sqlite://")
        cases = [
            pytest.param((rule.rule, rule.endpoint, method, kind), id=f"{method} {rule.rule}")
            for rule, method, kind in _form_rules(probe)
        ]
        metafunc.parametrize("csrf_case", cases)


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def _path(rule) -> str:
    path = rule
    while "<" in path:
        start, end = path.index("<"), path.index(">")
        path = path[:start] + str(uuid.uuid4()) + path[end + 1 :]
    return path


def test_state_changing_route_needs_a_valid_token(app, csrf_case, tenant_a, tenant_b, client_for, csrf_on):
    rule, _endpoint, method, kind = csrf_case
    if kind == "tenant":
        client = client_for(tenant_a)
        other = client_for(tenant_b)
        page_path = "/settings/users"
    else:
        from tests.conftest import host_client

        base = "http://atrium.test" if kind == "apex" else "http://admin.atrium.test"
        client, other = host_client(app, base), host_client(app, base)
        page_path = "/signup" if kind == "apex" else "/login"
    path = _path(rule)
    missing = client.open(path, method=method, data={})
    assert missing.status_code == 400, f"{method} {rule} accepted a request without a CSRF token"
    assert b"expired" in missing.data or missing.is_json
    foreign_token = csrf_token_from(other.get(page_path).data.decode())
    foreign = client.open(path, method=method, data={"csrf_token": foreign_token})
    assert foreign.status_code == 400, f"{method} {rule} accepted another session's CSRF token"
