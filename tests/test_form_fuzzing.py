"""Generated form fuzzing: every HTML form of the app, fed input no browser would send, answers
with a 4xx or a normal page — never a server error.

The forms come from the app itself: every POST route (tenant, apex and admin hosts; the REST
API has its own Schemathesis run, and CSRF-exempt machine endpoints take no form), signed in
with a role that may use it. The fields are read from the page that holds the form (the
route's own GET page, or a page above it in the URL), then each field in turn gets a NUL
byte, 10,000 characters, invalid UTF-8, a value of the wrong type (a file where text belongs,
text where a choice or number belongs) and two values at once, the others left valid.
"""

import io
import uuid
from html.parser import HTMLParser
from urllib.parse import quote, urlencode, urlsplit

import pytest

from app.core.extensions import db
from tests.conftest import TEST_BASE_DOMAIN, host_client, in_tenant, on_platform
from tests.factories import ARG_FACTORIES, ENDPOINT_FACTORIES, load_domain_factories

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
MAX_FIELDS = 10
# Tenant routes used signed out (their forms are for people who are not signed in yet).
SIGNED_OUT = {
    "auth.login",
    "auth.login_second_factor",
    "auth.forgot_password",
    "auth.reset_password",
    "auth.accept_invitation",
}
CONSOLE_SIGNED_OUT = {"console.login", "console.login_second_factor", "console.login_enrol"}
INVALID_UTF8 = "%C3%28%FF%FEx"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
FALLBACK_FIELDS = [("name", "text", "Fuzz"), ("email", "email", "fuzz@example.com"), ("reason", "text", "Fuzz")]


def _form_rules(app):
    from app.core.extensions import csrf

    kinds = app.extensions["atrium_endpoint_hosts"]
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        exempt = f"{view.__module__}.{view.__name__}" in csrf._exempt_views
        if rule.rule.startswith("/api/") or exempt or not rule.methods & STATE_CHANGING:
            continue
        if kinds.get(rule.endpoint) in ("tenant", "apex", "admin"):
            yield rule, kinds[rule.endpoint]


def pytest_generate_tests(metafunc):
    if "form_case" in metafunc.fixturenames:
        from app import create_app

        probe = create_app("testing", BASE_DOMAIN=TEST_BASE_DOMAIN, SQLALCHEMY_DATABASE_URI="sqlite://")
        cases = [
            pytest.param((rule.endpoint, rule.rule, kind), id=f"{kind} {rule.rule}")
            for rule, kind in _form_rules(probe)
        ]
        metafunc.parametrize("form_case", sorted(cases, key=lambda case: case.id))


# ----------------------------------------------------------------------------- the forms


class _Forms(HTMLParser):
    """Every <form method=post> of a page: its action and its fields (name, type, value)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form = None
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._form = {"action": attrs.get("action") or "", "fields": []}
            self.forms.append(self._form)
        if self._form is None or not attrs.get("name"):
            return
        fields = self._form["fields"]
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                if not any(name == attrs["name"] for name, _, _ in fields):
                    fields.append((attrs["name"], kind, None))
                return
            fields.append((attrs["name"], kind, attrs.get("value") or ""))
        elif tag == "select":
            self._select = [attrs["name"], "select", None]
            fields.append(self._select)
        elif tag == "textarea":
            self._textarea = [attrs["name"], "textarea", ""]
            fields.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[2] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def unknown_decl(self, data):  # pragma: no cover - malformed markup is not ours to judge
        pass


class _Options(HTMLParser):
    """The first (or selected) option of each <select>, for a valid baseline."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._name = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select":
            self._name = attrs.get("name")
        elif tag == "option" and self._name:
            value = attrs.get("value", "")
            if "selected" in attrs or self._name not in self.values:
                self.values[self._name] = value

    def handle_endtag(self, tag):
        if tag == "select":
            self._name = None


def _pages_holding(app, endpoint: str, path: str, values: dict):
    """Where the form that posts to `path` may be: the route's own page, the pages above it,
    the other pages of its blueprint, and record pages for the ids in its URL."""
    from flask import url_for

    yield path
    parts = path.rstrip("/").split("/")
    yield from ("/".join(parts[:i]) or "/" for i in range(len(parts) - 1, 0, -1))
    kinds = app.extensions["atrium_endpoint_hosts"]
    blueprint = endpoint.rpartition(".")[0]
    ids = [value for value in values.values() if isinstance(value, uuid.UUID)]
    for rule in app.url_map.iter_rules():
        if (
            "GET" not in rule.methods
            or kinds.get(rule.endpoint) != kinds.get(endpoint)
            or rule.rule.startswith("/api/")
        ):
            continue
        arguments = rule.arguments - {"host"}
        if not arguments and rule.endpoint.rpartition(".")[0] == blueprint:
            yield rule.rule
        elif len(arguments) == 1 and ids and str(rule._converters.get(next(iter(arguments)))).find("UUID") >= 0:
            for value in ids:
                with app.test_request_context():
                    yield urlsplit(url_for(rule.endpoint, **{next(iter(arguments)): value, **_host_value(rule)})).path


