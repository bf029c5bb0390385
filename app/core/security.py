"""Request hardening: security headers with a CSP nonce, input no database can store, and
safe redirect targets."""

import secrets
from urllib.parse import urlsplit

from flask import abort, current_app, g, request

from config import DEV_SECRET_KEY


class InsecureSettings(RuntimeError):
    """A setting that is fine on a laptop and dangerous in production."""


def check_secret_key(app) -> None:
    """Refuse to start production with no SECRET_KEY or the one in config.py: sessions and CSRF
    tokens signed with a published key can be forged by anyone."""
    if app.config.get("REQUIRE_OWN_SECRET_KEY") and app.config.get("SECRET_KEY") in (None, "", DEV_SECRET_KEY):
        raise InsecureSettings("SECRET_KEY is not set: production needs its own long random value.")


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def add_security_headers(response):
    nonce = csp_nonce()
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        f"style-src 'self' 'nonce-{nonce}'; "
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self' http: https:; "
        "frame-ancestors 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    # Production sits behind a TLS-terminating proxy, where the request itself may look plain.
    if request.is_secure or current_app.config.get("HSTS_ENABLED"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


FORM_MIMETYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def refuse_unstorable_input() -> None:
    """before_request: a NUL character in a form field or query argument is a 400.

    No browser form sends one, and PostgreSQL text cannot hold it: let through, it fails at
    the first INSERT (often the audit row) as a server error. The REST API answers its own
    422 for it, in its error format.
    """
    if request.path.startswith("/api/"):
        return
    values = [value for _, value in request.args.items(multi=True)]
    if request.mimetype in FORM_MIMETYPES:
        values += [value for _, value in request.form.items(multi=True)]
    if any("\x00" in value for value in values):
        abort(400)


def safe_next_url(target: str | None, default: str = "/") -> str:
    """Only same-host relative paths are allowed as a post-login destination."""
    if not target:
        return default
    target = target.strip()
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
