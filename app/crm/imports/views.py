"""Import pages: upload, map the columns (with a preview and saved templates), follow the
job's progress, cancel, download the rejected rows, revert."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import can, requires_permission
from app.core.errors import AppError, ValidationFailed
from app.core.extensions import db
from app.core.hosts import TenantBlueprint
from app.core.htmx import is_htmx
from app.core.lookups import get_or_404
from app.core.navigation import NavItem, register_nav_item
from app.core.text import plural
from app.core.uploads import accepts_files
from app.crm.exports.writing import csv_stream, in_tenant_while_streaming
from app.crm.imports import services
from app.crm.imports.models import DedupeMode, ImportStatus, ImportTemplate, RowStatus
from app.crm.imports.services import match_field
from app.records.cells import importable_columns
from app.records.forms import ConfirmForm, RecordForm
from app.records.registry import find_record_type, record_types

bp = TenantBlueprint("imports", __name__)
register_nav_item(NavItem("Imports", "imports.index", "upload", "imports.run", "settings"))


def _importable_types() -> list:
    return [item for item in record_types() if can(current_user, item.permission("create"))]


@bp.route("/imports")
@requires_permission("imports.run")
def index():
    page = services.list_imports(actor=current_user, cursor=request.args.get("cursor"))
    return render_template(
        "crm/imports/index.html",
        page=page,
        types={item.name: item for item in record_types()},
        importable=_importable_types(),
    )


@bp.route("/imports/new", methods=["GET", "POST"])
@accepts_files("file")
@requires_permission("imports.run")
def new():
    types = _importable_types()
    chosen = request.values.get("record_type") or request.args.get("type") or "contact"
    errors = {}
    if request.method == "POST":
        try:
            data_import = services.start_import(chosen, request.files.get("file"), actor=current_user)
        except ValidationFailed as exc:
            errors = exc.details or {"file": [exc.message]}
        else:
            flash(
                f"{data_import.file_name}: {plural(data_import.total_rows, 'row')} read. Check the columns.", "success"
            )
            return redirect(url_for("imports.mapping", import_id=data_import.id))
    return render_template("crm/imports/new.html", types=types, chosen=chosen, errors=errors, form=RecordForm()), (
        422 if errors else 200
    )


def _mapping_page(data_import, mapping: dict, errors: dict, status: int = 200, *, choices: dict | None = None):
    """The mapping form; `choices` are the submitted matches choice and template name, kept
    through a preview or a refusal (the saved ones otherwise)."""
    record_type = services.import_type(data_import)
    choices = choices or {}
    dedupe = choices.get("dedupe") if choices.get("dedupe") in DedupeMode.ALL else data_import.dedupe
    try:
        # The preview reads the proposed mapping and choice; nothing is saved until it is submitted.
        rows = services.preview(data_import, actor=current_user, mapping=mapping, dedupe=dedupe)
    except ValidationFailed as exc:
        rows, errors = [], {**errors, **(exc.details or {})}
    match = match_field(record_type)
    return render_template(
        "crm/imports/mapping.html",
        data_import=data_import,
        record_type=record_type,
        columns=importable_columns(record_type),
        mapping=mapping,
        rows=rows,
        first_values=services.first_values(data_import),
        errors=errors,
        match=match,
        dedupe_modes=DedupeMode.LABELS,
        dedupe=dedupe,
        template_name=choices.get("template_name", ""),
        templates=services.list_templates(data_import.record_type),
        form=RecordForm(),
        may_update=can(current_user, record_type.permission("edit")),
    ), status


@bp.route("/imports/<uuid:import_id>/mapping", methods=["GET", "POST"])
@requires_permission("imports.run")
def mapping(import_id):
    data_import = services.get_import(import_id, actor=current_user)
    if data_import.status not in (ImportStatus.MAPPING, ImportStatus.CHECKED, ImportStatus.CANCELLED):
        return redirect(url_for("imports.show", import_id=data_import.id))
    if request.method == "GET":
        proposed, choices = dict(data_import.mapping), {}
        if request.args.get("template"):
            try:
                proposed, choices["dedupe"] = services.apply_template(data_import, request.args["template"])
            except ValidationFailed as exc:
                flash(exc.one_line(), "danger")
        return _mapping_page(data_import, proposed, {}, choices=choices)
    proposed = {header: request.form.get(f"map.{index}", "") for index, header in enumerate(data_import.headers)}
    choices = {
        "dedupe": request.form.get("dedupe", DedupeMode.SKIP),
        "template_name": (request.form.get("template_name") or "").strip(),
    }
    action = request.form.get("action", "preview")
    if action == "preview":
        return _mapping_page(data_import, proposed, {}, choices=choices)
    try:
        services.save_mapping(
            data_import,
            proposed,
            choices["dedupe"],
            actor=current_user,
            template_name=choices["template_name"] or None,
        )
        services.queue_import(data_import, actor=current_user, dry_run=action == "check")
    except ValidationFailed as exc:
        db.session.rollback()
        data_import = services.get_import(import_id, actor=current_user)
        return _mapping_page(data_import, proposed, exc.details or {"_form": [exc.message]}, 422, choices=choices)
    flash("Checking every row; nothing is written." if action == "check" else "Import started.", "success")
    return redirect(url_for("imports.show", import_id=data_import.id))


@bp.route("/imports/<uuid:import_id>")
@requires_permission("imports.run")
def show(import_id):
    data_import = services.get_import(import_id, actor=current_user)
    context = _progress_context(data_import)
    if is_htmx():
        return render_template("crm/imports/_progress.html", **context)
    return render_template("crm/imports/show.html", **context)


def _progress_context(data_import) -> dict:
    record_type = services.import_type(data_import)
    return {
        "data_import": data_import,
        "record_type": record_type,
        "problems": services.row_problems(data_import),
        "confirm_form": ConfirmForm(),
        "statuses": ImportStatus,
        "may_revert": can(current_user, record_type.permission("delete")),
        "row_statuses": RowStatus,
    }


def _act(import_id, operation, message: str):
    data_import = services.get_import(import_id, actor=current_user)
    try:
        operation(data_import, actor=current_user)
    except AppError as exc:
        if exc.__class__.__name__ == "PermissionDenied":
            abort(403)
        flash(exc.one_line(), "danger")
    else:
        flash(message, "success")
    return redirect(url_for("imports.show", import_id=import_id))


@bp.route("/imports/<uuid:import_id>/cancel", methods=["POST"])
@requires_permission("imports.run")
def cancel(import_id):
    return _act(import_id, services.cancel_import, "Cancelling after the current batch.")


@bp.route("/imports/<uuid:import_id>/revert", methods=["POST"])
@requires_permission("imports.run")
def revert(import_id):
    return _act(import_id, services.revert_import, "Reverting: created records are removed, updated ones restored.")


@bp.route("/imports/<uuid:import_id>/waiting", methods=["POST"])
@requires_permission("imports.run")
def import_waiting(import_id):
    return _act(import_id, services.import_waiting_rows, "Importing the waiting rows.")


@bp.route("/imports/<uuid:import_id>/rejected.csv")
@requires_permission("imports.run")
def rejected(import_id):
    """The failed and waiting rows as they were in the file, with the reason in a column."""
    data_import = services.get_import(import_id, actor=current_user)
    columns = list(data_import.headers)

    def rows():
        yield [*columns, "Row", "Status", "Reason"]
        for row in services.rejected_rows(import_id):
            # Loaded rows only: a batch is read whole when it is fetched.
            cells = list(row.cells or [])
            cells += [""] * (len(columns) - len(cells))
            yield [*cells[: len(columns)], str(row.row_number), row.status_label, row.reason]

    response = Response(in_tenant_while_streaming(csv_stream(rows())), mimetype="text/csv")
    stem = data_import.file_name.rsplit(".", 1)[0][:80] or "import"
    response.headers["Content-Disposition"] = f'attachment; filename="{_safe(stem)}-rejected.csv"'
    return response


def _safe(name: str) -> str:
    return "".join(char if char.isalnum() or char in "-_ " else "_" for char in name)


@bp.route("/imports/templates/<uuid:template_id>/delete", methods=["POST"])
@requires_permission("imports.run")
def delete_template(template_id):
    template = get_or_404(ImportTemplate, template_id)
    if find_record_type(template.record_type) is None:
        abort(404)
    services.delete_template(template, actor=current_user)
    flash(f"Template “{template.name}” deleted.", "success")
    return redirect(url_for("imports.index"))
