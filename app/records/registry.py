"""The record types the app knows, by name and by model; filled by the app's wiring."""

from app.core.errors import ValidationFailed

_TYPES: dict = {}
_BY_MODEL: dict = {}


def register_record_type(record_type) -> None:
    existing = _TYPES.get(record_type.name)
    if existing is not None and existing is not record_type:
        raise ValueError(f"record type {record_type.name!r} is already registered")
    _TYPES[record_type.name] = record_type
    _BY_MODEL[record_type.model] = record_type


def unregister_record_type(name: str) -> None:
    record_type = _TYPES.pop(name, None)
    if record_type is not None:
        _BY_MODEL.pop(record_type.model, None)


def get_record_type(name: str):
    """The registered type called `name`; KeyError for an unknown name."""
    return _TYPES[name]


def find_record_type(name: str | None):
    return _TYPES.get(name) if name else None


def record_type_named(name: str | None):
    """The registered type called `name`, as a client asked for it: ValidationFailed (on
    `record_type`) for an unknown name."""
    record_type = find_record_type(name)
    if record_type is None:
        raise ValidationFailed("Unknown record type.", details={"record_type": ["Unknown record type."]})
    return record_type


def record_type_of(record_or_model):
    model = record_or_model if isinstance(record_or_model, type) else type(record_or_model)
    return _BY_MODEL.get(model)


def record_types() -> list:
    return sorted(_TYPES.values(), key=lambda item: (item.nav_order, item.label_plural))


def record_types_with(capability) -> list:
    return [item for item in record_types() if item.has(capability)]


# (record type name, "tab" | "panel") -> what other packages add to that type's page.
_CONTRIBUTIONS: dict[tuple[str, str], list] = {}


def contribute(record_type_name: str, kind: str, item) -> None:
    """Another package adds a tab or a panel to a type's detail page (deals on contacts, say)."""
    items = _CONTRIBUTIONS.setdefault((record_type_name, kind), [])
    if all(existing.key != item.key for existing in items):
        items.append(item)


def withdraw(record_type_name: str, kind: str, key: str) -> None:
    items = _CONTRIBUTIONS.get((record_type_name, kind), [])
    items[:] = [item for item in items if item.key != key]


def contributions(record_type_name: str, kind: str) -> list:
    return list(_CONTRIBUTIONS.get((record_type_name, kind), []))
