"""What every CRM list shares: allow-listed sorts, filters from query strings, date bounds,
custom-field conditions and the keyset page."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import g, has_request_context
from sqlalchemy import Select, func

from app.core.errors import ValidationFailed
from app.core.ids import parse_uuid
from app.core.pagination import Page, keyset_page
from app.crm.fields.models import FieldType
from app.crm.validation import Errors
from app.extensions import db

DEFAULT_LIMIT = 25
CUSTOM_FILTER_PREFIX = "cf."


@dataclass(frozen=True)
class Sort:
    column: object
    descending: bool
    label: str


def resolve_sort(sorts: dict[str, Sort], sort: str | None, default: str) -> Sort:
    if not sort:
        return sorts[default]
    if sort not in sorts:
        raise ValidationFailed("Unknown sort.", details={"sort": [f"Sort by one of: {', '.join(sorts)}."]})
    return sorts[sort]


def run_page(stmt: Select, model, sort: Sort, cursor: str | None, limit: int | None) -> Page:
    return keyset_page(
        db.session,
        stmt,
        sort_column=sort.column,
        id_column=model.id,
        descending=sort.descending,
        cursor=cursor or None,
        limit=limit or DEFAULT_LIMIT,
    )


def filters_from_args(args, allowed) -> dict:
    """The non-empty allow-listed filters (and `cf.<key>` custom-field filters) of a query string."""
    filters = {}
    for key in args:
        value = args.get(key)
        if value in (None, ""):
            continue
        if key in allowed or key.startswith(CUSTOM_FILTER_PREFIX):
            filters[key] = value
    return filters


def check_filter_keys(filters: dict, allowed) -> None:
    """Refuse unknown filter names and values PostgreSQL could not take (NUL characters)."""
    with_nul = [key for key, value in filters.items() if "\x00" in str(value)]
    if with_nul:
        raise ValidationFailed("Invalid filter.", details={key: ["Contains a NUL character."] for key in with_nul})
    unknown = [key for key in filters if key not in allowed and not key.startswith(CUSTOM_FILTER_PREFIX)]
    if unknown:
        raise ValidationFailed(
            "Unknown filter.", details={key: [f"Filter by one of: {', '.join(allowed)}."] for key in unknown}
        )


def uuid_filter(value, key: str, errors: Errors):
    """The UUID a filter names, or None with a message."""
    parsed = parse_uuid(value)
    if parsed is None:
        errors.add(key, "Not a valid id.")
    return parsed


def _tenant_zone() -> ZoneInfo:
    tenant = g.get("tenant") if has_request_context() else None
    return ZoneInfo(tenant.timezone) if tenant is not None else ZoneInfo("UTC")


def day_bound(value, key: str, errors: Errors, *, end: bool = False) -> datetime | None:
    """The start of the day `value` (YYYY-MM-DD) in the tenant's zone, or of the next day for `end`."""
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        errors.add(key, "Use a date like 2026-01-31.")
        return None
    if end:
        day += timedelta(days=1)
    return datetime.combine(day, time.min, tzinfo=_tenant_zone())


def created_range_conditions(model, filters: dict, errors: Errors) -> list:
    """`created_after` / `created_before` (inclusive days in the tenant's zone) as conditions."""
    conditions = []
    if filters.get("created_after"):
        start = day_bound(filters["created_after"], "created_after", errors)
        if start is not None:
            conditions.append(model.created_at >= start)
    if filters.get("created_before"):
        end = day_bound(filters["created_before"], "created_before", errors, end=True)
        if end is not None:
            conditions.append(model.created_at < end)
    return conditions


def custom_field_conditions(model, filters: dict, definitions: dict, errors: Errors) -> list:
    """WHERE conditions for `cf.<key>` filters: text contains, selects and numbers equal."""
    conditions = []
    for name, value in filters.items():
        if not name.startswith(CUSTOM_FILTER_PREFIX):
            continue
        key = name.removeprefix(CUSTOM_FILTER_PREFIX)
        definition = definitions.get(key)
        if definition is None:
            errors.add(name, "Unknown custom field.")
            continue
        element = model.custom_fields[key]
        kind = definition.field_type
        if kind in (FieldType.TEXT, FieldType.LONG_TEXT, FieldType.URL):
            pattern = "%" + str(value).lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            conditions.append(func.lower(element.as_string()).like(pattern, escape="\\"))
        elif kind == FieldType.NUMBER:
            try:
                conditions.append(element.as_float() == float(value))
            except ValueError:
                errors.add(name, "Must be a number.")
        elif kind == FieldType.CHECKBOX:
            conditions.append(element.as_boolean().is_(str(value).lower() in ("1", "true", "yes", "on")))
        elif kind == FieldType.MULTI_SELECT:
            if value not in definition.options:
                errors.add(name, "Choose one of the listed options.")
                continue
            # The stored value is a JSON array of option strings; match the quoted option.
            quoted = '"' + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + '"'
            conditions.append(element.as_string().like(f"%{quoted}%", escape="\\"))
        else:
            conditions.append(element.as_string() == str(value))
    return conditions
