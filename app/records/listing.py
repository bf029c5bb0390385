"""Lists of any record type: allow-listed filters and sorts, search, keyset pages, counts.

Every list is a keyset page: a row comparison `(sort, id) > (value, id)` that walks the
type's `(tenant_id, sort, id)` index from the cursor, so page 40,000 costs what page one does.
Filters are plain conditions on the type's columns or uncorrelated semi-joins (tags), which
the planner turns into index scans or hash joins, never a subquery per row.

A search on PostgreSQL first asks the platform role for an ordered window of matching ids
(app.records.search), then reads that window under row-level security with the filters.
"""

from sqlalchemy import func, select

from app.auth.permissions import check_permission_if_acting
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.pagination import (
    MAX_PAGE_SIZE,
    Page,
    Sort,
    resolve_sort,
    sorted_page,
)
from app.core.request_cache import per_request
from app.core.validation import Errors, contains_nul
from app.records.loading import load_together
from app.records.search import (
    search_count,
    search_terms,
    search_window,
    searches_through_platform,
    where_searched,
)

CUSTOM_FILTER_PREFIX = "cf."
# Past this, a list says "10,000+" instead of counting every row.
COUNT_CAP = 10_000
# A filtered search reads this many matching ids, in order, before applying the filters; when
# the filters keep less than a page of them, the search falls back to the plain LIKE.
FILTERED_SEARCH_WINDOW = 500


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


def filtered_statement(record_type, *, search: str | None, filters: dict | None, columns=None, where=()):
    """SELECT of the type's rows matching `filters`, `search` and the SQL conditions `where`
    (a segment's, say), with no order and no limit."""
    filters = {key: value for key, value in dict(filters or {}).items() if value not in (None, "")}
    check_filter_keys(record_type, filters)
    model = record_type.model
    stmt = select(*columns) if columns is not None else select(model)
    errors = Errors()
    stmt = stmt.where(*record_type.filter_conditions(filters, errors), *where)
    errors.raise_if_any("Check the filters.")
    return where_searched(stmt, model.search_text, search)


def active_filters(filters: dict | None) -> dict:
    return {key: value for key, value in dict(filters or {}).items() if value not in (None, "")}


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
    where=(),
    values: dict | None = None,
) -> Page:
    """A keyset page of records: the same cost on page one and a million rows deep.
    `purpose` ("list" or "api") says what is eager-loaded with the rows; `values` ({name:
    scalar SQL of a row}, a computed column) are read in the page's own statement:
    `page_values(page)`."""
    check_permission_if_acting(actor, record_type.permission("view"))
    chosen = resolve_record_sort(record_type, sort)
    limit = max(1, min(int(limit or record_type.page_size), MAX_PAGE_SIZE))
    terms = search_terms(search)
    if terms and not where:
        # A segment's or a view's extra conditions go the general way; a plain search takes
        # the index-backed shortcut.
        page = _searched_page(record_type, terms, filters, chosen, cursor, limit, purpose, values)
        if page is not None:
            return page
    options, collections = record_type.page_loads(purpose)
    stmt = filtered_statement(record_type, search=search, filters=filters, where=where).options(*options)
    page = _read_page(record_type, stmt, chosen, cursor, limit, values)
    return _loaded(record_type, page, purpose, collections)


def _read_page(record_type, stmt, chosen: Sort, cursor, limit: int, values: dict | None) -> Page:
    """The keyset page of `stmt` with the `values` of its rows read in the same statement.
    (The list's count stays a statement of its own: inside the page's statement PostgreSQL
    runs it without parallel workers, and a filtered count took three to four times longer.)"""
    page = sorted_page(db.session, stmt, record_type.model, chosen, cursor, limit, values=values or None)
    ids = [record.id for record in page.items]
    page.extra["values"] = {
        name: dict(zip(ids, column, strict=True)) for name, column in page.extra.pop("values", {}).items()
    }
    return page


def page_values(page: Page | None) -> dict:
    """{name: {record id: value}} of the `values` that `list_records` read with the page."""
    return page.extra.get("values", {}) if page is not None else {}


def _capped_count(record_type, search, filters, where, cap: int):
    inner = filtered_statement(record_type, search=search, filters=filters, columns=[record_type.model.id], where=where)
    return select(func.count()).select_from(inner.limit(cap + 1).subquery())


def _loaded(record_type, page: Page, purpose: str, collections) -> Page:
    load_together(db.session, page.items, collections)
    record_type.after_load(page.items, purpose)
    return page


def own_column(model, column):
    """The column of `model`'s own table that `column` (an attribute or a column) is, else None."""
    expression = getattr(column, "expression", column)
    table = getattr(expression, "table", None)
    if table is not model.__table__:
        return None
    return model.__table__.c.get(expression.key)


def _searched_page(
    record_type, terms, filters, chosen: Sort, cursor, limit: int, purpose: str, values=None
) -> Page | None:
    """The page of a search through an ordered window of matching ids (PostgreSQL), or None
    where that does not apply: another database, or a sort on another table's column, or
    filters so narrow that the window held less than a page of their rows."""
    model = record_type.model
    column = own_column(model, chosen.column)
    if column is None or not searches_through_platform():
        return None
    # Validate the filters before searching: bad input is a 422 whatever the search finds.
    stmt = filtered_statement(record_type, search=None, filters=filters)
    size = max(FILTERED_SEARCH_WINDOW, limit + 1) if active_filters(filters) else limit + 1
    window = search_window(
        model.__table__, terms, column.key, descending=chosen.descending, cursor=cursor or None, size=size
    )
    # The page's count (count_records) reuses what the search already knows.
    per_request(_matches_key(model, terms), lambda: window)
    if not window.ids:
        return Page(items=[], extra={"has_more": False})
    options, collections = record_type.page_loads(purpose)
    stmt = stmt.where(model.id.in_(window.ids)).options(*options)
    page = _read_page(record_type, stmt, chosen, cursor, limit, values)
    if len(window.ids) >= size and not page.extra.get("has_more"):
        return None
    return _loaded(record_type, page, purpose, collections)


def _matches_key(model, terms) -> str:
    return f"search-matches:{model.__tablename__}:{' '.join(terms)}"


def count_records(
    record_type, *, search: str | None = None, filters: dict | None = None, cap: int = COUNT_CAP, where=()
):
    """(count, capped): counts at most `cap` + 1 rows, so a count never scans a million."""
    terms = search_terms(search)
    if terms and not where and not active_filters(filters) and searches_through_platform():
        known = per_request(_matches_key(record_type.model, terms), lambda: None)
        matches = getattr(known, "matches", None)
        if matches is not None and (known.exact or matches > cap):
            counted = matches
        else:
            counted = search_count(record_type.model.__table__, terms, cap + 1)
    else:
        shortcut = None if terms or where else record_type.counted_ids(active_filters(filters))
        if shortcut is not None:
            counted = db.session.scalar(select(func.count()).select_from(shortcut.limit(cap + 1).subquery()))
        else:
            counted = db.session.scalar(_capped_count(record_type, search, filters, where, cap))
    return min(counted, cap), counted > cap
