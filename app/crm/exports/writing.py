"""Writing rows as CSV or XLSX a little at a time, every cell formula-safe."""

import codecs
import csv
import io
import tempfile
from collections.abc import Iterable, Iterator

from flask import current_app

from app.core.context import require_tenant_id, tenant_context
from app.core.extensions import db
from app.core.spreadsheets import neutralize_cell

FLUSH_BYTES = 64 * 1024
CSV_MIME = "text/csv; charset=utf-8"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_stream(rows: Iterable[list]) -> Iterator[bytes]:
    """UTF-8 CSV (with a BOM, so Excel reads accents right), yielded in chunks as rows come."""
    yield codecs.BOM_UTF8
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([neutralize_cell(cell) for cell in row])
        if buffer.tell() >= FLUSH_BYTES:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def in_tenant_while_streaming(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Produce each chunk of a streamed body in an app context of its own, as the current
    tenant: the request has committed and ended by the time the response is read. No
    context is held between two chunks, so a download left unread leaves nothing behind;
    the body's producers read each batch whole within one chunk."""

    app = current_app._get_current_object()
    tenant_id = require_tenant_id()
    source = iter(chunks)

    def body():
        while True:
            with app.app_context(), tenant_context(tenant_id):
                try:
                    chunk = next(source, None)
                finally:
                    db.session.remove()
            if chunk is None:
                return
            yield chunk

    return body()


def xlsx_file(rows: Iterable[list], title: str = "Export"):
    """An XLSX workbook written row by row (openpyxl's write-only mode keeps rows on disk,
    not in memory), returned as an open temporary file positioned at its start."""
    from openpyxl import Workbook  # noqa: PLC0415 - openpyxl takes ~150 ms to import; only XLSX exports need it

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    for row in rows:
        # Text that openpyxl would store as a formula is written neutralized, as text.
        sheet.append([neutralize_cell(cell) for cell in row])
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by file_chunks() once streamed
    workbook.save(handle)
    handle.seek(0)
    return handle


def file_chunks(handle, chunk: int = 256 * 1024) -> Iterator[bytes]:
    try:
        while data := handle.read(chunk):
            yield data
    finally:
        handle.close()


def _sheet_title(title: str) -> str:
    cleaned = "".join(char for char in title if char not in "[]:*?/\\")
    return (cleaned or "Export")[:31]