def _host_value(rule) -> dict:
    return {"host": "h"} if "host" in rule.arguments else {}


def _fields_for(app, client, endpoint: str, path: str, values: dict) -> list[tuple[str, str, str | None]]:
    """The fields of the form that posts to `path`, read from the first page that holds it."""
    seen = set()
    for page in _pages_holding(app, endpoint, path, values):
        if page in seen:
            continue
        seen.add(page)
        response = client.get(page)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        parser, options = _Forms(), _Options()
        parser.feed(html)
        options.feed(html)
        for form in parser.forms:
            if (urlsplit(form["action"]).path or page) != path:
                continue
            fields = []
            for name, kind, value in form["fields"]:
                if name != "csrf_token":
                    fields.append((name, kind, options.values.get(name, "") if kind == "select" else value))
            return fields[:MAX_FIELDS]
    return FALLBACK_FIELDS


PLAUSIBLE = {
    "email": "fuzz.person@example.com",
    "password": "correct-horse-battery-2",
    "number": "1",
    "date": "2026-01-15",
    "datetime-local": "2026-01-15T10:00",
    "color": "#123456",
    "url": "https://example.com",
    "tel": "+1 202 555 0100",
}


def _baseline(fields) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, kind, value in fields:
        if kind in ("checkbox", "radio"):
            if value is not None:
                data.setdefault(name, []).append(value or "y")
            continue
        if not value:
            value = PLAUSIBLE.get(kind) or ("a1b2c3" if "code" in name else "Fuzz value")
        data.setdefault(name, []).append(value)
    return data


def _wrong_type(kind: str):
    if kind in ("select", "number", "date", "datetime-local", "checkbox", "radio", "color", "hidden"):
        return "not-a-" + kind.replace("-", "")
    return (io.BytesIO(b"\x89PNG\r\n\x1a\n"), "a-file-where-text-belongs.png")  # a file instead of text


def _mutations(fields):
    """(label, form data or raw urlencoded body) pairs: each field in turn spoiled one way."""
    base = _baseline(fields)
    for name, kind, _ in fields:
        others = {key: values for key, values in base.items() if key != name}
        yield f"{name}: NUL byte", {**others, name: ["before\x00after"]}
        yield f"{name}: 10,000 characters", {**others, name: ["x" * 10_000]}
        body = urlencode(others, doseq=True)
        yield f"{name}: invalid UTF-8", (body + ("&" if body else "") + f"{quote(name)}={INVALID_UTF8}").encode()
        yield f"{name}: wrong type", {**others, name: [_wrong_type(kind)]}
        yield f"{name}: repeated", {**others, name: [*(base.get(name) or ["one"]), "two", "x" * 300]}


def _post(client, path: str, payload):
    if isinstance(payload, bytes):
        return client.post(path, data=payload, content_type="application/x-www-form-urlencoded")
    flat = {key: values if len(values) > 1 else values[0] for key, values in payload.items()}
    has_file = any(isinstance(value, tuple) for values in payload.values() for value in values)
    return client.post(path, data=flat, content_type="multipart/form-data" if has_file else None)


# ----------------------------------------------------------------------------- the clients


def _pending_sign_in(client, base_url: str, key: str, value: dict) -> None:
    from app.core.types import utcnow

    with client.session_transaction(base_url=base_url) as session:
        session[key] = {**value, "at": utcnow().timestamp(), "next": "/"}


def _tenant_values(app, endpoint, rule, tenant) -> dict:
    from datetime import timedelta

    from app.auth.models import Invitation, TokenPurpose, User
    from app.auth.services import issue_login_handoff
    from app.core.tokens import hash_token
    from app.core.types import utcnow

    if endpoint in ENDPOINT_FACTORIES:
        return ENDPOINT_FACTORIES[endpoint](app, tenant)
    values = {}
    for argument in rule.arguments:
        if argument in ARG_FACTORIES:
            values[argument] = ARG_FACTORIES[argument](app, tenant)
    if "token" in rule.arguments:
        with in_tenant(app, tenant.id):
            if endpoint == "auth.accept_invitation":
                token = uuid.uuid4().hex
                db.session.add(
                    Invitation(
                        email="fuzz.invitee@example.com",
                        role="sales",
                        token_hash=hash_token(token),
                        expires_at=utcnow() + timedelta(days=1),
                    )
                )
            else:
                owner = db.session.get(User, (tenant.id, tenant.users["owner"]))
                token = issue_login_handoff(owner, purpose=TokenPurpose.PASSWORD_RESET)
        values["token"] = token
    return values


