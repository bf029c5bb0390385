"""Upload, download and delete files on any record type that has attachments."""

from flask import abort, current_app, flash, redirect, request, send_file
from flask_login import current_user

from app.auth.permissions import requires_permission
from app.core.errors import ValidationFailed
from app.core.hosts import TenantBlueprint
from app.core.lookups import get_or_404
from app.core.transactions import undone_if_refused
from app.core.uploads import accepts_files
from app.crm.attachments import services
from app.crm.attachments.sniff import served_inline
from app.records.crud_pages import access_record_with, record_page_url
from app.records.forms import ConfirmForm
from app.records.models import RecordEntry

bp = TenantBlueprint("attachments", __name__)


def _owner_of(attachment):
    """(record type, record) an attachment belongs to."""
    entry = get_or_404(RecordEntry, attachment.record_id)
    return access_record_with("attachments", entry.type, entry.id, actor=current_user)


@bp.route("/files/<record_type_name>/<uuid:record_id>", methods=["POST"])
@accepts_files("file")
@requires_permission("files.create")
def upload(record_type_name, record_id):
    record_type, record = access_record_with("attachments", record_type_name, record_id, actor=current_user)
    if not ConfirmForm().validate_on_submit():
        flash("Your form expired. Please try again.", "danger")
        return redirect(record_page_url(record_type, record, tab="files"))
    try:
        with undone_if_refused():
            attachment = services.attach_file(
                record_type,
                record,
                request.files.get("file"),
                actor=current_user,
                max_megabytes=current_app.config["MAX_UPLOAD_MB"],
            )
    except ValidationFailed as exc:
        flash(exc.one_line(), "danger")
        return redirect(record_page_url(record_type, record, tab="files"))
    flash(f"{attachment.filename} attached.", "success")
    return redirect(record_page_url(record_type, record, tab="files"))


@bp.route("/files/<uuid:attachment_id>")
@requires_permission("files.view")
def download(attachment_id):
    attachment = services.get_attachment(attachment_id)
    _owner_of(attachment)
    path = services.file_path(attachment)
    if not path.exists():
        abort(404)
    inline = served_inline(attachment.content_type) and request.args.get("download") != "1"
    response = send_file(
        path,
        mimetype=attachment.content_type if inline else "application/octet-stream",
        as_attachment=not inline,
        download_name=attachment.filename,
        max_age=0,
        conditional=True,
        etag=attachment.sha256,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    if inline:
        response.headers["Content-Disposition"] = response.headers.get("Content-Disposition") or "inline"
        # A PDF or image shown inline still may not run anything.
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
        )
    return response


@bp.route("/files/<uuid:attachment_id>/delete", methods=["POST"])
@requires_permission("files.delete")
def delete(attachment_id):
    attachment = services.get_attachment(attachment_id)
    record_type, record = _owner_of(attachment)
    name = attachment.filename
    services.delete_attachment(record_type, record, attachment, actor=current_user)
    flash(f"{name} deleted.", "success")
    return redirect(record_page_url(record_type, record, tab="files"))
