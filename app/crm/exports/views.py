"""Download a list, a segment or a selection as CSV or XLSX (streamed as it is written)."""

from datetime import date

from flask import Response, abort, request, stream_with_context
from flask_login import current_user, login_required

from app.core.hosts import TenantBlueprint
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
from app.records.registry import find_record_type

bp = TenantBlueprint("exports", __name__)


def download_response(record_type, stmt, fmt: str, stem: str) -> Response:
    rows = services.export_rows(record_type, stmt)
    filename = f"{stem}-{date.today().isoformat()}.{fmt}"
    if fmt == "csv":
        response = Response(stream_with_context(in_tenant_while_streaming(csv_stream(rows))), mimetype=CSV_MIME)
    else:
        response = Response(file_chunks(xlsx_file(rows, record_type.label_plural)), mimetype=XLSX_MIME)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/export/<record_type_name>")
@login_required
def download(record_type_name):
    """`?format=csv|xlsx` with the list's own `q` and filters, `segment=<id>`, or `ids=`."""
    record_type = find_record_type(record_type_name)
    if record_type is None:
        abort(404)
    fmt = request.args.get("format", "csv")
    stmt, _description = services.prepare_export(
        record_type,
        actor=current_user,
        fmt=fmt,
        search=(request.args.get("q") or "").strip() or None,
        filters=filters_from_args(record_type, request.args),
        segment_id=request.args.get("segment"),
        ids=request.args.getlist("ids"),
    )
    return download_response(record_type, stmt, fmt, record_type.plural)
