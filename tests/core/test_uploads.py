"""Uploads: a size limit, a type judged by the content (never the name), no SVG, and served
so that a browser only ever shows an image or downloads the file."""

import io

import pytest
from werkzeug.datastructures import FileStorage

from app.core.errors import ValidationFailed
from app.core.uploads import IMAGE_KINDS, read_upload

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"\x00" * 64
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
HTML = b"<!DOCTYPE html><script>alert(document.cookie)</script>"
SETTINGS = {"name": "Alpha Creative", "timezone": "Europe/Paris", "currency": "EUR", "brand_color": "#ff5500"}


def _file(data: bytes, name: str, content_type: str = "application/octet-stream") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type=content_type)


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [(PNG, "logo.png", "png"), (PNG, "evil.svg", "png"), (JPEG, "photo.gif", "jpeg"), (PDF, "a.pdf", "pdf")],
)
def test_the_kind_comes_from_the_content_not_the_name(data, name, kind):
    assert read_upload(_file(data, name, "text/html"), kinds=IMAGE_KINDS | {"pdf"}, max_bytes=1024) == (kind, data)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (SVG, "logo.svg", "SVG and other markup files are not accepted"),
        (b"  \n<svg onload=alert(1)>", "logo.png", "SVG and other markup files are not accepted"),
        (HTML, "logo.png", "SVG and other markup files are not accepted"),
        (b"GIF8 not quite", "logo.gif", "Use a PNG, JPEG, GIF or WebP file."),
        (PDF, "logo.png", "Use a PNG, JPEG, GIF or WebP file."),  # a real kind, but not one allowed here
        (b"", "logo.png", "The file is empty."),
    ],
)
def test_what_is_not_an_allowed_kind_is_refused(data, name, message):
    with pytest.raises(ValidationFailed) as refused:
        read_upload(_file(data, name, "image/png"), kinds=IMAGE_KINDS, max_bytes=1024, field="logo")
    assert any(message in text for text in refused.value.details["logo"])


def test_a_file_over_the_limit_is_refused_without_being_read_whole():
    stream = io.BytesIO(PNG + b"\x00" * 10_000)
    with pytest.raises(ValidationFailed, match="too large"):
        read_upload(FileStorage(stream=stream, filename="big.png"), kinds=IMAGE_KINDS, max_bytes=1024)
    assert stream.tell() == 1025  # one byte past the limit, no more


def test_a_text_value_where_a_file_belongs_is_refused():
    with pytest.raises(ValidationFailed, match="Choose a file"):
        read_upload("not a file", kinds=IMAGE_KINDS, max_bytes=1024)


def _upload_logo(client, data: bytes, name: str, content_type: str = "image/png"):
    return client.post(
        "/settings",
        data={**SETTINGS, "logo": (io.BytesIO(data), name, content_type)},
        content_type="multipart/form-data",
    )


def test_an_svg_logo_is_refused_whatever_it_is_called(tenant_a, client_for):
    client = client_for(tenant_a)
    for name in ("logo.svg", "logo.png"):
        response = _upload_logo(client, SVG, name)
        assert response.status_code == 422
        assert b"SVG and other markup files are not accepted" in response.data
    assert client.get("/branding/logo").status_code == 404


def test_a_logo_over_512_kb_is_refused(tenant_a, client_for):
    response = _upload_logo(client_for(tenant_a), PNG + b"\x00" * (512 * 1024), "logo.png")
    assert response.status_code == 422
    assert b"under 512 KB" in response.data


def test_a_logo_is_served_as_the_image_it_is_never_as_a_document(tenant_a, client_for):
    client = client_for(tenant_a)
    assert _upload_logo(client, JPEG, "logo.html", "text/html").status_code == 302
    logo = client.get("/branding/logo")
    assert logo.status_code == 200
    assert logo.mimetype == "image/jpeg"
    assert logo.headers["Content-Disposition"] == 'inline; filename="logo.jpg"'
    assert logo.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in logo.headers["Content-Security-Policy"]
    assert logo.data == JPEG
