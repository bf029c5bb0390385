"""Keyset pagination over (sort value, id): constant cost however deep the page."""

import base64
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Select, and_, or_

from app.core.errors import ValidationFailed

MAX_PAGE_SIZE = 200


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
) -> Page:
    """Run `stmt` for one page. `sort_key(row)` reads the sort value back from a row.

    The sort column must be NOT NULL; ties are broken by id so every row has one place.
    """
    limit = max(1, min(int(limit), MAX_PAGE_SIZE))
    direction = "next"
    if cursor:
        value, row_id, direction = decode_cursor(cursor)
        forward = direction == "next"
        after = forward != descending  # moving toward larger values?
        if after:
            stmt = stmt.where(or_(sort_column > value, and_(sort_column == value, id_column > row_id)))
        else:
            stmt = stmt.where(or_(sort_column < value, and_(sort_column == value, id_column < row_id)))
    reverse = direction == "prev"
    ascending = descending == reverse
    order = (sort_column.asc(), id_column.asc()) if ascending else (sort_column.desc(), id_column.desc())
    rows = list(session.scalars(stmt.order_by(*order).limit(limit + 1)).unique())
    has_more = len(rows) > limit
    rows = rows[:limit]
    if reverse:
        rows.reverse()
    read = sort_key or (lambda row: getattr(row, sort_column.key))
    next_cursor = prev_cursor = None
    if rows:
        first, last = rows[0], rows[-1]
        if (not reverse and has_more) or (reverse and cursor):
            next_cursor = encode_cursor(read(last), last.id, "next")
        if (reverse and has_more) or (not reverse and cursor):
            prev_cursor = encode_cursor(read(first), first.id, "prev")
    return Page(items=rows, next_cursor=next_cursor, prev_cursor=prev_cursor)
