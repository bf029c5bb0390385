"""Template helpers the kit's pages use: links to any record, reference pickers, saved views."""

from decimal import InvalidOperation

from flask_login import current_user
from sqlalchemy import select

from app.auth.permissions import can
from app.core.context import require_tenant_id
from app.core.currencies import format_amount
from app.core.extensions import db
from app.core.ids import parse_uuid
from app.core.numbers import typed_decimal
from app.core.types import utcnow
from app.records.crud_pages import record_page_url
from app.records.models import RecordEntry
from app.records.normalize import current_tenant, display_phone
from app.records.registry import find_record_type, get_record_type, record_type_of, record_types
from app.records.saved_views import view_query_string
from app.records.search import where_searched

PICKER_SIZE = 50


def record_url(record) -> str:
    record_type = record_type_of(record)
    if record_type is None:
        return "#"
    return record_page_url(record_type, record)


def record_title(record) -> str:
    record_type = record_type_of(record)
    return record_type.title_of(record) if record_type is not None else str(record)


def reference_options(type_name: str, selected=None, search: str | None = None) -> list[tuple[str, str]]:
    """(id, title) for a picker: the first records by title (matching `search`), and the
    selected one even when it is not among them."""
    record_type = get_record_type(type_name)
    model = record_type.model
    stmt = where_searched(select(model), model.search_text, search)
    sort = record_type.sorts().get("name") or record_type.sorts()["-created_at"]
    order = sort.column.desc() if sort.descending else sort.column.asc()
    records = list(db.session.scalars(stmt.order_by(order, model.id).limit(PICKER_SIZE)))
    selected_id = parse_uuid(selected) if selected else None
    if selected_id is not None and all(record.id != selected_id for record in records):
        chosen = db.session.get(model, (require_tenant_id(), selected_id))
        if chosen is not None:
            records.insert(0, chosen)
    return [(str(record.id), record_type.title_of(record) or "Untitled") for record in records]


def entry_url(entry) -> str:
    """The page of the record a `RecordEntry` (a generic link) points at."""
    record_type = find_record_type(entry.type)
    if record_type is None:
        return "#"
    return record_page_url(record_type, entry)


def record_lookup(selected=None, search: str | None = None, types=None) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(type label, [(id, title)])] for a picker of records of any type the user may see:
    the first by title (starting with `search`, if given) and the selected one."""

    allowed = [
        item.name
        for item in record_types()
        if (not types or item.name in types) and can(current_user, item.permission("view"))
    ]
    if not allowed:
        return []
    stmt = select(RecordEntry).where(RecordEntry.type.in_(allowed))
    text = (search or "").strip()
    if text:
        stmt = stmt.where(RecordEntry.title.ilike(text.replace("\\", "").replace("%", "").replace("_", "") + "%"))
    entries = list(db.session.scalars(stmt.order_by(RecordEntry.title, RecordEntry.id).limit(PICKER_SIZE)))
    selected_id = parse_uuid(selected) if selected else None
    if selected_id is not None and all(entry.id != selected_id for entry in entries):
        chosen = db.session.get(RecordEntry, (require_tenant_id(), selected_id))
        if chosen is not None and chosen.type in allowed:
            entries.insert(0, chosen)
    groups: dict[str, list[tuple[str, str]]] = {}
    for entry in entries:
        label = find_record_type(entry.type).label_plural
        groups.setdefault(label, []).append((str(entry.id), entry.title or "Untitled"))
    return list(groups.items())


def filesize(size: int | None) -> str:
    """1536 -> "1.5 KB"."""
    value = float(size or 0)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def workspace_amount(value) -> str:
    """A typed amount (a segment rule's "25000") as money reads elsewhere, in the workspace's
    currency: "€25,000". What is not a number is shown as it was typed."""
    try:
        number = typed_decimal(value)
    except InvalidOperation:
        return str(value)
    if not number.is_finite():
        return str(value)
    tenant = current_tenant()
    return format_amount(number, tenant.currency if tenant is not None else "USD")


def install_template_helpers(app) -> None:
    app.jinja_env.globals.update(
        record_url=record_url,
        record_title=record_title,
        record_type_named=get_record_type,
        reference_options=reference_options,
        record_lookup=record_lookup,
        entry_url=entry_url,
        view_query=view_query_string,
        now_utc=utcnow,
    )
    app.jinja_env.filters["uuid_or_none"] = parse_uuid
    app.jinja_env.filters["filesize"] = filesize
    app.jinja_env.filters["phone"] = display_phone
    app.jinja_env.filters["workspace_amount"] = workspace_amount
