"""Roles map to permissions here and only here; views declare what they need."""

from functools import wraps

from flask import abort
from flask_login import current_user

from app.auth.models import Role

# Each permission is "<area>.<verb>". Later domains add their areas to this table.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {}

_ALL_AREAS = {
    "settings.manage": {Role.OWNER, Role.ADMIN},
    "users.manage": {Role.OWNER, Role.ADMIN},
    "audit.view": {Role.OWNER, Role.ADMIN},
    "billing.manage": {Role.OWNER},
    "plan.view": {Role.OWNER, Role.ADMIN},
    "api_keys.manage": {Role.OWNER, Role.ADMIN},
    "fields.manage": {Role.OWNER, Role.ADMIN},
    "tags.manage": {Role.OWNER, Role.ADMIN, Role.MANAGER},
    "records.view": set(Role.ALL),
    "records.create": {Role.OWNER, Role.ADMIN, Role.MANAGER, Role.SALES, Role.MARKETING, Role.SUPPORT},
    "records.edit": {Role.OWNER, Role.ADMIN, Role.MANAGER, Role.SALES, Role.MARKETING, Role.SUPPORT},
    "records.delete": {Role.OWNER, Role.ADMIN, Role.MANAGER},
    "records.bulk": {Role.OWNER, Role.ADMIN, Role.MANAGER},
    "records.export": {Role.OWNER, Role.ADMIN, Role.MANAGER},
}


def _build() -> None:
    for role in Role.ALL:
        ROLE_PERMISSIONS[role] = frozenset(p for p, roles in _ALL_AREAS.items() if role in roles)


_build()

ALL_PERMISSIONS = tuple(sorted(_ALL_AREAS))


def can(user, permission: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if permission not in _ALL_AREAS:
        raise KeyError(f"unknown permission {permission!r}")
    return permission in ROLE_PERMISSIONS.get(getattr(user, "role", ""), frozenset())


def requires_permission(permission: str):
    """Refuse with 403 unless the signed-in tenant user's role grants `permission`."""
    if permission not in _ALL_AREAS:
        raise KeyError(f"unknown permission {permission!r}")

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                from app.extensions import login_manager

                return login_manager.unauthorized()
            if not can(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        wrapper.required_permission = permission
        return wrapper

    return decorator
