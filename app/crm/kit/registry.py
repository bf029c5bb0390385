"""The record types the app knows, by name and by model; filled by the app's wiring."""

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


def record_type_of(record_or_model):
    model = record_or_model if isinstance(record_or_model, type) else type(record_or_model)
    return _BY_MODEL.get(model)


def record_types() -> list:
    return sorted(_TYPES.values(), key=lambda item: (item.nav_order, item.label_plural))


def record_types_with(capability) -> list:
    return [item for item in record_types() if item.has(capability)]


_EXTRA_TABS: dict[str, list] = {}


def register_tab(record_type_name: str, tab) -> None:
    """Another package adds a tab to a type's detail page (deals on contacts, say)."""
    tabs = _EXTRA_TABS.setdefault(record_type_name, [])
    if all(existing.key != tab.key for existing in tabs):
        tabs.append(tab)


def extra_tabs(record_type_name: str) -> list:
    return list(_EXTRA_TABS.get(record_type_name, []))


_EXTRA_PANELS: dict[str, list] = {}


def register_panel(record_type_name: str, panel) -> None:
    """Another package adds a panel to a type's detail page ("came from lead" on contacts)."""
    panels = _EXTRA_PANELS.setdefault(record_type_name, [])
    if all(existing.key != panel.key for existing in panels):
        panels.append(panel)


def extra_panels(record_type_name: str) -> list:
    return list(_EXTRA_PANELS.get(record_type_name, []))
