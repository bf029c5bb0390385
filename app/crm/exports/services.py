"""Exports of records of any type: the rows of a list (its search and filters), a segment,
or a selection, in the spreadsheet columns the imports read back (`app.records.cells`).

Rows are read in keyset batches by id and let go after each batch, so an export of a
million records holds one batch in memory, never the whole list.
"""

from app.auth.permissions import check_permission
from app.core.audit import record_audit
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.ids import parse_uuid
from app.crm.segments.services import get_segment, segment_condition
from app.records.cells import cell_columns
from app.records.listing import filtered_statement
from app.records.registry import record_type_named

BATCH_SIZE = 500
FORMATS = ("csv", "xlsx")
MAX_SELECTED = 10_000


def export_type(type_name: str, *, actor):
    record_type = record_type_named(type_name)
    check_permission(actor, record_type.permission("export"))
    return record_type


def prepare_export(
    record_type, *, actor, fmt: str, search=None, filters=None, segment_id=None, ids=None
) -> tuple[object, str]:
    """(statement, description) of what an export will hold, checked and audited now (in
    the request's transaction); the rows are read later, while the file streams."""
    check_permission(actor, record_type.permission("export"))
    if fmt not in FORMATS:
        raise ValidationFailed("Choose CSV or XLSX.", details={"format": ["Choose csv or xlsx."]})
    where, described = [], []
    if segment_id:
        segment = get_segment(segment_id, actor=actor)
        if segment.record_type != record_type.name:
            raise ValidationFailed("That segment is of another record type.", details={"segment": ["Wrong type."]})
        where.append(segment_condition(segment, actor=actor))
        described.append(f"segment {segment.name}")
    if ids:
        wanted = [parsed for parsed in (parse_uuid(item) for item in list(ids)[:MAX_SELECTED]) if parsed]
        where.append(record_type.model.id.in_(wanted))
        described.append(f"{len(wanted)} selected")
    stmt = filtered_statement(record_type, search=search, filters=filters, where=where)
    if search:
        described.append(f"search “{search}”")
    if filters:
        described.append("filters " + ", ".join(f"{key}={value}" for key, value in sorted(filters.items())))
    description = "; ".join(described) or "all"
    record_audit(
        "export.downloaded",
        actor=actor,
        target_type=record_type.name,
        target_label=record_type.label_plural,
        details={"format": fmt, "scope": description},
    )
    return stmt, description


def export_rows(record_type, stmt, *, batch_size: int | None = None):
    """The header, then one row per record, read in id-ordered keyset batches. The columns
    are settled now, in the request; the rows are read as the download streams."""
    columns = cell_columns(record_type)
    return _rows(record_type, stmt, columns, batch_size or BATCH_SIZE)


def _rows(record_type, stmt, columns, batch_size: int):
    yield [column.label for column in columns]
    model = record_type.model
    options = record_type.loader_options("export")
    last_id = None
    while True:
        batch_stmt = stmt.options(*options).order_by(model.id).limit(batch_size)
        if last_id is not None:
            batch_stmt = batch_stmt.where(model.id > last_id)
        records = list(db.session.scalars(batch_stmt).unique())
        # The batch is read whole now, while its session is open; the rows go out after.
        rows = [[_cell(column.read(record)) for column in columns] for record in records]
        yield from rows
        if len(records) < batch_size:
            return
        last_id = records[-1].id


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, int | float | str) else str(value)
