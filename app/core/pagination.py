"""Keyset pagination over (sort value, id): constant cost however deep the page."""

import base64
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Select, tuple_

from app.core.errors import ValidationFailed

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 25


@dataclass
class Page:
    items: list
    next_cursor: str | None = None
    prev_cursor: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_prev(self) -> bool:
        return self.prev_cursor is not None


def _dump(value):
    if isinstance(value, datetime):
        return {"t": "dt", "v": value.isoformat()}
    if isinstance(value, date):
        return {"t": "d", "v": value.isoformat()}
    if isinstance(value, Decimal):
        return {"t": "dec", "v": str(value)}
    if isinstance(value, uuid.UUID):
        return {"t": "uuid", "v": str(value)}
    return {"t": "raw", "v": value}


def _load(packed):
    kind, value = packed["t"], packed["v"]
    if kind == "dt":
        return datetime.fromisoformat(value)
    if kind == "d":
        return date.fromisoformat(value)
    if kind == "dec":
        return Decimal(value)
    if kind == "uuid":
        return uuid.UUID(value)
    return value


def encode_cursor(sort_value, row_id, direction: str) -> str:
    raw = json.dumps({"s": _dump(sort_value), "i": str(row_id), "d": direction}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[object, uuid.UUID, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        direction = data["d"]
        if direction not in ("next", "prev"):
            raise ValueError(direction)
        return _load(data["s"]), uuid.UUID(data["i"]), direction
    except (ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
        raise ValidationFailed("Invalid cursor.", details={"cursor": ["Invalid cursor."]}) from exc


@dataclass(frozen=True)
class KeysetPosition:
    """Where a cursor points in an order: the WHERE condition past it (None on page one), the
    ORDER BY that walks away from it, and whether that walk runs backwards (a "prev" cursor)."""

    condition: object
    order: tuple
    reverse: bool


def keyset_position(sort_column, id_column, *, descending: bool, cursor: str | None) -> KeysetPosition:
    condition = None
    direction = "next"
    if cursor:
        value, row_id, direction = decode_cursor(cursor)
        forward = direction == "next"
        after = forward != descending  # moving toward larger values?
        # A row comparison, not `a > v OR (a = v AND id > i)`: PostgreSQL walks the
        # (tenant_id, sort, id) index straight to the cursor only for the row form.
        position, cursor_position = tuple_(sort_column, id_column), tuple_(value, row_id)
        condition = position > cursor_position if after else position < cursor_position
    reverse = direction == "prev"
    ascending = descending == reverse
    order = (sort_column.asc(), id_column.asc()) if ascending else (sort_column.desc(), id_column.desc())
    return KeysetPosition(condition, order, reverse)


def keyset_page(
    session,
    stmt: Select,
    *,
    sort_column,
    id_column,
    descending: bool = False,
    cursor: str | None = None,
    limit: int = 25,
    sort_key=None,
    values: dict | None = None,
) -> Page:
    """Run `stmt` for one page. `sort_key(row)` reads the sort value back from a row.
    `values` ({name: scalar SQL expression}, a count of the row's children, say) are read in
    the same statement: `extra["values"][name]` lists them in the order of the page's rows.

    The sort column must be NOT NULL; ties are broken by id so every row has one place.
    """
    limit = max(1, min(int(limit), MAX_PAGE_SIZE))
    position = keyset_position(sort_column, id_column, descending=descending, cursor=cursor)
    if position.condition is not None:
        stmt = stmt.where(position.condition)
    reverse, order = position.reverse, position.order
    stmt = stmt.order_by(*order).limit(limit + 1)
    names = list(values or {})
    if names:
        stmt = stmt.add_columns(*(values[name].label(f"value_{index}") for index, name in enumerate(names)))
        found = session.execute(stmt).unique().all()
    else:
        found = [(row,) for row in session.scalars(stmt).unique()]
    has_more = len(found) > limit
    found = found[:limit]
    if reverse:
        found.reverse()
    rows = [row[0] for row in found]
    read = sort_key or (lambda row: getattr(row, sort_column.key))
    next_cursor = prev_cursor = None
    if rows:
        first, last = rows[0], rows[-1]
        if (not reverse and has_more) or (reverse and cursor):
            next_cursor = encode_cursor(read(last), last.id, "next")
        if (reverse and has_more) or (not reverse and cursor):
            prev_cursor = encode_cursor(read(first), first.id, "prev")
    # has_more: a row beyond this page exists in the direction walked.
    extra = {"has_more": has_more}
    if names:
        extra["values"] = {name: [row[1 + index] for row in found] for index, name in enumerate(names)}
    return Page(items=rows, next_cursor=next_cursor, prev_cursor=prev_cursor, extra=extra)


@dataclass(frozen=True)
class Sort:
    """One allow-listed order of a list: the column (NOT NULL), its direction and its label."""

    key: str
    column: object
    descending: bool
    label: str


def labelled_sorts(labels: dict[str, str], **columns) -> dict[str, Sort]:
    """The Sort of each key of `labels` (`{"-created_at": "Newest first"}`, the labels a list's
    `sort` argument documents): the column named by the key, descending when it starts with "-"."""
    return {key: Sort(key, columns[key.removeprefix("-")], key.startswith("-"), label) for key, label in labels.items()}


def resolve_sort(sorts: dict[str, Sort], sort: str | None, default: str) -> Sort:
    if not sort:
        return sorts[default]
    if sort not in sorts:
        raise ValidationFailed("Unknown sort.", details={"sort": [f"Sort by one of: {', '.join(sorts)}."]})
    return sorts[sort]


def sorted_page(
    session, stmt: Select, model, sort: Sort, cursor: str | None, limit: int | None, values: dict | None = None
) -> Page:
    """keyset_page() in `sort`'s order, tie-broken by id."""
    return keyset_page(
        session,
        stmt,
        sort_column=sort.column,
        id_column=model.id,
        descending=sort.descending,
        cursor=cursor or None,
        limit=limit or DEFAULT_PAGE_SIZE,
        values=values,
    )
