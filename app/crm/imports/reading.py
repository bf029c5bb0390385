"""Reading an uploaded spreadsheet: what it is (CSV or XLSX), its encoding and delimiter, its
header and its rows — streamed, so a million-row file is never held in memory.

The whole file is read once when it is uploaded: an encoding that breaks on row 700,000, a
binary file renamed `.csv` or too many rows is a per-file error before anything is written,
never half an import.
"""

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from app.core.errors import ValidationFailed

MAX_ROWS = 1_048_576
# Excel's own limit for a cell; anything longer is a per-row error.
MAX_CELL_CHARACTERS = 32_767
MAX_COLUMNS = 200
SNIFF_BYTES = 64 * 1024
# A workbook is a ZIP: a small upload can unpack to gigabytes (a ZIP bomb), and openpyxl reads
# the shared strings into memory whole. Worksheet XML packs some 10-30 times; a part that packs
# far better than any spreadsheet, or a whole that unpacks past this size, is refused before
# openpyxl opens it. (Python's zipfile never inflates a part past the size its header declares.)
MAX_WORKBOOK_BYTES = 512 * 1024 * 1024
MAX_PART_RATIO = 200
RATIO_CHECKED_FROM = 1024 * 1024
DELIMITERS = ",;\t|"
# The csv module refuses fields past its limit by failing the whole read: keep the limit far
# above MAX_CELL_CHARACTERS so a huge cell reaches the per-row check instead.
csv.field_size_limit(16 * 1024 * 1024)


@dataclass(frozen=True)
class SourceFile:
    path: Path
    kind: str  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""


# The names people know the detected encodings by (the codec names are Python's).
ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16", "cp1252": "Windows-1252"}


def encoding_label(encoding: str) -> str:
    return ENCODING_LABELS.get(encoding, encoding)


def file_error(message: str) -> ValidationFailed:
    return ValidationFailed(message, details={"file": [message]})


def inspect_file(path: Path, file_name: str) -> tuple[SourceFile, list[str], int]:
    """(source, headers, data rows) of an uploaded file; ValidationFailed on `file` for a
    file that is not a readable CSV or XLSX, is empty, or has more than MAX_ROWS rows."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if not head:
        raise file_error("The file is empty.")
    if head.startswith(b"PK\x03\x04"):
        source = SourceFile(path, "xlsx")
        _check_workbook(path)
    else:
        encoding = detect_encoding(head)
        sample = head.decode(encoding, errors="ignore")
        source = SourceFile(path, "csv", encoding, detect_delimiter(sample))
    rows = iter_rows(source)
    try:
        header = next(rows, None)
        if header is None or not any(str(cell).strip() for cell in header):
            raise file_error("The first row should name the columns; it is empty.")
        if len(header) > MAX_COLUMNS:
            raise file_error(f"Use at most {MAX_COLUMNS} columns.")
        count = 0
        for _row in rows:
            count += 1
            if count > MAX_ROWS:
                raise file_error(f"Use at most {MAX_ROWS:,} rows per file.")
    except UnicodeDecodeError as exc:
        raise file_error(
            f"The file is not valid {encoding_label(source.encoding)} text (at byte {exc.start:,}). Save it as UTF-8 CSV."
        ) from exc
    except csv.Error as exc:
        raise file_error(f"The file is not a readable CSV file: {exc}.") from exc
    if count == 0:
        raise file_error("The file has a header row but no data rows.")
    return source, unique_headers([cell_text(cell) for cell in header]), count


def detect_encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 (with BOM), else cp1252; binary data is refused."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise file_error("This is not a text file (it holds binary data). Upload a CSV or XLSX file.")
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # a character cut at the sample's end is fine
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = head.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise file_error("The file's text encoding is not UTF-8, UTF-16 or Windows-1252.") from exc
    controls = sum(1 for char in text if ord(char) < 32 and char not in "\t\r\n\f")
    if controls > len(text) / 100:
        raise file_error("This is not a text file (it holds binary data). Upload a CSV or XLSX file.")
    return "cp1252"


def detect_delimiter(sample: str) -> str:
    lines = "\n".join(sample.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(lines, delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {delimiter: lines.count(delimiter) for delimiter in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _check_workbook(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise file_error("This ZIP file is not an Excel workbook. Upload a CSV or XLSX file.")
            parts = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise file_error("The workbook is damaged; save it again as XLSX or CSV.") from exc
    unpacked = sum(part.file_size for part in parts)
    bomb = any(
        part.file_size > RATIO_CHECKED_FROM and part.file_size > MAX_PART_RATIO * max(part.compress_size, 1)
        for part in parts
    )
    if bomb:
        raise file_error("This workbook unpacks to far more than any spreadsheet would; save it again as XLSX or CSV.")
    if unpacked > MAX_WORKBOOK_BYTES:
        megabytes = MAX_WORKBOOK_BYTES // (1024 * 1024)
        raise file_error(f"This workbook unpacks to more than {megabytes} MB; split it, or save it as CSV.")


class FormulaCell(str):
    """A workbook cell holding a formula: imported as an error, not as its text."""

    __slots__ = ()


def iter_rows(source: SourceFile) -> Iterator[list]:
    """Every row as a list of cells (text; FormulaCell for workbook formulas), header first."""
    if source.kind == "xlsx":
        yield from _workbook_rows(source.path)
        return
    with source.path.open("r", encoding=source.encoding, newline="") as handle:
        yield from csv.reader(handle, delimiter=source.delimiter or ",")


def _workbook_rows(path: Path) -> Iterator[list]:
    from openpyxl import load_workbook  # noqa: PLC0415 - openpyxl takes ~150 ms to import; only XLSX imports need it

    # A file object, not the path: the stored file has no extension for openpyxl to check.
    with path.open("rb") as handle:
        try:
            workbook = load_workbook(handle, read_only=True, data_only=False)
        except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
            raise file_error("The workbook cannot be read; save it again as XLSX or CSV.") from exc
        try:
            sheet = workbook.worksheets[0]
            for row in sheet.iter_rows():
                yield [_workbook_cell(cell) for cell in row]
        finally:
            workbook.close()


def _workbook_cell(cell):
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", None) == "f":
        return FormulaCell(str(value))
    return value


def cell_text(value) -> str:
    """A cell as the text the validator reads (numbers without a trailing .0, ISO dates)."""
    if value is None:
        return ""
    if isinstance(value, FormulaCell | str):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def unique_headers(headers: list[str]) -> list[str]:
    """Blank headers become "Column 3"; a repeated one becomes "Email (2)", so every column
    can be mapped on its own."""
    taken: set[str] = set()
    result = []
    for index, header in enumerate(headers, start=1):
        base = (header.strip() or f"Column {index}")[:190]
        name, count = base, 1
        # The file may name a column "Email (2)" itself, or "Column 3" one it leaves blank:
        # counted on until the name is free, so no two columns share a name (and a mapping).
        while name.lower() in taken:
            count += 1
            name = f"{base} ({count})"
        taken.add(name.lower())
        result.append(name)
    return result


def csv_bytes(rows: list[list[str]]) -> bytes:
    """Rows as UTF-8 CSV (with BOM, so Excel reads accents right)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
