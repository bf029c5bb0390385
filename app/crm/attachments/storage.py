"""Where attachment bytes live: `<STORAGE_ROOT>/<tenant id>/attachments/<file id>`.

Bytes are written before the row is committed and removed if the transaction rolls back;
a deleted attachment's bytes are removed only after the delete has committed. So a row
never points at missing bytes.
"""

import hashlib
import os
import uuid
from pathlib import Path

from flask import current_app

from app.core.transactions import call_after_commit, call_after_rollback

CHUNK = 1024 * 1024


def tenant_folder(tenant_id) -> Path:
    return Path(current_app.config["STORAGE_ROOT"]) / str(uuid.UUID(str(tenant_id))) / "attachments"


def path_of(tenant_id, attachment_id) -> Path:
    return tenant_folder(tenant_id) / str(uuid.UUID(str(attachment_id)))


def write(stream, tenant_id, attachment_id, max_bytes: int) -> tuple[int, str, bytes]:
    """Copy `stream` to its place; returns (size, sha256, first bytes). Raises ValueError
    past `max_bytes` (nothing is left behind)."""
    target = path_of(tenant_id, attachment_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    digest, size, head = hashlib.sha256(), 0, b""
    try:
        with partial.open("wb") as out:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise ValueError("too large")
                if len(head) < 512:
                    head += chunk[: 512 - len(head)]
                digest.update(chunk)
                out.write(chunk)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    call_after_rollback(lambda: target.unlink(missing_ok=True))
    return size, digest.hexdigest(), head


def remove_after_commit(tenant_id, attachment_ids) -> None:
    paths = [path_of(tenant_id, attachment_id) for attachment_id in attachment_ids]

    def remove():
        for path in paths:
            path.unlink(missing_ok=True)

    call_after_commit(remove)
