"""What a file really is, read from its first bytes (never from its name or the browser)."""

SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
    (b"\x1f\x8b", "application/gzip"),
    (b"ID3", "audio/mpeg"),
    (b"OggS", "audio/ogg"),
    (b"\x00\x00\x00\x18ftypmp4", "video/mp4"),
    (b"\x00\x00\x00\x20ftypisom", "video/mp4"),
)
OFFICE_ZIPS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
OFFICE_OLE = {"doc": "application/msword", "xls": "application/vnd.ms-excel", "ppt": "application/vnd.ms-powerpoint"}
TEXT_TYPES = {"csv": "text/csv", "md": "text/markdown", "txt": "text/plain", "json": "application/json"}
# Shown inline by the browser only for these; everything else downloads.
INLINE_SAFE = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "text/plain"})


def _extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def sniff(head: bytes, filename: str) -> str:
    """The content type of a file whose first bytes are `head`.

    The name only refines a container the bytes already prove (a ZIP that is a .docx); a
    file whose bytes name no type is text when it decodes as text, else binary.
    """
    extension = _extension(filename)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            if content_type == "application/zip":
                return OFFICE_ZIPS.get(extension, content_type)
            if content_type == "application/x-ole-storage":
                return OFFICE_OLE.get(extension, "application/octet-stream")
            return content_type
    if not head:
        return "application/octet-stream"
    if b"\x00" not in head:
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError:
            # A cut in the middle of a multi-byte character is still text.
            try:
                text = head[:-3].decode("utf-8")
            except UnicodeDecodeError:
                return "application/octet-stream"
        lowered = text.lstrip().lower()
        if lowered.startswith(("<!doctype html", "<html", "<svg", "<?xml", "<script")):
            # Markup could run script if a browser rendered it: it is only ever downloaded.
            return "text/html" if "html" in lowered[:20] or "<script" in lowered[:20] else "application/xml"
        return TEXT_TYPES.get(extension, "text/plain")
    return "application/octet-stream"


def served_inline(content_type: str) -> bool:
    return content_type in INLINE_SAFE
