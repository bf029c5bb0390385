"""A record type's rows as a CSV or XLSX download, streamed as it is written: what the list
page's Export button and `GET /api/v1/exports/<type>` both answer."""

from flask import Response, abort, request

from app.crm.exports import services
from app.crm.exports.writing import (
    CSV_MIME,
    XLSX_MIME,
    csv_stream,
    file_chunks,
    in_tenant_while_streaming,
    xlsx_file,
)
from app.records.listing import filters_from_args
from app.records.normalize import workspace_today
from app.records.registry import find_record_type


def export_download(record_type_name: str, *, actor, segment_id) -> Response:
    """The export the request's query asks for: `format`, the list's `q` and filters, or `ids`.
    The caller reads the segment's id: the page names that parameter `segment`, the API
    `segment_id`."""
    record_type = find_record_type(record_type_name)
    if record_type is None:
        abort(404)
    fmt = request.args.get("format", "csv")
    stmt, _description = services.prepare_export(
        record_type,
        actor=actor,
        fmt=fmt,
        search=(request.args.get("q") or "").strip() or None,
        filters=filters_from_args(record_type, request.args),
        segment_id=segment_id,
        ids=request.args.getlist("ids"),
    )
    return download_response(record_type, stmt, fmt)


def download_response(record_type, stmt, fmt: str) -> Response:
    rows = services.export_rows(record_type, stmt)
    filename = f"{record_type.plural}-{workspace_today().isoformat()}.{fmt}"
    if fmt == "csv":
        response = Response(in_tenant_while_streaming(csv_stream(rows)), mimetype=CSV_MIME)
    else:
        response = Response(file_chunks(xlsx_file(rows, record_type.label_plural)), mimetype=XLSX_MIME)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
