"""Logs and queues (audit events, notifications, imports, Stripe events) read newest first,
one keyset page at a time."""

from sqlalchemy import Select

from app.core.extensions import db
from app.core.pagination import Page, keyset_page


def newest_first_page(stmt: Select, *, by, cursor: str | None, limit: int) -> Page:
    """One page of `stmt`, newest `by` (a NOT NULL timestamp column) first; rows stamped at the
    same moment keep one order by their table's `id`."""
    return keyset_page(
        db.session, stmt, sort_column=by, id_column=by.class_.id, descending=True, cursor=cursor, limit=limit
    )
