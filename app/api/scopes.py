"""API key scopes: read and/or write per object type, written "contacts:read"."""

from app.core.errors import ValidationFailed

# Object types an API key can be granted; a domain with API resources adds its type here.
SCOPE_OBJECTS = {
    "contacts": "Contacts",
    "companies": "Companies",
    "leads": "Leads",
    "activities": "Activities",
    "tags": "Tags",
    "fields": "Custom fields",
}
ACCESS_LEVELS = ("read", "write")
ALL_SCOPES = tuple(f"{obj}:{level}" for obj in SCOPE_OBJECTS for level in ACCESS_LEVELS)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def scope_for(object_type: str, method: str) -> str:
    """The scope a request needs: reading with GET/HEAD/OPTIONS, writing with anything else."""
    return f"{object_type}:{'read' if method.upper() in READ_METHODS else 'write'}"


def check_scopes(scopes) -> list[str]:
    """Return the scopes de-duplicated in canonical order, or raise ValidationFailed."""
    if isinstance(scopes, str):
        scopes = [part for part in (piece.strip() for piece in scopes.split(",")) if part]
    scopes = list(scopes or [])
    unknown = sorted(set(scopes) - set(ALL_SCOPES))
    if unknown:
        raise ValidationFailed(
            "Unknown scope.",
            details={"scopes": [f"Unknown scope {', '.join(unknown)}. Use object:read or object:write."]},
        )
    if not scopes:
        raise ValidationFailed("No scope.", details={"scopes": ["Grant the key at least one scope."]})
    return [scope for scope in ALL_SCOPES if scope in scopes]
