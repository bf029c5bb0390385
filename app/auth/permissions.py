"""Roles map to permissions here and only here; views and services declare what they need.

A permission is "<area>.<action>". Platform areas are listed below; each record type adds
its area (`contacts.view`, `contacts.create`, `contacts.edit`, `contacts.delete`,
`contacts.export`) through `register_record_permissions` when the app wires it.

An actor is a signed-in user or an API key acting for its creator. A key's actor carries a
`permits(permission)` answer from its scopes: a key may only do what its creator's CURRENT
role allows AND what its scopes allow.
"""

from functools import wraps

from flask import abort
from flask_login import current_user

from app.auth.models import Role
from app.core.errors import PermissionDenied
from app.core.extensions import login_manager

RECORD_ACTIONS = ("view", "create", "edit", "delete", "export")
WRITERS = frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER, Role.SALES, Role.MARKETING, Role.SUPPORT})
MANAGERS = frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER})
DEFAULT_RECORD_GRANTS = {
    "view": frozenset(Role.ALL),
    "create": WRITERS,
    "edit": WRITERS,
    "delete": MANAGERS,
    "export": MANAGERS,
}
ACTION_LABELS = {"view": "View", "create": "Create", "edit": "Edit", "delete": "Delete", "export": "Export"}

_GRANTS: dict[str, frozenset[str]] = {
    "settings.manage": frozenset({Role.OWNER, Role.ADMIN}),
    "users.manage": frozenset({Role.OWNER, Role.ADMIN}),
    "audit.view": frozenset({Role.OWNER, Role.ADMIN}),
    "billing.manage": frozenset({Role.OWNER}),
    "plan.view": frozenset({Role.OWNER, Role.ADMIN}),
    "api_keys.manage": frozenset({Role.OWNER, Role.ADMIN}),
    "fields.manage": frozenset({Role.OWNER, Role.ADMIN}),
    "tags.manage": frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER}),
}
# area -> label, for the permission matrix and error messages.
AREA_LABELS: dict[str, str] = {}


def register_record_permissions(area: str, label: str, grants: dict | None = None) -> None:
    """Add `<area>.view|create|edit|delete|export` with the default grants (or `grants`)."""
    AREA_LABELS[area] = label
    for action in RECORD_ACTIONS:
        roles = (grants or {}).get(action, DEFAULT_RECORD_GRANTS[action])
        _GRANTS[f"{area}.{action}"] = frozenset(roles)


def register_permission(permission: str, roles) -> None:
    """Add one permission that is not a record action (`segments.manage_shared`, say)."""
    _GRANTS[permission] = frozenset(roles)


def is_known(permission: str) -> bool:
    return permission in _GRANTS


def all_permissions() -> tuple[str, ...]:
    return tuple(sorted(_GRANTS))


def role_permissions(role: str) -> frozenset[str]:
    return frozenset(permission for permission, roles in _GRANTS.items() if role in roles)


def can(actor, permission: str) -> bool:
    """Whether `actor` (a user, or an API key's actor) may do `permission` right now."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if permission not in _GRANTS:
        raise KeyError(f"unknown permission {permission!r}")
    if getattr(actor, "role", "") not in _GRANTS[permission]:
        return False
    permits = getattr(actor, "permits", None)
    return permits(permission) if permits is not None else True


def check_permission(actor, permission: str) -> None:
    """Raise PermissionDenied (403) unless `actor` may do `permission`; services call this."""
    if not can(actor, permission):
        area, _, action = permission.rpartition(".")
        label = AREA_LABELS.get(area, area.replace("_", " "))
        raise PermissionDenied(
            f"You may not {action} {label.lower()}.", details={"permission": permission, "role": actor_role(actor)}
        )


def check_permission_if_acting(actor, permission: str) -> None:
    """`check_permission` when a person or an API key acts; None is no one acting (a job, the
    app's own wiring, or a page whose view already required its permission) and is let through."""
    if actor is not None:
        check_permission(actor, permission)


def acting_user(actor):
    """The user behind an actor (an API key acts for its creator)."""
    return getattr(actor, "user", actor)


def actor_role(actor) -> str:
    return getattr(actor, "role", "") or ""


def requires_permission(permission: str):
    """Refuse with 403 unless the signed-in tenant user's role grants `permission`.

    The permission is looked up when the view runs, so record types registered by the app's
    wiring may be named before registration.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not can(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        wrapper.required_permission = permission
        return wrapper

    return decorator
