"""API key scopes: read and/or write per object type, written "contacts:read".

Platform objects are listed here; each record type adds its own when the app wires it.
"""

from app.core.errors import ValidationFailed

SCOPE_OBJECTS: dict[str, str] = {
    "activities": "Activities",
    "files": "Files",
    "tags": "Tags",
    "fields": "Custom fields",
}
ACCESS_LEVELS = ("read", "write")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Permission actions a read scope allows; every other action needs the write scope.
READ_ACTIONS = frozenset({"view", "export"})


def register_scope_object(name: str, label: str) -> None:
    SCOPE_OBJECTS.setdefault(name, label)


def all_scopes() -> tuple[str, ...]:
    return tuple(f"{obj}:{level}" for obj in SCOPE_OBJECTS for level in ACCESS_LEVELS)


def scope_for(object_type: str, method: str) -> str:
    """The scope a request needs: reading with GET/HEAD/OPTIONS, writing with anything else."""
    return f"{object_type}:{'read' if method.upper() in READ_METHODS else 'write'}"


def scope_for_permission(permission: str) -> str | None:
    """The scope that covers a permission (`contacts.delete` -> `contacts:write`), if any."""
    area, _, action = permission.rpartition(".")
    if area not in SCOPE_OBJECTS:
        return None
    return f"{area}:{'read' if action in READ_ACTIONS else 'write'}"


def check_scopes(scopes) -> list[str]:
    """Return the scopes de-duplicated in canonical order, or raise ValidationFailed."""
    if isinstance(scopes, str):
        scopes = [part for part in (piece.strip() for piece in scopes.split(",")) if part]
    scopes = list(scopes or [])
    known = all_scopes()
    unknown = sorted(set(scopes) - set(known))
    if unknown:
        raise ValidationFailed(
            "Unknown scope.",
            details={"scopes": [f"Unknown scope {', '.join(unknown)}. Use object:read or object:write."]},
        )
    if not scopes:
        raise ValidationFailed("No scope.", details={"scopes": ["Grant the key at least one scope."]})
    return [scope for scope in known if scope in scopes]
