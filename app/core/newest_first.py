"""Logs, queues and histories (audit events, notifications, imports, Stripe events, invoices)
read newest first: a keyset page at a time, or only the newest few."""

from sqlalchemy import Select

from app.core.extensions import db
from app.core.pagination import Page, keyset_page


def newest_first_page(stmt: Select, *, by, cursor: str | None, limit: int) -> Page:
    """One page of `stmt`, newest `by` (a NOT NULL timestamp column) first; rows stamped at the
    same moment keep one order by their table's `id`."""
    return keyset_page(
        db.session, stmt, sort_column=by, id_column=by.class_.id, descending=True, cursor=cursor, limit=limit
    )


def newest_first_rows(stmt: Select, *, by, limit: int) -> list:
    """The newest `limit` rows of `stmt` in the same order, for a short list with no pages."""
    return list(db.session.scalars(stmt.order_by(by.desc(), by.class_.id.desc()).limit(limit)))
