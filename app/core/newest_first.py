"""Logs, queues and histories (audit events, notifications, imports, Stripe events, invoices)
read newest first: a keyset page at a time, or only the newest few, and the index each walks."""

from sqlalchemy import Index, Select

from app.core.extensions import db
from app.core.pagination import Page, keyset_page


def newest_first_index(table: str, by: str = "created_at") -> Index:
    """The index a list of `table` read newest `by` first walks: `(tenant_id, by, id)`, the
    keyset order of newest_first_page(). Named for the moment: `ix_<table>_tenant_created`."""
    return Index(f"ix_{table}_tenant_{by.removesuffix('_at')}", "tenant_id", by, "id")


def newest_first_page(stmt: Select, *, by, cursor: str | None, limit: int) -> Page:
    """One page of `stmt`, newest `by` (a NOT NULL timestamp column) first; rows stamped at the
    same moment keep one order by their table's `id`."""
    return keyset_page(
        db.session, stmt, sort_column=by, id_column=by.class_.id, descending=True, cursor=cursor, limit=limit
    )


def newest_first_rows(stmt: Select, *, by, limit: int) -> list:
    """The newest `limit` rows of `stmt` in the same order, for a short list with no pages."""
    return list(db.session.scalars(stmt.order_by(by.desc(), by.class_.id.desc()).limit(limit)))
