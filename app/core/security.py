"""Request hardening: security headers with a CSP nonce, input no database can store, and
safe redirect targets."""

import re
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


# A host (and port) as CSP may name it: nothing that could end the source or the directive.
_CSP_HOST = re.compile(r"^(\*\.)?[a-z0-9.-]+(:[0-9]{1,5})?$", re.IGNORECASE)


def allow_form_action(*sources: str) -> None:
    """Let this page's forms also go to `sources` (CSP `form-action`, which browsers apply to
    where a form's POST redirects too). Every page may post to its own origin only, unless
    it says otherwise: the apex's sign-in leads to a workspace, Stripe's checkout leaves the
    app. A source is a host ("admin.atrium.test", "*.atrium.test": the page's own scheme) or
    an origin ("https://www.site.example"); anything else is left out."""
    allowed = [source for source in sources if _csp_source(source)]
    g.form_action_sources = [*g.get("form_action_sources", []), *allowed]


def _csp_source(source: str) -> bool:
    scheme, _, host = source.rpartition("://")
    return scheme in ("", "http", "https") and bool(_CSP_HOST.match(host))


def origin_of(url: str) -> str:
    """The scheme and host of an absolute web address, as a CSP source ("" when it has none)."""
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


def add_security_headers(response):
    nonce = csp_nonce()
    form_action = " ".join(["'self'", *dict.fromkeys(g.get("form_action_sources", []))])
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        f"style-src 'self' 'nonce-{nonce}'; "
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
        f"object-src 'none'; base-uri 'self'; form-action {form_action}; "
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
