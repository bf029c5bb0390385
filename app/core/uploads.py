"""Uploaded files: read within a size limit, typed by their content, served so a browser
never runs them.

Every upload (logos now, attachments later) goes through `read_upload`; the name and the
Content-Type the browser sent are never trusted. SVG is refused: it is a document that can
carry script, not just a picture.
"""

from dataclasses import dataclass

from flask import Response, abort, current_app, request
from werkzeug.datastructures import FileStorage

from app.core.errors import ValidationFailed


@dataclass(frozen=True)
class FileKind:
    name: str
    mime: str
    extension: str
    label: str
    inline: bool  # safe to show in the page (images); anything else is downloaded


KINDS = {
    kind.name: kind
    for kind in (
        FileKind("png", "image/png", "png", "PNG", True),
        FileKind("jpeg", "image/jpeg", "jpg", "JPEG", True),
        FileKind("gif", "image/gif", "gif", "GIF", True),
        FileKind("webp", "image/webp", "webp", "WebP", True),
        FileKind("pdf", "application/pdf", "pdf", "PDF", False),
    )
}
IMAGE_KINDS = frozenset({"png", "jpeg", "gif", "webp"})
# How far into a file we look for markup that would make a browser treat it as a document.
MARKUP_SNIFF_BYTES = 1024
MARKUP_SIGNATURES = (b"<svg", b"<?xml", b"<!doctype", b"<html", b"<script")


def accepts_files(*fields: str):
    """Declare the form fields of a view that may carry uploaded files (place it right under
    the route decorator). A file anywhere else — a view that takes none, or a text field —
    is refused with a 400 before the view runs: no view ever finds a file where it expects
    a string."""

    def mark(view):
        view.upload_fields = frozenset(fields)
        return view

    return mark


def refuse_unexpected_files() -> None:
    """before_request: enforce `accepts_files` (only multipart bodies carry files)."""
    if request.mimetype != "multipart/form-data" or not request.files:
        return
    view = current_app.view_functions.get(request.endpoint)
    allowed = getattr(view, "upload_fields", frozenset())
    if any(name not in allowed for name in request.files):
        abort(400)


def kind_for_mime(mime: str | None) -> str | None:
    return next((kind.name for kind in KINDS.values() if kind.mime == mime), None)


def sniff_kind(data: bytes) -> str | None:
    """The file's kind from its first bytes (its magic number), or None when unknown."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"%PDF-"):
        return "pdf"
    return None


def looks_like_markup(data: bytes) -> bool:
    head = data[:MARKUP_SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return any(signature in head for signature in MARKUP_SIGNATURES)


def _labels(kinds) -> str:
    labels = [kind.label for name, kind in KINDS.items() if name in kinds]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]


def _size_label(max_bytes: int) -> str:
    return f"{max_bytes // (1024 * 1024)} MB" if max_bytes >= 1024 * 1024 else f"{max_bytes // 1024} KB"


def read_upload(upload: FileStorage, *, kinds, max_bytes: int, field: str = "file") -> tuple[str, bytes]:
    """Read an uploaded file and return (kind, bytes); ValidationFailed (on `field`) when it
    is empty, larger than `max_bytes`, or not one of `kinds` judged by its content."""
    if not isinstance(upload, FileStorage):
        raise ValidationFailed("Choose a file.", details={field: ["Choose a file to upload."]})
    # One byte past the limit is enough to know it is too large, without reading it all.
    data = upload.stream.read(max_bytes + 1)
    if not data:
        raise ValidationFailed("Empty file.", details={field: ["The file is empty."]})
    if len(data) > max_bytes:
        raise ValidationFailed("File too large.", details={field: [f"Use a file under {_size_label(max_bytes)}."]})
    kind = sniff_kind(data)
    if kind is None or kind not in kinds:
        message = f"Use a {_labels(kinds)} file."
        if kind is None and looks_like_markup(data):
            message = f"SVG and other markup files are not accepted. {message}"
        raise ValidationFailed("Unsupported file.", details={field: [message]})
    return kind, data


def upload_response(data: bytes, kind: str, *, filename: str, cache_control: str = "private, no-store") -> Response:
    """Serve a stored upload: its sniffed type, nosniff, a Content-Disposition that shows
    images in the page and downloads everything else, and a CSP that runs nothing (even a
    file that is also valid HTML — a polyglot — stays inert)."""
    file_kind = KINDS[kind]
    response = Response(data, mimetype=file_kind.mime)
    disposition = "inline" if file_kind.inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}.{file_kind.extension}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'; sandbox"
    response.headers["Cache-Control"] = cache_control
    return response
