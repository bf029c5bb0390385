"""Browser sessions: host-aware cookies, tenant-bound user loading, rotation at login."""

import secrets
import uuid

from flask import current_app, g, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import login_user, logout_user

from app.core.hosts import ADMIN, TENANT
from app.core.ids import parse_uuid
from app.extensions import db, login_manager


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


def start_session(user, *, tenant_id: uuid.UUID | None) -> None:
    """Replace whatever session the browser had (fixation defence) with a fresh one."""
    session.clear()
    session["sid"] = secrets.token_urlsafe(16)
    if tenant_id is not None:
        session["tenant_id"] = str(tenant_id)
    session.permanent = True
    login_user(user)


def end_session() -> None:
    logout_user()
    session.clear()


@login_manager.user_loader
def load_user(user_key: str):
    user_id, _, token = (user_key or "").partition(":")
    user_uuid = parse_uuid(user_id)
    if user_uuid is None or not token:
        return None
    kind = g.get("host_kind")
    if kind == TENANT:
        from app.auth.models import User

        if session.get("tenant_id") != str(g.tenant.id):
            return None
        user = db.session.get(User, (g.tenant.id, user_uuid))
    elif kind == ADMIN:
        from app.superadmin.models import PlatformAdmin

        user = db.session.get(PlatformAdmin, user_uuid)
    else:
        return None
    if user is None or not user.is_active or not secrets.compare_digest(user.session_token, token):
        return None
    return user
