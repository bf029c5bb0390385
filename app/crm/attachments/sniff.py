"""What an attached file really is, read from its first bytes (never from its name or the
browser). The kinds `app.core.uploads` knows come first; attachments also keep office files,
archives and text."""

from app.core.uploads import IMAGE_KINDS, KINDS, looks_like_markup, sniff_kind

CONTAINERS = (
    (b"PK\x03\x04", "application/zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
    (b"\x1f\x8b", "application/gzip"),
    (b"ID3", "audio/mpeg"),
    (b"OggS", "audio/ogg"),
)
# A container the bytes prove is refined by the name's extension (a ZIP that is a .docx).
OFFICE_ZIPS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
OFFICE_OLE = {"doc": "application/msword", "xls": "application/vnd.ms-excel", "ppt": "application/vnd.ms-powerpoint"}
TEXT_TYPES = {"csv": "text/csv", "md": "text/markdown", "txt": "text/plain", "json": "application/json"}
INLINE_TYPES = frozenset(KINDS[kind].mime for kind in IMAGE_KINDS)
# The first bytes of programs a computer runs: Linux (ELF), macOS (Mach-O, 32 and 64 bits, both
# byte orders, and universal binaries, which Java classes share). Windows programs start "MZ".
PROGRAM_SIGNATURES = (
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
)


def _extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def sniff(head: bytes, filename: str) -> str:
    """The content type of a file whose first bytes are `head`."""
    kind = sniff_kind(head)
    if kind is not None:
        return KINDS[kind].mime
    if looks_like_markup(head):
        # Markup could run script if a browser rendered it: it is only ever downloaded.
        return "text/html"
    extension = _extension(filename)
    for signature, content_type in CONTAINERS:
        if head.startswith(signature):
            if content_type == "application/zip":
                return OFFICE_ZIPS.get(extension, content_type)
            if content_type == "application/x-ole-storage":
                return OFFICE_OLE.get(extension, "application/octet-stream")
            return content_type
    if head and b"\x00" not in head and _decodes(head):
        return TEXT_TYPES.get(extension, "text/plain")
    return "application/octet-stream"


def _decodes(head: bytes) -> bool:
    # A cut in the middle of a multi-byte character is still text.
    for candidate in (head, head[:-3]):
        try:
            candidate.decode("utf-8")
        except UnicodeDecodeError:
            continue
        return True
    return False


def is_program(head: bytes) -> bool:
    """Whether the file is a program, whatever its name says (an .exe renamed invoice.pdf).
    A Windows program starts "MZ" and holds NUL bytes in its header; a text file that only
    begins with those letters does not."""
    if head.startswith(b"MZ") and b"\x00" in head[:64]:
        return True
    return head.startswith(PROGRAM_SIGNATURES)


def served_inline(content_type: str) -> bool:
    """Only images show in the page; everything else is downloaded."""
    return content_type in INLINE_TYPES
