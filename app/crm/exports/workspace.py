"""Whole-workspace exports for owners: every record type as CSV and as JSON, with tags,
custom field definitions, segments and the timeline, in one ZIP built by a job.

Allowed while the workspace is read-only (its data stays the customer's), audited, and
written a batch at a time straight into the ZIP, so its size never sits in memory.
"""

import csv
import io
import json
import uuid
import zipfile
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app.auth.permissions import acting_user, check_permission
from app.core.audit import record_audit
from app.core.context import require_tenant_id
from app.core.errors import Conflict
from app.core.extensions import db
from app.core.lookups import get_or_404
from app.core.spreadsheets import neutralize_cell
from app.core.transactions import commit_and_deliver
from app.core.types import json_safe, utcnow
from app.crm.activities.models import Activity
from app.crm.exports.models import WorkspaceExport
from app.crm.exports.services import BATCH_SIZE, export_rows
from app.crm.fields.models import FieldDefinition
from app.crm.privacy.services import activity_content
from app.crm.segments.models import Segment
from app.crm.tags.models import Tag
from app.jobs.tenant_jobs import next_run_of_tenant_job, run_tenant_job_now
from app.records import schemas as record_schemas
from app.records.registry import record_types

JOB_KIND = "workspace-export"
JOB_REF = "app.crm.exports.workspace:build_workspace_export"


def export_path(tenant_id, export_id) -> Path:
    root = Path(current_app.config["STORAGE_ROOT"]) / str(uuid.UUID(str(tenant_id))) / "exports"
    return root / f"{uuid.UUID(str(export_id))}.zip"


def request_workspace_export(*, actor) -> WorkspaceExport:
    check_permission(actor, "workspace.export")
    running = db.session.scalar(select(WorkspaceExport).where(WorkspaceExport.status.in_(("queued", "running"))))
    if running is not None and not _lost(running):
        raise Conflict("An export of this workspace is already being prepared.")
    export = WorkspaceExport(created_by_id=getattr(acting_user(actor), "id", None))
    db.session.add(export)
    db.session.flush()
    run_tenant_job_now(export.tenant_id, JOB_KIND, export.id, JOB_REF)
    record_audit("export.workspace_requested", actor=actor, target=export, target_label="Whole workspace")
    return export


def _lost(export: WorkspaceExport) -> bool:
    """A queued export whose job is gone (dropped in an outage before run-now jobs ran late)
    will never start: it is marked failed, so that it blocks a new export no more."""
    if export.status != "queued" or next_run_of_tenant_job(export.tenant_id, JOB_KIND, export.id) is not None:
        return False
    export.status, export.finished_at = "failed", utcnow()
    export.error = "Its job was lost while the scheduler was down; a new export was asked for."
    return True


def list_workspace_exports(*, actor) -> list[WorkspaceExport]:
    check_permission(actor, "workspace.export")
    return list(db.session.scalars(select(WorkspaceExport).order_by(WorkspaceExport.created_at.desc()).limit(20)))


def get_workspace_export(export_id, *, actor) -> WorkspaceExport:
    check_permission(actor, "workspace.export")
    return get_or_404(WorkspaceExport, export_id)


def build_workspace_export(export_id, **_ignored) -> dict:
    """The job: write the ZIP, then mark the export done (or failed, with the reason)."""
    export = db.session.get(WorkspaceExport, (require_tenant_id(), uuid.UUID(str(export_id))))
    if export is None or export.status not in ("queued", "running"):
        return {"status": "gone"}
    export.status = "running"
    commit_and_deliver()
    path = export_path(export.tenant_id, export.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for record_type in record_types():
                _write_type(archive, record_type)
            _write_extras(archive)
        partial.replace(path)
    except Exception as exc:
        db.session.rollback()
        partial.unlink(missing_ok=True)
        export = db.session.get(WorkspaceExport, (require_tenant_id(), uuid.UUID(str(export_id))))
        export.status, export.error, export.finished_at = "failed", f"{type(exc).__name__}: {exc}"[:2000], utcnow()
        commit_and_deliver()
        raise
    export.status, export.size_bytes, export.finished_at = "done", path.stat().st_size, utcnow()
    commit_and_deliver()
    return {"status": "done", "bytes": export.size_bytes}


def _write_type(archive, record_type) -> None:
    statement = select(record_type.model)
    with (
        archive.open(f"{record_type.plural}.csv", "w") as raw,
        io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as out,
    ):
        writer = csv.writer(out)
        for row in export_rows(record_type, statement):
            writer.writerow([neutralize_cell(cell) for cell in row])
    output = record_schemas.output_schema(record_type)()
    model = record_type.model
    with archive.open(f"{record_type.plural}.json", "w") as raw, io.TextIOWrapper(raw, encoding="utf-8") as out:
        out.write("[")
        first, last_id = True, None
        while True:
            stmt = select(model).options(*record_type.loader_options("export")).order_by(model.id).limit(BATCH_SIZE)
            if last_id is not None:
                stmt = stmt.where(model.id > last_id)
            batch = list(db.session.scalars(stmt).unique())
            for record in batch:
                out.write(
                    ("" if first else ",\n") + json.dumps(output.dump(record_schemas.serialize(record_type, record)))
                )
                first = False
            if len(batch) < BATCH_SIZE:
                break
            last_id = batch[-1].id
        out.write("]\n")


def _write_extras(archive) -> None:
    """Tags, custom field definitions, segments and the timeline, as JSON."""

    simple = {
        "tags.json": (Tag, ("id", "name", "color")),
        "custom_fields.json": (FieldDefinition, ("object_type", "key", "label", "field_type", "required", "options")),
        "segments.json": (Segment, ("id", "name", "record_type", "visibility", "definition")),
    }
    for name, (model, keys) in simple.items():
        rows = [{key: getattr(row, key) for key in keys} for row in db.session.scalars(select(model))]
        archive.writestr(name, json.dumps(json_safe(rows), indent=1))
    with archive.open("activities.json", "w") as raw:
        raw.write(b"[")
        first, last_id = True, None
        while True:
            stmt = select(Activity).order_by(Activity.id).limit(BATCH_SIZE)
            if last_id is not None:
                stmt = stmt.where(Activity.id > last_id)
            batch = list(db.session.scalars(stmt))
            for item in batch:
                # The keys keep the order the archive has always had: id, type, record_id, ….
                content = activity_content(item)
                entry = {"id": item.id, "type": content.pop("type"), "record_id": item.record_id, **content}
                raw.write((b"" if first else b",\n") + json.dumps(json_safe(entry)).encode())
                first = False
            if len(batch) < BATCH_SIZE:
                break
            last_id = batch[-1].id
        raw.write(b"]\n")
