"""Attach files to records, list and serve them, delete them; storage counts against the plan."""

import math
import re

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.auth.permissions import acting_user, check_permission
from app.core.context import require_tenant_id
from app.core.errors import PlanLimitExceeded, ValidationFailed
from app.core.extensions import db
from app.core.ids import uuid7
from app.core.lookups import get_or_404
from app.crm.attachments import storage
from app.crm.attachments.models import Attachment
from app.crm.attachments.sniff import is_program, sniff
from app.plans.services import check_writable, enforce, entitlements, upgrade_url
from app.records.services import emit_record_event
from app.tenants.models import Tenant

MEGABYTE = 1024 * 1024
MAX_FILES_PER_RECORD = 200
UNSAFE_NAME = re.compile(r"[^\w.\- ()]+", re.UNICODE)


def stored_bytes() -> int:
    return int(db.session.scalar(select(func.coalesce(func.sum(Attachment.size_bytes), 0))) or 0)


def stored_megabytes(tenant_id=None) -> int:
    """Storage in use, in whole megabytes rounded up (the unit of the plan's limit)."""
    return math.ceil(stored_bytes() / MEGABYTE)


def clean_filename(name: str | None) -> str:
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = UNSAFE_NAME.sub("_", name).strip(" .")[:200]
    return name or "file"


def attachments_of(record) -> list[Attachment]:
    return list(
        db.session.scalars(
            select(Attachment)
            .where(Attachment.record_id == record.id)
            .options(selectinload(Attachment.uploaded_by))
            .order_by(Attachment.created_at.desc(), Attachment.id.desc())
            .limit(MAX_FILES_PER_RECORD)
        )
    )


def get_attachment(attachment_id) -> Attachment:
    return get_or_404(Attachment, attachment_id)


def attach_file(record_type, record, upload, *, actor, max_megabytes: int) -> Attachment:
    """Store an uploaded file (a werkzeug FileStorage) on `record`.

    Refused: editing the record not allowed, an empty or oversized file, or more storage
    than the plan allows (the check runs under the tenant's lock, so two uploads cannot
    both squeeze under the limit).
    """
    check_permission(actor, record_type.permission("edit"))
    check_writable()
    if upload is None or not getattr(upload, "filename", ""):
        raise ValidationFailed("Choose a file.", details={"file": ["Choose a file to upload."]})
    tenant_id = require_tenant_id()
    attachment_id = uuid7()
    try:
        size, digest, head = storage.write(upload.stream, tenant_id, attachment_id, max_megabytes * MEGABYTE)
    except ValueError as exc:
        raise ValidationFailed(
            "File too large.", details={"file": [f"Files can be at most {max_megabytes} MB."]}
        ) from exc
    filename = clean_filename(upload.filename)
    try:
        if size == 0:
            raise ValidationFailed("Empty file.", details={"file": ["This file is empty."]})
        if is_program(head):
            # Kept, it would be handed to the next person who downloads "invoice.pdf".
            message = f"{filename} is a program: programs cannot be attached."
            raise ValidationFailed(message, details={"file": [message]})
        _check_storage_limit(size)
    except Exception:
        # A refused upload leaves no bytes behind, whatever the request then does.
        storage.path_of(tenant_id, attachment_id).unlink(missing_ok=True)
        raise
    attachment = Attachment(
        id=attachment_id,
        record_id=record.id,
        filename=filename,
        content_type=sniff(head, filename),
        size_bytes=size,
        sha256=digest,
        uploaded_by_id=getattr(acting_user(actor), "id", None),
    )
    db.session.add(attachment)
    db.session.flush()
    data = {"file": filename, "size_bytes": size}
    emit_record_event(record_type, record, "file_attached", actor=actor, summary=f"Attached {filename}", data=data)
    return attachment


def _check_storage_limit(adding_bytes: int) -> None:
    enforce("storage_mb", adding=0)  # takes the tenant's lock; refuses if already over
    tenant = db.session.get(Tenant, require_tenant_id())
    ent = entitlements(tenant)
    limit = ent.limit("storage_mb")
    if limit is None:
        return
    used = stored_bytes()
    if used + adding_bytes > limit * MEGABYTE:
        raise PlanLimitExceeded(
            f"Your {ent.plan.name} plan includes {limit:,} MB of file storage; "
            f"{math.ceil(used / MEGABYTE):,} MB are in use. Upgrade your plan or delete files to add this one.",
            details={
                "resource": "storage_mb",
                "limit": limit,
                "used": math.ceil(used / MEGABYTE),
                "upgrade_url": upgrade_url(),
            },
        )


def delete_attachment(record_type, record, attachment: Attachment, *, actor) -> None:
    check_permission(actor, record_type.permission("edit"))
    check_writable()
    if attachment.record_id != record.id:
        raise ValidationFailed("Not a file of this record.", details={"file": ["Not attached here."]})
    name, tenant_id, attachment_id = attachment.filename, attachment.tenant_id, attachment.id
    db.session.delete(attachment)
    db.session.flush()
    storage.remove_after_commit(tenant_id, [attachment_id])
    emit_record_event(record_type, record, "file_removed", actor=actor, summary=f"Removed {name}", data={"file": name})


def forget_files_of(record_ids: list) -> None:
    """Before records go: their files' bytes are removed once the delete commits (the rows
    go with the records' rows, by the database's cascade)."""
    ids = list(db.session.scalars(select(Attachment.id).where(Attachment.record_id.in_(record_ids))))
    if ids:
        storage.remove_after_commit(require_tenant_id(), ids)


def file_path(attachment: Attachment):
    return storage.path_of(attachment.tenant_id, attachment.id)
