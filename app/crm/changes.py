"""Field-by-field change tracking for the timeline's system events."""


def snapshot(record, readers: dict) -> dict:
    """{field: readable value} using `readers` ({field: function(record) -> value}), plus
    each custom field as `custom_fields.<key>` for records that have them."""
    values = {field: read(record) for field, read in readers.items()}
    for key, value in (getattr(record, "custom_fields", None) or {}).items():
        values[f"custom_fields.{key}"] = value
    return values


def diff(before: dict, after: dict) -> dict:
    """{field: {"old": …, "new": …}} for every field whose value changed."""
    return {
        field: {"old": before.get(field), "new": value} for field, value in after.items() if before.get(field) != value
    }


def readable(value):
    """JSON-safe form of a value for the timeline (lists of names, ISO dates, strings)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [readable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): readable(item) for key, item in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
