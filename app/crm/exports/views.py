"""Download a list, a segment or a selection as CSV or XLSX (streamed as it is written)."""

from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from app.auth.permissions import requires_permission
from app.core.errors import Conflict
from app.core.hosts import TenantBlueprint
from app.core.navigation import NavItem, register_nav_item
from app.crm.exports import services, workspace
from app.crm.exports.writing import (
    CSV_MIME,
    XLSX_MIME,
    csv_stream,
    file_chunks,
    in_tenant_while_streaming,
    xlsx_file,
)
from app.plans.status import allow_when_read_only
from app.records.forms import ConfirmForm
from app.records.listing import filters_from_args
from app.records.registry import find_record_type

bp = TenantBlueprint("exports", __name__)
register_nav_item(NavItem("Export everything", "exports.index", "archive", "workspace.export", "settings"))
# Owners may take their data out even while the workspace is read-only.
allow_when_read_only("exports.request_workspace")


def download_response(record_type, stmt, fmt: str, stem: str) -> Response:
    rows = services.export_rows(record_type, stmt)
    filename = f"{stem}-{date.today().isoformat()}.{fmt}"
    if fmt == "csv":
        response = Response(in_tenant_while_streaming(csv_stream(rows)), mimetype=CSV_MIME)
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


@bp.route("/settings/export")
@requires_permission("workspace.export")
def index():
    return render_template(
        "crm/exports/index.html", exports=workspace.list_workspace_exports(actor=current_user), form=ConfirmForm()
    )


@bp.route("/settings/export", methods=["POST"])
@requires_permission("workspace.export")
def request_workspace():
    if ConfirmForm().validate_on_submit():
        try:
            workspace.request_workspace_export(actor=current_user)
        except Conflict as exc:
            flash(exc.message, "warning")
        else:
            flash("Preparing the export: its download link appears here when it is ready.", "success")
    return redirect(url_for("exports.index"))


@bp.route("/settings/export/<uuid:export_id>/download")
@requires_permission("workspace.export")
def download_workspace(export_id):
    export = workspace.get_workspace_export(export_id, actor=current_user)
    path = workspace.export_path(export.tenant_id, export.id)
    if export.status != "done" or not path.exists():
        abort(404)
    from app.core.audit import record_audit

    record_audit("export.workspace_downloaded", actor=current_user, target=export, target_label="Whole workspace")
    name = f"{export.created_at:%Y-%m-%d}-workspace-export.zip"
    return send_file(path, mimetype="application/zip", as_attachment=True, download_name=name, max_age=0)
