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


def test_not_found_page_says_it_once_and_offers_a_way_on(tenant_a, client_for, apex_client, admin_client):
    """It read "Page not found" and then "Not found." under it, with one button to "the start page"."""
    signed_in = client_for(tenant_a).get("/nope").get_data(as_text=True)
    signed_out = client_for(tenant_a, role=None).get("/nope").get_data(as_text=True)
    apex = apex_client.get("/nope").get_data(as_text=True)
    console = admin_client.get("/nope").get_data(as_text=True)
    for page in (signed_in, signed_out, apex, console):
        shown = page.split('id="main"', 1)[1]
        assert shown.count("ot found") == 1
        assert "mistyped" in page
    assert 'href="/search"' in signed_in
    assert "Go to your dashboard" in signed_in
    assert 'href="/login"' in signed_out
    assert 'href="/login"' in apex
    assert "Find your workspace" in apex
    assert "Go to the console" in console


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


def _is_hardened(response) -> list[str]:
    csp = response.headers.get("Content-Security-Policy", "")
    problems = [
        f"CSP lacks {directive}"
        for directive in ("frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'")
        if directive not in csp
    ]
    if "default-src 'self'" not in csp and "default-src 'none'" not in csp:
        problems.append("CSP lacks a default-src")
    expected = {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "strict-origin-when-cross-origin",
    }
    problems += [
        f"{name} is {response.headers.get(name)!r}"
        for name, value in expected.items()
        if response.headers.get(name) != value
    ]
    return problems


def _every_kind_of_response(tenant, tenant_client, apex, admin, api):
    return {
        "tenant page": tenant_client.get("/"),
        "apex page": apex.get("/"),
        "admin page": admin.get("/login"),
        "API JSON": api.get("/api/v1/contacts"),
        "API error": api.get("/api/v1/contacts/not-an-id"),
        "error page": tenant_client.get("/nope"),
        "static file": apex.get("/static/css/app.css"),
        "tenant static file": tenant_client.get("/static/js/app.js"),
    }


def test_security_headers_on_every_kind_of_response(tenant_a, client_for, apex_client, admin_client, api_client_for):
    responses = _every_kind_of_response(
        tenant_a, client_for(tenant_a), apex_client, admin_client, api_client_for(tenant_a)
    )
    assert responses["API JSON"].is_json
    assert responses["static file"].status_code == 200
    assert responses["error page"].status_code == 404
    assert responses["API error"].status_code == 404
    problems = {kind: _is_hardened(response) for kind, response in responses.items() if _is_hardened(response)}
    assert not problems
    # Plain HTTP in development and tests: no HSTS (it would pin a laptop's localhost to HTTPS).
    assert not any("Strict-Transport-Security" in response.headers for response in responses.values())


def test_production_sends_hsts_on_every_kind_of_response_even_behind_a_tls_proxy(app, tenant_a):
    from app import create_app
    from tests.conftest import TEST_BASE_DOMAIN, host_client

    keys = ("SQLALCHEMY_DATABASE_URI", "PLATFORM_DATABASE_URL", "MIGRATION_DATABASE_URL")
    settings = {key: app.config[key] for key in keys if app.config.get(key)}
    production = create_app(
        "production", BASE_DOMAIN=TEST_BASE_DOMAIN, SECRET_KEY="s3cret-for-tests", SENDGRID_API_KEY="SG.key", **settings
    )
    tenant_client = host_client(production, tenant_a.base_url)
    anonymous_api = host_client(production, tenant_a.base_url)
    responses = _every_kind_of_response(
        tenant_a,
        tenant_client,
        host_client(production, f"http://{TEST_BASE_DOMAIN}"),
        host_client(production, f"http://admin.{TEST_BASE_DOMAIN}"),
        anonymous_api,
    )
    for kind, response in responses.items():
        assert response.status_code < 500, kind
        assert response.headers.get("Strict-Transport-Security", "").startswith("max-age=31536000"), kind
        assert not _is_hardened(response), (kind, _is_hardened(response))


def _form_action(response) -> str:
    policy = response.headers["Content-Security-Policy"]
    return next(part.strip() for part in policy.split(";") if part.strip().startswith("form-action"))


def test_a_page_posts_only_to_its_own_origin_unless_it_leads_elsewhere(tenant_a, client_for):
    """form-action was "'self' http: https:": an injected form could send what it held anywhere."""
    client = client_for(tenant_a)
    for path in ("/", "/contacts", "/settings/users"):
        assert _form_action(client.get(path)) == "form-action 'self'", path


def test_the_apex_forms_lead_to_workspaces_only(apex_client):
    for path in ("/", "/login", "/signup"):
        assert _form_action(apex_client.get(path)) == "form-action 'self' *.atrium.test", path


def test_the_billing_page_leads_to_stripes_pages(tenant_a, client_for):
    assert _form_action(client_for(tenant_a).get("/settings/billing")) == (
        "form-action 'self' https://checkout.stripe.com https://billing.stripe.com"
    )


def test_the_console_leads_to_the_tenant_it_impersonates_and_back(console, tenant_a):
    page = console.get(f"/tenants/{tenant_a.id}")
    assert _form_action(page) == "form-action 'self' alpha.atrium.test"
    assert _form_action(console.get("/tenants")) == "form-action 'self'"
    console.get(console.post(f"/tenants/{tenant_a.id}/impersonate", data={}).location)
    impersonated = console.get(f"{tenant_a.base_url}/contacts")
    assert _form_action(impersonated) == "form-action 'self' admin.atrium.test"


def test_a_web_form_that_leads_to_the_agencys_page_may_go_there(app, tenant_a):
    from tests.conftest import host_client
    from tests.crm.automation.forms_helpers import make_form

    leading = make_form(app, tenant_a, redirect_url="https://www.alpha-site.example/thanks?from=form")
    staying = make_form(app, tenant_a)
    client = host_client(app, tenant_a.base_url)
    assert _form_action(client.get(f"/f/{leading}")) == "form-action 'self' https://www.alpha-site.example"
    assert _form_action(client.get(f"/f/{leading}?embed=1")) == "form-action 'self' https://www.alpha-site.example"
    assert _form_action(client.get(f"/f/{staying}")) == "form-action 'self'"


@pytest.mark.parametrize("source", ["https://a.example;script-src *", "https://a.example b.example", "javascript:x"])
def test_a_source_that_would_reach_past_itself_is_left_out_of_the_policy(app, source):
    from flask import Response

    from app.core.security import add_security_headers, allow_form_action

    with app.test_request_context("/"):
        allow_form_action(source)
        assert _form_action(add_security_headers(Response())) == "form-action 'self'"