def _admin_values(app, rule, tenant) -> dict:
    from app.messaging.models import OutboxMessage, OutboxStatus

    values = {}
    if "tenant_id" in rule.arguments:
        values["tenant_id"] = tenant.id
    if "code" in rule.arguments:
        values["code"] = "normal"
    if "message_id" in rule.arguments:
        with in_tenant(app, tenant.id):
            message = OutboxMessage(kind="email", payload={"to": "x@example.com"}, status=OutboxStatus.DEAD)
            db.session.add(message)
            db.session.flush()
            values["message_id"] = message.id
    if "admin_id" in rule.arguments:
        from app.superadmin.admins import ensure_platform_admin

        with on_platform(app):
            other, _ = ensure_platform_admin("other-admin@atrium.test", "another-long-password")
            other.totp_secret, other.totp_enabled = TOTP_SECRET, True
            values["admin_id"] = other.id
    return values


def _setup(app, form_case, make_tenant, client_for, request):
    """Return (make_client, path, values): a fresh client of the right kind, the URL to post
    to and the values it was built from."""
    from flask import url_for

    endpoint, rule_text, kind = form_case
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint and r.rule == rule_text)
    tenant = make_tenant("alpha", plan="enterprise")
    if kind == "tenant":
        load_domain_factories()
        values = _tenant_values(app, endpoint, rule, tenant)
        host, base_url = tenant.host, tenant.base_url
        if endpoint in SIGNED_OUT:

            def make_client():
                client = client_for(tenant, role=None)
                if endpoint == "auth.login_second_factor":
                    _pending_sign_in(client, base_url, "pending_2fa", {"user": str(tenant.users["owner"])})
                return client

        else:

            def make_client():
                return client_for(tenant)

    elif kind == "admin":
        admin_id, _ = request.getfixturevalue("platform_admin")
        values = _admin_values(app, rule, tenant)
        host, base_url = f"admin.{TEST_BASE_DOMAIN}", f"http://admin.{TEST_BASE_DOMAIN}"
        if endpoint in CONSOLE_SIGNED_OUT:
            _prepare_admin_second_factor(app, admin_id, enrolled=endpoint == "console.login_second_factor")

            def make_client():
                client = host_client(app, base_url)
                if endpoint != "console.login":
                    _pending_sign_in(
                        client, base_url, "pending_admin_2fa", {"admin": str(admin_id), "secret": TOTP_SECRET}
                    )
                return client

        else:

            def make_client():
                return request.getfixturevalue("console")

    else:
        values, host, base_url = {}, TEST_BASE_DOMAIN, f"http://{TEST_BASE_DOMAIN}"

        def make_client():
            return host_client(app, base_url)

    with app.test_request_context(base_url=base_url):
        url = url_for(endpoint, **values, **({"host": host} if "host" in rule.arguments else {}))
    parts = urlsplit(url)
    return make_client, parts.path + (f"?{parts.query}" if parts.query else ""), values


def _prepare_admin_second_factor(app, admin_id, *, enrolled: bool) -> None:
    from app.superadmin.models import PlatformAdmin

    with on_platform(app):
        admin = db.session.get(PlatformAdmin, admin_id)
        admin.totp_secret, admin.totp_enabled = (TOTP_SECRET, True) if enrolled else (None, False)


# ----------------------------------------------------------------------------- the test


def test_every_form_answers_garbage_with_a_4xx_never_a_server_error(app, form_case, make_tenant, client_for, request):
    make_client, path, values = _setup(app, form_case, make_tenant, client_for, request)
    client = make_client()
    fields = _fields_for(app, client, form_case[0], path, values)
    failures = []
    for label, payload in _mutations(fields):
        response = _post(client, path, payload)
        if response.status_code >= 500:
            failures.append(f"{label}: {response.status_code}")
        elif "NUL byte" in label and response.status_code < 400:
            failures.append(f"{label}: accepted with {response.status_code}")
        if response.status_code in (302, 303) and "/login" in (response.location or ""):
            client = make_client()  # signed out (logout, impersonation end): sign in again
    assert not failures, f"POST {path} with fields {[name for name, _, _ in fields]}:\n" + "\n".join(failures)
