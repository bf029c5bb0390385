"""Lists of any record type: allow-listed filters and sorts, search, keyset pages, counts."""

from sqlalchemy import func, select

from app.auth.permissions import check_permission
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.pagination import Page, Sort, resolve_sort, sorted_page
from app.core.validation import Errors, contains_nul
from app.records.search import search_condition

CUSTOM_FILTER_PREFIX = "cf."
# Past this, a list says "10,000+" instead of counting every row.
COUNT_CAP = 10_000


def filters_from_args(record_type, args) -> dict:
    """The non-empty allow-listed filters (and `cf.<key>` custom-field filters) of a query string."""
    allowed = record_type.filter_params()
    filters = {}
    for key in args:
        value = args.get(key)
        if value in (None, ""):
            continue
        if key in allowed or key.startswith(CUSTOM_FILTER_PREFIX):
            filters[key] = value
    return filters


def check_filter_keys(record_type, filters: dict) -> None:
    """Refuse unknown filter names and values PostgreSQL could not take (NUL characters)."""
    with_nul = [key for key, value in filters.items() if contains_nul(str(key)) or contains_nul(str(value))]
    if with_nul:
        raise ValidationFailed("Invalid filter.", details={key: ["Contains a NUL character."] for key in with_nul})
    allowed = record_type.filter_params()
    unknown = [key for key in filters if key not in allowed and not key.startswith(CUSTOM_FILTER_PREFIX)]
    if unknown:
        raise ValidationFailed(
            "Unknown filter.", details={key: [f"Filter by one of: {', '.join(allowed)}."] for key in unknown}
        )


def resolve_record_sort(record_type, sort: str | None) -> Sort:
    return resolve_sort(record_type.sorts(), sort, record_type.default_sort)


def filtered_statement(record_type, *, search: str | None, filters: dict | None, columns=None):
    """SELECT of the type's rows matching `filters` and `search` (no order, no limit)."""
    filters = {key: value for key, value in dict(filters or {}).items() if value not in (None, "")}
    check_filter_keys(record_type, filters)
    model = record_type.model
    stmt = select(*columns) if columns is not None else select(model)
    errors = Errors()
    stmt = stmt.where(*record_type.filter_conditions(filters, errors))
    errors.raise_if_any("Check the filters.")
    condition = search_condition(model.search_text, search)
    if condition is not None:
        stmt = stmt.where(condition)
    return stmt


def list_records(
    record_type,
    *,
    actor=None,
    search: str | None = None,
    filters: dict | None = None,
    sort=None,
    cursor=None,
    limit=None,
    purpose: str = "list",
) -> Page:
    """A keyset page of records: the same cost on page one and a million rows deep.
    `purpose` ("list" or "api") says what is eager-loaded with the rows."""
    if actor is not None:
        check_permission(actor, record_type.permission("view"))
    stmt = filtered_statement(record_type, search=search, filters=filters)
    stmt = stmt.options(*record_type.loader_options(purpose))
    chosen = resolve_record_sort(record_type, sort)
    return sorted_page(db.session, stmt, record_type.model, chosen, cursor, limit or record_type.page_size)


def count_records(record_type, *, search: str | None = None, filters: dict | None = None, cap: int = COUNT_CAP):
    """(count, capped): counts at most `cap` + 1 rows, so a count never scans a million."""
    inner = filtered_statement(record_type, search=search, filters=filters, columns=[record_type.model.id])
    counted = db.session.scalar(select(func.count()).select_from(inner.limit(cap + 1).subquery()))
    return min(counted, cap), counted > cap
