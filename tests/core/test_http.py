"""Security headers, error pages and the shell."""

import pytest
from werkzeug.exceptions import InternalServerError


def test_security_headers_on_every_page(tenant_a, client_for, apex_client):
    for response in (apex_client.get("/"), client_for(tenant_a).get("/")):
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self' 'nonce-" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Strict-Transport-Security" not in response.headers


def test_hsts_when_served_over_https(tenant_a, client_for):
    response = client_for(tenant_a).get("/", base_url=f"https://{tenant_a.host}")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize(("path", "status"), [("/nope", 404), ("/settings/users", 403)])
def test_error_pages_render_inside_the_app(tenant_a, client_for, path, status):
    response = client_for(tenant_a, role="viewer").get(path)
    assert response.status_code == status
    assert b"Error %d" % status in response.data


def test_server_errors_render_a_friendly_page(app, tenant_a, client_for):
    from app.core.errors import handle_unexpected_error

    with app.test_request_context("/", base_url=tenant_a.base_url):
        body, status = handle_unexpected_error(InternalServerError())
    assert status == 500
    assert "Something went wrong" in body


def test_navigation_shows_only_what_the_role_may_open(tenant_a, client_for):
    owner_page = client_for(tenant_a).get("/").data
    viewer_page = client_for(tenant_a, role="viewer").get("/").data
    assert b'href="/settings/users"' in owner_page
    assert b'href="/settings/users"' not in viewer_page
    assert b"Getting started" in viewer_page


def test_api_style_errors_are_json(tenant_a, client_for):
    response = client_for(tenant_a).get("/nope", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json == {"error": {"code": "not_found", "message": "Not found.", "details": {}}}
