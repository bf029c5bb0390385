"""Browser sessions: host-aware cookies, tenant-bound user loading, rotation at login."""

import secrets
import uuid
from collections.abc import Callable

from flask import current_app, g, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, login_user, logout_user
from sqlalchemy import and_, bindparam

from app.auth.models import User
from app.core.extensions import db, login_manager
from app.core.hosts import TENANT
from app.core.ids import parse_uuid
from app.tenants.hosts import Companion
from app.tenants.models import Tenant

# Host kind -> the model of the people who sign in there besides tenant users: the console
# registers its platform admins, so auth does not depend on the console.
_HOST_USER_MODELS: dict[str, type] = {}


def register_host_users(kind: str, model: type) -> None:
    _HOST_USER_MODELS[kind] = model


def _is_admin_host() -> bool:
    return has_request_context() and request.host.lower() == f"admin.{current_app.config['BASE_DOMAIN']}".lower()


class HostAwareSessionInterface(SecureCookieSessionInterface):
    """The console's cookie has its own name and signing salt: it is useless on other hosts."""

    def get_cookie_name(self, app) -> str:
        return app.config["ADMIN_SESSION_COOKIE_NAME"] if _is_admin_host() else app.config["SESSION_COOKIE_NAME"]

    def get_signing_serializer(self, app):
        self.salt = "atrium-admin-session" if _is_admin_host() else "atrium-session"
        return super().get_signing_serializer(app)

    def get_cookie_domain(self, app):
        return None  # host-only cookies: never shared between subdomains


# A session someone else opened in the user's name (a platform admin impersonating an owner):
# its sign-out must not end the user's own sessions.
BORROWED_KEY = "borrowed"


def start_session(user, *, tenant_id: uuid.UUID | None, borrowed: bool = False) -> None:
    """Replace whatever session the browser had (fixation defence) with a fresh one."""
    session.clear()
    session["sid"] = secrets.token_urlsafe(16)
    if tenant_id is not None:
        session["tenant_id"] = str(tenant_id)
    if borrowed:
        session[BORROWED_KEY] = True
    session.permanent = True
    login_user(user)


def end_session() -> None:
    logout_user()
    session.clear()


# Called at a sign-out before the session is dropped: the console audits the end of an
# impersonation that ends by the signed-in user's "Sign out" (auth does not know the console),
# and answers where its admin goes next (None: the sign-in page, as for anyone).
_sign_out_listeners: list[Callable[[], str | None]] = []


def on_sign_out(listener: Callable[[], str | None]) -> None:
    if listener not in _sign_out_listeners:
        _sign_out_listeners.append(listener)


def sign_out() -> str | None:
    """The user's own sign-out. The session lives in a signed cookie, not on the server, so
    clearing it only forgets this browser's copy: a copy taken earlier (a shared computer, a
    stolen cookie) would still sign in for two weeks. Spending the user's session token makes
    every copy worthless, at the price of signing them out on their other devices too.

    Returns where to go next when a sign-out listener names a place (an impersonation's admin
    goes back to the console), otherwise None."""
    destinations = [listener() for listener in _sign_out_listeners]
    if current_user.is_authenticated and not session.get(BORROWED_KEY):
        current_user.session_token = secrets.token_hex(16)
    end_session()
    return next((destination for destination in destinations if destination), None)


def _signed_in_user(tenant_id) -> dict | None:
    if session.get("tenant_id") != str(tenant_id):
        return None
    user_uuid = parse_uuid((session.get("_user_id") or "").partition(":")[0])
    if user_uuid is None:
        return None
    return {"companion_user_id": user_uuid}


# The session's user, read with its tenant's row (app.tenants.hosts): `load_user` then finds it
# in the session's identity map instead of sending a statement of its own.
signed_in_user_companion = Companion(
    "user", User, and_(User.tenant_id == Tenant.id, User.id == bindparam("companion_user_id")), _signed_in_user
)


@login_manager.user_loader
def load_user(user_key: str):
    user_id, _, token = (user_key or "").partition(":")
    user_uuid = parse_uuid(user_id)
    if user_uuid is None or not token:
        return None
    kind = g.get("host_kind")
    if kind == TENANT:
        if session.get("tenant_id") != str(g.tenant.id):
            return None
        user = db.session.get(User, (g.tenant.id, user_uuid))
    elif kind in _HOST_USER_MODELS:
        user = db.session.get(_HOST_USER_MODELS[kind], user_uuid)
    else:
        return None
    if user is None or not user.is_active or not secrets.compare_digest(user.session_token, token):
        return None
    return user
