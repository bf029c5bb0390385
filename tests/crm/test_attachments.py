"""Attachments: size limits, the plan's storage, sniffed types, safe serving, and bytes that
never outlive (or precede) their row."""

import io
from pathlib import Path

from sqlalchemy import func, select

from app.core.extensions import db
from app.crm.attachments.models import Attachment
from app.crm.attachments.services import file_path, stored_megabytes
from tests.conftest import in_tenant
from tests.crm.factories import make_contact


def _upload(client, contact_id, content: bytes, name="file.bin"):
    return client.post(
        f"/files/contact/{contact_id}",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def _files(app, tenant):
    with in_tenant(app, tenant.id):
        return [(row.filename, row.content_type, row.size_bytes) for row in db.session.scalars(select(Attachment))]


def test_too_large_and_empty_files_are_refused_without_leftovers(app, client_for, tenant_a):
    app.config["MAX_UPLOAD_MB"], before = 1, app.config["MAX_UPLOAD_MB"]
    try:
        contact_id = make_contact(app, tenant_a)
        client = client_for(tenant_a)
        response = _upload(client, contact_id, b"x" * (1024 * 1024 + 1))
        assert response.status_code == 302
        assert "at most 1 MB" in client.get(f"/contacts/{contact_id}").get_data(as_text=True)
        _upload(client, contact_id, b"")
        assert _files(app, tenant_a) == []
        root = app.config["STORAGE_ROOT"]
        leftovers = [path for path in Path(root, str(tenant_a.id)).rglob("*") if path.is_file()]
        assert leftovers == []
    finally:
        app.config["MAX_UPLOAD_MB"] = before


def test_storage_counts_against_the_plan(app, client_for, make_tenant, set_tenant):
    tenant = make_tenant("tiny", plan="normal")
    set_tenant(tenant, limit_overrides={"storage_mb": 1})
    contact_id = make_contact(app, tenant)
    client = client_for(tenant)
    assert _upload(client, contact_id, b"a" * 600_000, "one.txt").status_code == 302
    refused = _upload(client, contact_id, b"b" * 600_000, "two.txt")
    assert refused.status_code == 402
    assert "1 MB of file storage" in refused.get_data(as_text=True)
    assert [name for name, _, _ in _files(app, tenant)] == ["one.txt"]
    with in_tenant(app, tenant.id):
        assert stored_megabytes() == 1


def test_type_is_sniffed_and_markup_is_never_served_inline(app, client_for, tenant_a):
    contact_id = make_contact(app, tenant_a)
    client = client_for(tenant_a)
    _upload(client, contact_id, b"<html><script>alert(1)</script></html>", "invoice.pdf")
    _upload(client, contact_id, b"\x89PNG\r\n\x1a\n....", "photo.txt")
    kinds = {name: kind for name, kind, _ in _files(app, tenant_a)}
    assert kinds == {"invoice.pdf": "text/html", "photo.txt": "image/png"}
    with in_tenant(app, tenant_a.id):
        markup = db.session.scalar(select(Attachment).where(Attachment.filename == "invoice.pdf")).id
        image = db.session.scalar(select(Attachment).where(Attachment.filename == "photo.txt")).id
    served = client.get(f"/files/{markup}")
    assert served.mimetype == "application/octet-stream"
    assert served.headers["Content-Disposition"].startswith("attachment")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    inline = client.get(f"/files/{image}")
    assert inline.mimetype == "image/png"
    assert "sandbox" in inline.headers["Content-Security-Policy"]


def test_a_viewer_cannot_upload_and_a_failed_request_keeps_no_bytes(app, client_for, tenant_a):
    contact_id = make_contact(app, tenant_a)
    assert _upload(client_for(tenant_a, "viewer"), contact_id, b"hello").status_code == 403
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_deleting_a_file_removes_its_bytes_after_commit(app, client_for, tenant_a):
    contact_id = make_contact(app, tenant_a)
    client = client_for(tenant_a)
    _upload(client, contact_id, b"%PDF-1.4 brief", "brief.pdf")
    with in_tenant(app, tenant_a.id):
        attachment = db.session.scalar(select(Attachment))
        attachment_id, path = attachment.id, file_path(attachment)
    assert path.exists()
    assert client.post(f"/files/{attachment_id}/delete").status_code == 302
    assert not path.exists()
    assert client.get(f"/files/{attachment_id}").status_code == 404


def test_a_program_is_refused_whatever_its_name_says(app, client_for, tenant_a):
    contact_id = make_contact(app, tenant_a)
    client = client_for(tenant_a)
    programs = {
        "invoice.pdf": b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64,  # Windows
        "report.docx": b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64,  # Linux
        "photo.jpg": b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\x00" * 64,  # macOS
    }
    for name, content in programs.items():
        assert _upload(client, contact_id, content, name).status_code == 302
        page = client.get(f"/contacts/{contact_id}?tab=files").get_data(as_text=True)
        assert f"{name} is a program: programs cannot be attached." in page
    assert _files(app, tenant_a) == []
    leftovers = [path for path in Path(app.config["STORAGE_ROOT"], str(tenant_a.id)).rglob("*") if path.is_file()]
    assert leftovers == []


def test_a_files_delete_button_names_the_file_it_deletes(app, client_for, tenant_a):
    """The button shows only a bin: a screen reader reads its hidden words."""
    contact_id = make_contact(app, tenant_a)
    client = client_for(tenant_a)
    _upload(client, contact_id, b"minutes of the meeting", "minutes.txt")
    tab = client.get(f"/contacts/{contact_id}?tab=files").get_data(as_text=True)
    delete_form = tab.split('data-confirm="Delete minutes.txt?"', 1)[1].split("</form>", 1)[0]
    assert '<span class="visually-hidden">Delete minutes.txt</span>' in delete_form


def test_a_read_only_workspace_shows_upload_and_delete_disabled_with_the_reason(
    app, client_for, make_tenant, set_tenant
):
    """The upload form and the bins were offered while the workspace refused both (a 403 page
    and the chosen file gone): now the buttons are disabled and the reason is written."""
    tenant = make_tenant("frozenfiles")
    contact_id = make_contact(app, tenant)
    client = client_for(tenant)
    _upload(client, contact_id, b"minutes of the meeting", "minutes.txt")
    set_tenant(tenant, status="suspended", status_reason="Held for review")
    tab = client.get(f"/contacts/{contact_id}?tab=files").get_data(as_text=True)
    assert 'data-testid="upload-form"' not in tab
    assert 'data-testid="upload-submit-disabled"' in tab
    assert 'data-confirm="Delete minutes.txt?"' not in tab
    assert 'disabled aria-describedby="files-why"><i class="bi bi-trash"></i>' in tab
    assert "suspended by Atrium" in tab
