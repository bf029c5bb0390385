"""What every API call passes before its view: key, plan feature, rate limits, scope.

Only the `Authorization: Bearer` header authenticates here; a browser session cookie never
does, so a page on another site cannot make a signed-in browser call the API.
"""

import time

from flask import current_app, g, request

from app.api import services
from app.api.errors import Unauthorized, handle_app_error
from app.api.ratelimits import burst_refusal, count_call, daily_refusal, hit_burst_window
from app.api.scopes import scope_for, scope_for_permission
from app.core.errors import PermissionDenied
from app.core.extensions import db
from app.plans.services import check_feature

BAD_KEY_MESSAGE = "Invalid or revoked API key."


def presented_key() -> str:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise Unauthorized("Send your API key in the header Authorization: Bearer <key>.")
    return credentials.strip()


def authenticate():
    """The current tenant's live key for this request; its creator must still be active."""
    key = services.find_active_key(presented_key())
    if key is None or not key.creator_is_active:
        raise Unauthorized(BAD_KEY_MESSAGE)
    return key


def open_api_call() -> None:
    """before_request of every API blueprint: the key, the plan's feature, the key's burst
    window and scope. The call is counted on the day's meter when it ends (close_api_call)."""

    key = authenticate()
    check_feature("api", g.tenant)
    g.api_key = key
    allowed, burst = hit_burst_window(key.id)
    g.api_allowance = burst
    if not allowed:
        g.api_burst_refused = True  # its headers report the burst window, not the day's
        raise burst_refusal(burst)
    object_type = getattr(current_app.blueprints.get(request.blueprint), "scope_object", None)
    if object_type is not None:
        needed = scope_for(object_type, request.method)
        if not key.allows(needed):
            raise PermissionDenied(f"This API key lacks the {needed} scope.", details={"scope": needed})


# Calls that change nothing: their transaction writes only the meter (and the key's last use),
# so its commit need not wait for the disk.
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def close_api_call(response):
    """after_request of every API blueprint: count the call on the day's meter.

    A call that succeeded is counted by the last statement of its own transaction, just
    before the request's commit: the meter row is locked only that long, and a call past the
    day's allowance is rolled back whole (its writes too) and answered 429. A refused or
    failing call — whose transaction rolls back — is counted in a transaction of its own."""
    key = g.get("api_key")
    if key is None:
        return response  # no valid key: nothing to count against
    if response.status_code >= 400:
        _count_on_its_own(key)
        return response
    daily, used = count_call(g.tenant, durable=request.method not in READING_METHODS)
    services.mark_used(key)
    if daily is None:
        return response
    g.api_allowance = daily
    if used <= daily.limit:
        return response
    _count_on_its_own(key)
    return current_app.make_response(handle_app_error(daily_refusal(daily, used)))


def _count_on_its_own(key) -> None:
    # Undo what the call wrote; its after-rollback work still runs when the request ends.
    db.session.rollback()
    daily, _ = count_call(g.tenant, durable=False)
    services.mark_used(key)
    db.session.commit()
    if daily is not None and not g.get("api_burst_refused"):
        g.api_allowance = daily


class KeyActor:
    """An API key acting for its creator: the creator's CURRENT role, cut down to the key's
    scopes. A key made by an admin who is now a viewer can only read."""

    is_authenticated = True

    def __init__(self, key):
        self.key = key
        self.user = key.created_by

    @property
    def id(self):
        return self.user.id

    @property
    def role(self) -> str:
        return self.user.role if self.user.is_active_user else ""

    @property
    def email(self) -> str:
        return self.user.email

    @property
    def display_name(self) -> str:
        return self.user.display_name

    @property
    def audit_label(self) -> str:
        return f"{self.user.email} (API key {self.key.display_prefix})"

    def permits(self, permission: str) -> bool:
        scope = scope_for_permission(permission)
        return scope is None or self.key.allows(scope)


def api_actor() -> KeyActor:
    """Who an API call acts as: the key, for its creator (audit rows name both)."""
    actor = g.get("api_actor")
    if actor is None:
        actor = g.api_actor = KeyActor(g.api_key)
    return actor


def add_rate_limit_headers(response):
    allowance = g.get("api_allowance")
    if allowance is not None:
        response.headers.update(allowance.headers())
        if response.status_code == 429:
            response.headers["Retry-After"] = str(max(allowance.reset - int(time.time()), 1))
    return response
