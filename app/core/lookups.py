"""Load a record by id for the current tenant, or 404 — the same 404 as a missing id."""

from flask import abort

from app.core.context import require_tenant_id
from app.core.extensions import db
from app.core.ids import parse_uuid
from app.core.models import is_tenant_scoped


def get_or_404(model, record_id, **options):
    """Ask the session for the key (current tenant, id): even the identity map stays in-tenant."""
    if not is_tenant_scoped(model):
        raise TypeError(f"{model.__name__} is not tenant-scoped; use db.session.get()")
    record_uuid = parse_uuid(record_id)
    if record_uuid is None:
        abort(404)
    record = db.session.get(model, (require_tenant_id(), record_uuid), **options)
    if record is None:
        abort(404)
    return record


def get_child_or_404(model, child_id, parent, parent_key: str):
    """A row that belongs to another (a workflow's run, a subscription's delivery) by id: as
    `get_or_404`, and a 404 too unless its `parent_key` column names `parent`, for another
    parent's row is as missing as another tenant's. With `parent` None, any parent's row."""
    row = get_or_404(model, child_id)
    if parent is not None and getattr(row, parent_key) != parent.id:
        abort(404)
    return row
