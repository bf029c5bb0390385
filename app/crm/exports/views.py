"""Download a list, a segment or a selection as CSV or XLSX (streamed as it is written)."""

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from app.auth.permissions import requires_permission
from app.core.audit import record_audit
from app.core.errors import Conflict
from app.core.hosts import TenantBlueprint
from app.core.htmx import is_htmx
from app.core.navigation import NavItem, register_nav_item
from app.crm.exports import workspace
from app.crm.exports.download import export_download
from app.plans.status import allow_when_read_only
from app.records.forms import ConfirmForm
from app.records.normalize import workspace_today

bp = TenantBlueprint("exports", __name__)
register_nav_item(NavItem("Export everything", "exports.index", "archive", "workspace.export", "settings"))
# Owners may take their data out even while the workspace is read-only.
allow_when_read_only("exports.request_workspace")


@bp.route("/export/<record_type_name>")
@login_required
def download(record_type_name):
    """`?format=csv|xlsx` with the list's own `q` and filters, `segment=<id>`, or `ids=`."""
    return export_download(record_type_name, actor=current_user, segment_id=request.args.get("segment"))


@bp.route("/settings/export")
@requires_permission("workspace.export")
def index():
    exports = workspace.list_workspace_exports(actor=current_user)
    if is_htmx():
        return render_template("crm/exports/_workspace_exports.html", exports=exports)
    return render_template("crm/exports/index.html", exports=exports, form=ConfirmForm())


@bp.route("/settings/export", methods=["POST"])
@requires_permission("workspace.export")
def request_workspace():
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

    record_audit("export.workspace_downloaded", actor=current_user, target=export, target_label="Whole workspace")
    name = f"{workspace_today(export.created_at).isoformat()}-workspace-export.zip"
    return send_file(path, mimetype="application/zip", as_attachment=True, download_name=name, max_age=0)
