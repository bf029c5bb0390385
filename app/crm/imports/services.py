"""Imports of CSV/XLSX files into records of any type.

Upload → the file is stored and read once (encoding, delimiter, header, row count); mapping →
each header names one of the type's spreadsheet columns (`app.records.cells`), guessed from
the headers and saved as named templates; then a dry run (the type's one validator on every
row, nothing written) or the import itself, both run by the scheduler in batches
(`app.crm.imports.jobs`). Each batch commits its records with the rows' outcomes and the
position reached, so a restarted worker resumes where the last commit left off: no row is
written twice and none is skipped.
"""

import logging
import os
import uuid
from pathlib import Path

from flask import current_app
from sqlalchemy import and_, func, or_, select

from app.auth.models import User
from app.auth.permissions import acting_user, can, check_permission
from app.core.audit import record_audit
from app.core.bulk_rows import make_row
from app.core.errors import Conflict, PermissionDenied, PlanLimitExceeded, ValidationFailed
from app.core.extensions import db
from app.core.lookups import get_or_404
from app.core.models import tenant_join
from app.core.newest_first import newest_first_page
from app.core.pagination import keyset_page
from app.core.spreadsheets import restore_cell
from app.core.transactions import call_after_rollback
from app.core.types import json_safe, utcnow
from app.core.validation import Errors, clean_text, contains_nul
from app.crm.duplicates.detection import look_alikes
from app.crm.fields.capability import all_definitions, display_value
from app.crm.imports.matching import find_existing, find_matches, match_field, match_values
from app.crm.imports.models import DataImport, DedupeMode, ImportRow, ImportStatus, ImportTemplate, RowStatus
from app.crm.imports.reading import MAX_CELL_CHARACTERS, FormulaCell, SourceFile, cell_text, inspect_file, iter_rows
from app.jobs.tenant_jobs import cancel_tenant_job, schedule_tenant_job
from app.plans.services import check_writable
from app.records.cells import Lookups, guess_mapping, importable_columns
from app.records.fields import ChildList
from app.records.normalize import Invalid
from app.records.registry import find_record_type, get_record_type
from app.records.services import create_records, update_record
from app.records.validation import clean_input

JOB_KIND = "import"
JOB_REF = "app.crm.imports.jobs:run_import"
PREVIEW_ROWS = 5
MAX_TEMPLATES = 100

logger = logging.getLogger(__name__)


def storage_path(tenant_id, import_id) -> Path:
    root = Path(current_app.config["STORAGE_ROOT"]) / str(uuid.UUID(str(tenant_id))) / "imports"
    return root / str(uuid.UUID(str(import_id)))


def import_type(data_import):
    return get_record_type(data_import.record_type)


def job_user(data_import) -> User | None:
    return (
        db.session.get(User, (data_import.tenant_id, data_import.created_by_id)) if data_import.created_by_id else None
    )


# ---------------------------------------------------------------------------- upload and mapping


def start_import(type_name: str, upload, *, actor) -> DataImport:
    """Store the uploaded file, read it once, and open its mapping step."""
    record_type = find_record_type(type_name) if isinstance(type_name, str) else None
    if record_type is None:
        raise ValidationFailed("Choose what to import.", details={"record_type": ["Choose what to import."]})
    check_permission(actor, record_type.permission("create"))
    check_writable()
    file_name = os.path.basename(getattr(upload, "filename", "") or "")[:255]
    if not file_name or getattr(upload, "stream", None) is None:
        raise ValidationFailed("Choose a file.", details={"file": ["Choose a CSV or XLSX file."]})
    data_import = DataImport(
        id=uuid.uuid4(),
        record_type=record_type.name,
        file_name=file_name,
        file_kind="csv",
        created_by_id=getattr(acting_user(actor), "id", None),
    )
    path = storage_path(data_import.tenant_id, data_import.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    max_bytes = current_app.config.get("IMPORT_MAX_MB", current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024
    size = 0
    try:
        with path.open("wb") as out:
            while chunk := upload.stream.read(1024 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise ValidationFailed(
                        "File too large.", details={"file": [f"Use a file under {max_bytes // 2**20} MB."]}
                    )
                out.write(chunk)
        source, headers, rows = inspect_file(path, file_name)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    call_after_rollback(lambda: path.unlink(missing_ok=True))
    data_import.file_kind = source.kind
    data_import.encoding = source.encoding
    data_import.delimiter = source.delimiter
    data_import.headers = headers
    data_import.total_rows = rows
    data_import.bytes = size
    data_import.mapping = guess_mapping(record_type, headers)
    db.session.add(data_import)
    db.session.flush()
    record_audit("import.uploaded", actor=actor, target=data_import, target_label=file_name, details={"rows": rows})
    return data_import


def get_import(import_id, *, actor=None) -> DataImport:
    data_import = get_or_404(DataImport, import_id)
    if actor is not None:
        check_permission(actor, import_type(data_import).permission("create"))
    return data_import


def list_imports(*, actor, cursor=None, limit=25):
    check_permission(actor, "imports.run")
    return newest_first_page(select(DataImport), by=DataImport.created_at, cursor=cursor, limit=limit)


def check_mapping(data_import, mapping) -> dict:
    """{header: column key} limited to this file's headers and the type's importable columns,
    each column used once."""
    if not isinstance(mapping, dict):
        raise ValidationFailed("Send the mapping as {header: column}.", details={"mapping": ["Send an object."]})
    if contains_nul(mapping):
        raise ValidationFailed("Invalid mapping.", details={"mapping": ["Contains a NUL character."]})
    columns = {column.key for column in importable_columns(import_type(data_import))}
    errors = Errors()
    cleaned, used = {}, {}
    for header, key in mapping.items():
        if key in (None, ""):
            continue
        if header not in data_import.headers:
            errors.add(f"mapping.{header}", "Not a column of this file.")
        elif not isinstance(key, str) or key not in columns:
            errors.add(f"mapping.{header}", "Choose one of the listed fields.")
        elif key in used:
            errors.add(f"mapping.{header}", f"Already filled from “{used[key]}”.")
        else:
            cleaned[header] = key
            used[key] = header
    if not cleaned and not errors:
        errors.add("mapping", "Map at least one column.")
    errors.raise_if_any("Check the mapping.")
    return cleaned


def save_mapping(data_import, mapping, dedupe: str, *, actor, template_name: str | None = None) -> DataImport:
    _check_can_change(data_import, actor)
    if data_import.status not in (ImportStatus.MAPPING, ImportStatus.CHECKED, ImportStatus.CANCELLED):
        raise Conflict("This import has started: its mapping is fixed.")
    cleaned = check_mapping(data_import, mapping)
    if dedupe not in DedupeMode.ALL:
        raise ValidationFailed(
            "Choose what to do with matches.", details={"dedupe": ["Choose skip, update or create."]}
        )
    if dedupe == DedupeMode.UPDATE:
        check_permission(actor, import_type(data_import).permission("edit"))
    data_import.mapping = cleaned
    data_import.dedupe = dedupe
    if template_name:
        save_template(data_import.record_type, template_name, cleaned, dedupe, actor=actor)
    db.session.flush()
    return data_import


def list_templates(type_name: str) -> list[ImportTemplate]:
    return list(
        db.session.scalars(
            select(ImportTemplate).where(ImportTemplate.record_type == type_name).order_by(ImportTemplate.name)
        )
    )


def save_template(type_name: str, name, mapping: dict, dedupe: str, *, actor) -> ImportTemplate:
    """Create the template, or replace the mapping of the template of the same name."""
    check_permission(actor, get_record_type(type_name).permission("create"))
    errors = Errors()
    name = clean_text({"name": name}, "name", errors, max_length=80, required=True, label="Template name")
    errors.raise_if_any()
    template = db.session.scalar(
        select(ImportTemplate).where(ImportTemplate.record_type == type_name, ImportTemplate.name == name)
    )
    if template is None:
        if db.session.scalar(select(func.count(ImportTemplate.id))) >= MAX_TEMPLATES:
            raise ValidationFailed("Too many templates.", details={"name": [f"Keep at most {MAX_TEMPLATES}."]})
        template = ImportTemplate(record_type=type_name, name=name)
        db.session.add(template)
    template.mapping = dict(mapping)
    template.dedupe = dedupe
    db.session.flush()
    return template


def apply_template(data_import, template_id) -> tuple[dict, str]:
    """The template's mapping for this file's headers (headers it does not know stay unmapped)
    and what it does with matches."""
    template = get_or_404(ImportTemplate, template_id)
    if template.record_type != data_import.record_type:
        raise ValidationFailed("Choose a template of this record type.", details={"template": ["Wrong type."]})
    mapping = {header: key for header, key in template.mapping.items() if header in data_import.headers}
    return mapping, template.dedupe


def delete_template(template: ImportTemplate, *, actor) -> None:
    check_permission(actor, get_record_type(template.record_type).permission("create"))
    db.session.delete(template)
    db.session.flush()


def preview(
    data_import, *, actor, mapping: dict | None = None, dedupe: str | None = None, limit: int = PREVIEW_ROWS
) -> list[dict]:
    """The first rows as they will be stored (with `mapping` and `dedupe`, or the saved ones):
    each mapped column's value after the type's validator, or the row's problems. Nothing is
    written."""
    record_type = import_type(data_import)
    plan = RowPlan(data_import, actor=actor, mapping=mapping, dedupe=dedupe)
    rows = []
    for row_number, cells in data_rows(data_import, start=0, limit=limit):
        outcome = plan.check(row_number, cells)
        rows.append(outcome)
    for row in rows:
        row["display"] = {
            key: _display(record_type, key, value) for key, value in (row.pop("cleaned", None) or {}).items()
        }
    return rows


def first_values(data_import, *, limit: int = PREVIEW_ROWS) -> list[str]:
    """Each column's first value in the file's first `limit` data rows (blank cells passed
    over), shown beside the column on the mapping page, whatever the mapping says."""
    found = [""] * len(data_import.headers)
    for _row_number, cells in data_rows(data_import, start=0, limit=limit):
        for index, cell in enumerate(cells[: len(found)]):
            if not found[index] and str(cell).strip():
                found[index] = str(cell).strip()
    return found


def _display(record_type, key, value) -> str:
    field = record_type.field(key)
    if field is not None:
        if isinstance(value, list):
            return ", ".join(str(item.get("email") or item.get("number") or item) for item in value)
        if getattr(field, "to", None) and value is not None:
            return get_record_type(field.to).title_of(value)
        return field.display(value)  # a value of its own shape (an address, consent) words itself
    if key == "owner_id":
        return value.display_name if value is not None else "Unassigned"
    if key == "tag_ids":
        return ", ".join(tag.name for tag in value or [])
    if key == "custom_fields":
        definitions = {definition.key: definition for definition in all_definitions(record_type.name)}
        return ", ".join(
            f"{definitions[name].label}: {display_value(definitions[name], text)}"
            if name in definitions
            else f"{name}: {text}"
            for name, text in (value or {}).items()
        )
    return str(value)


# ---------------------------------------------------------------------------- running


def queue_import(data_import, *, actor, dry_run: bool = False) -> DataImport:
    """Start the dry run or the import: the scheduler picks it up within seconds."""
    _check_can_change(data_import, actor)
    check_writable()
    if data_import.status not in (ImportStatus.MAPPING, ImportStatus.CHECKED, ImportStatus.CANCELLED):
        raise Conflict("This import has already run.")
    if not data_import.mapping:
        raise ValidationFailed("Map at least one column.", details={"mapping": ["Map at least one column."]})
    if data_import.dedupe == DedupeMode.UPDATE:
        check_permission(actor, import_type(data_import).permission("edit"))
    db.session.execute(
        ImportRow.__table__.delete().where(
            ImportRow.tenant_id == data_import.tenant_id, ImportRow.import_id == data_import.id
        )
    )
    for name in ("rows_done", "created_count", "updated_count", "skipped_count", "failed_count", "waiting_count"):
        setattr(data_import, name, 0)
    data_import.busy_seconds = 0.0
    data_import.error = ""
    data_import.dry_run = dry_run
    data_import.phase = "file"
    data_import.status = ImportStatus.CHECKING if dry_run else ImportStatus.QUEUED
    data_import.started_at = None
    data_import.finished_at = None
    db.session.flush()
    _schedule(data_import)
    if not dry_run:
        record_audit("import.started", actor=actor, target=data_import, target_label=data_import.file_name)
    return data_import


def import_waiting_rows(data_import, *, actor) -> DataImport:
    """After an upgrade: import the rows that were over the plan's limit."""
    _check_can_change(data_import, actor)
    check_writable()
    if data_import.status != ImportStatus.COMPLETED or not data_import.waiting_count:
        raise Conflict("This import has no waiting rows.")
    data_import.phase = "waiting"
    data_import.status = ImportStatus.QUEUED
    data_import.finished_at = None
    db.session.flush()
    _schedule(data_import)
    return data_import


def cancel_import(data_import, *, actor) -> DataImport:
    """Stop between two batches: what is committed stays (revert removes it)."""
    _check_can_change(data_import, actor)
    if data_import.status in (ImportStatus.QUEUED, ImportStatus.CHECKING) and data_import.started_at is None:
        data_import.status = ImportStatus.CANCELLED
        data_import.finished_at = utcnow()
        cancel_tenant_job(data_import.tenant_id, JOB_KIND, data_import.id)
    elif data_import.status in (ImportStatus.QUEUED, ImportStatus.CHECKING, ImportStatus.RUNNING):
        data_import.status = ImportStatus.CANCELLING
    else:
        raise Conflict("This import is not running.")
    db.session.flush()
    return data_import


def revert_import(data_import, *, actor) -> DataImport:
    """Delete what the import created and restore what it updated (a background job)."""
    _check_can_change(data_import, actor)
    check_writable()
    record_type = import_type(data_import)
    check_permission(actor, record_type.permission("delete"))
    if data_import.dry_run or data_import.status not in (
        ImportStatus.COMPLETED,
        ImportStatus.CANCELLED,
        ImportStatus.FAILED,
    ):
        raise Conflict("Only a finished import can be reverted.")
    if not (data_import.created_count or data_import.updated_count):
        raise Conflict("This import changed nothing.")
    data_import.status = ImportStatus.REVERTING
    data_import.phase = "revert"
    data_import.finished_at = None
    db.session.flush()
    _schedule(data_import)
    record_audit("import.reverted", actor=actor, target=data_import, target_label=data_import.file_name)
    return data_import


def _schedule(data_import) -> None:
    schedule_tenant_job(
        data_import.tenant_id,
        JOB_KIND,
        data_import.id,
        JOB_REF,
        "interval",
        seconds=current_app.config.get("IMPORT_POLL_SECONDS", 3),
    )


def _check_can_change(data_import, actor) -> None:
    check_permission(actor, import_type(data_import).permission("create"))
    user = acting_user(actor)
    if data_import.created_by_id != getattr(user, "id", None) and not can(actor, "imports.manage"):
        raise PermissionDenied("Only the person who uploaded this file, or a manager, may run it.")


def data_rows(data_import, *, start: int, limit: int | None = None):
    """(row number, cells) of the data rows from index `start` (row numbers count the
    header as row 1, as spreadsheets show them)."""
    source = _source(data_import)
    rows = iter_rows(source)
    next(rows, None)
    for index, cells in enumerate(rows):
        if index < start:
            continue
        if limit is not None and index >= start + limit:
            return
        yield index + 2, cells


def _source(data_import):
    path = storage_path(data_import.tenant_id, data_import.id)
    return SourceFile(path, data_import.file_kind, data_import.encoding, data_import.delimiter)


class RowPlan:
    """How the rows of one import are read and written: the mapped columns, the match field,
    the caches of names looked up, and the acting user."""

    def __init__(self, data_import, *, actor, mapping: dict | None = None, dedupe: str | None = None):
        self.data_import = data_import
        # What a match does: the saved choice, or the one a preview is asked for.
        self.dedupe = dedupe if dedupe in DedupeMode.ALL else data_import.dedupe
        self.record_type = import_type(data_import)
        self.actor = actor
        mapping = data_import.mapping if mapping is None else mapping
        columns = {column.key: column for column in importable_columns(self.record_type)}
        self.columns = [
            (index, header, columns[mapping[header]])
            for index, header in enumerate(data_import.headers)
            if mapping.get(header) in columns
        ]
        self.labels = {column.key: header for _index, header, column in self.columns}
        self.lookups = Lookups()
        self.match = match_field(self.record_type)
        # The batch's match values looked up, the records found for them, and back (`look_up`).
        self.looked_up: set[str] = set()
        self.matches: dict = {}
        self.values_led: dict = {}
        # A dry run writes nothing, so a row repeating a value of an earlier new row would find
        # no record: {match value: the row that would make it}, to answer as the import will.
        self.planned: dict[str, int] = {}

    def read(self, cells) -> tuple[dict, list[str], list[str]]:
        """(validator input, problems, the row's cells as text) of one row."""
        texts = [cell_text(cell) for cell in cells]
        problems, data = [], {}
        for index, header, column in self.columns:
            raw = cells[index] if index < len(cells) else None
            text = texts[index] if index < len(texts) else ""
            if isinstance(raw, FormulaCell):
                problems.append(f"{header}: holds a formula ({text[:40]}); paste its value instead.")
                continue
            if len(text) > MAX_CELL_CHARACTERS:
                problems.append(f"{header}: longer than {MAX_CELL_CHARACTERS:,} characters.")
                continue
            if "\x00" in text:
                problems.append(f"{header}: contains a NUL character.")
                continue
            text = restore_cell(text.strip())
            if not text:
                continue  # an empty cell changes nothing: defaults on create, kept values on update
            try:
                column.write(text, data, self.lookups)
            except Invalid as exc:
                problems.append(f"{header}: {exc.message}")
            except Exception:
                # Not the cell's fault: the row fails without the error's own text (which may
                # quote SQL or a path); the log keeps it.
                logger.exception("import column %r could not read a cell", header)
                problems.append(f"{header}: this value could not be read.")
        return data, problems, texts

    def reason(self, exc: ValidationFailed) -> str:
        parts = []
        for key, messages in (exc.details or {}).items():
            root = key.split(".", 1)[0]
            label = self.labels.get(key) or self.labels.get(root) or _field_label(self.record_type, root)
            parts.append(f"{label}: {' '.join(messages)}")
        return "; ".join(parts) or exc.message

    def look_alikes(self, records) -> dict:
        """{record id: a note} for the batch's created records that look like a record already
        there (same phone, same name at the same company): created, as asked, but worth a look.
        One query per rule for the whole batch."""

        # The match field was just looked up (no record has it): only the other rules ask.
        skip = {self.match.name} if self.match else ()
        notes = {}
        for record_id, matches in look_alikes(self.record_type, records, limit=1, skip=skip).items():
            if matches:
                other, reason = matches[0]
                notes[record_id] = f"Possible duplicate of {self.record_type.title_of(other)} ({reason.lower()})."
        return notes

    def adding_to(self, record, data: dict) -> dict:
        """The row's input for updating `record`: its e-mails, phones and tags are added to the
        record's own rather than replacing them, so a file that names one of a contact's
        addresses does not delete the others (nor its primary one)."""
        data = dict(data)
        for key, value in data.items():
            field = self.record_type.field(key)
            if isinstance(field, ChildList) and isinstance(value, list):
                data[key] = field.united(field.dump(record), value)
        if isinstance(data.get("tag_ids"), list):
            kept = [str(tag.id) for tag in record.tags]
            data["tag_ids"] = kept + [tag_id for tag_id in data["tag_ids"] if tag_id not in kept]
        return data

    def values_of(self, data) -> list[str]:
        if self.match is None or self.match.name not in data:
            return []
        return match_values(self.match, data[self.match.name])

    def look_up(self, values: list[str]) -> None:
        """Find the records a batch's match values (`values_of` of each row) lead to in one
        query; `existing` answers from it for the rest of the batch (the next batch looks up
        its own values)."""
        self.matches = find_matches(self.record_type, self.match, values) if values else {}
        self.looked_up = set(values)
        self.values_led = {}
        for value, record in self.matches.items():
            self.values_led.setdefault(record.id, set()).add(value)

    def existing(self, data, values: list[str] | None = None):
        values = self.values_of(data) if values is None else values
        if not values:
            return None
        if not self.looked_up.issuperset(values):
            return find_existing(self.record_type, self.match, data)
        found = [self.matches[value] for value in values if value in self.matches]
        return min(found, key=lambda record: (record.created_at, record.id)) if found else None

    def remember(self, record, values: list[str]) -> None:
        """The row's values now lead to `record` (made or changed by this import); values that
        led to it before may have moved, so they are looked up again if a later row has them."""
        for value in self.values_led.pop(record.id, ()):
            self.matches.pop(value, None)
            self.looked_up.discard(value)
        for value in values:
            self.matches[value] = record
            self.looked_up.add(value)
        self.values_led[record.id] = set(values)

    def check(self, row_number: int, cells, read: tuple | None = None, values: list[str] | None = None) -> dict:
        """Dry run of one row: {"row", "status", "reason", "cleaned"} — nothing is written
        (`read` and `values`: the row as `read` returned it and its `values_of`, when the caller
        already has them)."""
        data, problems, texts = read if read is not None else self.read(cells)
        if not any(text.strip() for text in texts):
            return {"row": row_number, "status": RowStatus.SKIPPED, "reason": "Empty row."}
        if problems:
            return {"row": row_number, "status": RowStatus.FAILED, "reason": "; ".join(problems)}
        values = self.values_of(data) if values is None else values
        existing = self.existing(data, values)
        dedupe = self.dedupe
        if existing is not None and dedupe == DedupeMode.SKIP:
            title = self.record_type.title_of(existing)
            return {"row": row_number, "status": RowStatus.SKIPPED, "reason": f"Matches {title}."}
        earlier = next((self.planned[value] for value in values if value in self.planned), None)
        if existing is None and earlier is not None:
            return self._check_repeat(row_number, earlier, dedupe)
        record = existing if existing is not None and dedupe == DedupeMode.UPDATE else None
        if record is not None:
            data = self.adding_to(record, data)
        try:
            cleaned, _context = clean_input(self.record_type, data, record=record, actor=self.actor)
        except ValidationFailed as exc:
            return {"row": row_number, "status": RowStatus.FAILED, "reason": self.reason(exc)}
        if record is None:
            self.planned.update(dict.fromkeys(values, row_number))
        status = RowStatus.UPDATED if record is not None else RowStatus.CREATED
        return {"row": row_number, "status": status, "reason": "", "cleaned": cleaned}

    def _check_repeat(self, row_number: int, earlier: int, dedupe: str) -> dict:
        """Dry run of a row repeating the match value of an earlier row that would make a new
        record: the import makes that record first, then meets it here."""
        if dedupe == DedupeMode.SKIP:
            return {"row": row_number, "status": RowStatus.SKIPPED, "reason": f"Matches row {earlier} of this file."}
        if dedupe == DedupeMode.UPDATE:
            return {"row": row_number, "status": RowStatus.UPDATED, "reason": f"Updates the record of row {earlier}."}
        label = self.labels.get(self.match.name) or self.match.label
        reason = f"{label}: already in row {earlier} of this file."
        return {"row": row_number, "status": RowStatus.FAILED, "reason": reason}

    def write(self, row_number: int, cells) -> ImportRow:
        """Import one row; the returned ImportRow says what happened."""
        return self.write_batch([(row_number, cells)])[0]

    def write_batch(self, batch) -> list[ImportRow]:
        """Import a batch of (row number, cells); an ImportRow per row, in file order, says what
        happened. The batch's matches are looked up in one query and its new records are made
        together (`create_records`); a row repeating a value of a row still to be made waits
        until those are made, so it matches the first instead of making a second."""
        rows = []
        for row_number, cells in batch:
            data, problems, texts = self.read(cells)
            # Normalising a row's match values (an e-mail, a domain) is a good part of a row's
            # Python: once per row, for the batch's look-up and the row's own write.
            rows.append((row_number, data, problems, texts, [] if problems else self.values_of(data)))
        self.look_up([value for *_row, values in rows for value in values])
        outcomes: list = []
        to_create: list[tuple[int, int, dict, list[str], list[str]]] = []
        claimed: set[str] = set()
        for row_number, data, problems, texts, values in rows:
            if not any(text.strip() for text in texts):
                outcomes.append(
                    make_row(ImportRow, row_number=row_number, status=RowStatus.SKIPPED, reason="Empty row.")
                )
                continue
            if problems:
                outcomes.append(_rejected(row_number, RowStatus.FAILED, "; ".join(problems), texts))
                continue
            if claimed.intersection(values):
                self._create(to_create, outcomes)
                to_create, claimed = [], set()
            outcome = self._write_matched(row_number, data, texts, values)
            if outcome is None:
                to_create.append((len(outcomes), row_number, data, texts, values))
                claimed.update(values)
            outcomes.append(outcome)
        self._create(to_create, outcomes)
        return outcomes

    def _write_matched(self, row_number: int, data: dict, texts: list[str], values: list[str]) -> ImportRow | None:
        """Skip or update the record a row matches; None when the row makes a new record."""
        existing = self.existing(data, values)
        dedupe = self.dedupe
        if existing is None or dedupe == DedupeMode.CREATE:
            return None
        if dedupe == DedupeMode.SKIP:
            title = self.record_type.title_of(existing)
            return make_row(
                ImportRow,
                row_number=row_number,
                status=RowStatus.SKIPPED,
                record_id=existing.id,
                reason=f"Matches {title}.",
            )
        data = self.adding_to(existing, data)
        before = input_snapshot(self.record_type, existing, data)
        try:
            update_record(self.record_type, existing, data, actor=self.actor)
        except ValidationFailed as exc:
            return _rejected(row_number, RowStatus.FAILED, self.reason(exc), texts)
        self.remember(existing, values)
        return make_row(
            ImportRow, row_number=row_number, status=RowStatus.UPDATED, record_id=existing.id, before=before
        )

    def _create(self, to_create, outcomes: list) -> None:
        """Make the records of the rows waiting in `to_create` and fill in their outcomes."""
        if not to_create:
            return
        made = create_records(
            self.record_type, [data for _at, _row, data, _texts, _values in to_create], actor=self.actor
        )
        created = [result for result in made if not isinstance(result, PlanLimitExceeded | ValidationFailed)]
        notes = self.look_alikes(created) if created else {}
        for (at, row_number, _data, texts, values), result in zip(to_create, made, strict=True):
            if isinstance(result, PlanLimitExceeded):
                outcomes[at] = _rejected(
                    row_number, RowStatus.WAITING, "Over the plan's limit: imported after an upgrade.", texts
                )
            elif isinstance(result, ValidationFailed):
                outcomes[at] = _rejected(row_number, RowStatus.FAILED, self.reason(result), texts)
            else:
                self.remember(result, values)
                outcomes[at] = make_row(
                    ImportRow,
                    row_number=row_number,
                    status=RowStatus.CREATED,
                    record_id=result.id,
                    reason=notes.get(result.id, ""),
                )


def _rejected(row_number: int, status: str, reason: str, texts: list[str]) -> ImportRow:
    return make_row(
        ImportRow,
        row_number=row_number,
        status=status,
        reason=reason[:2000],
        cells=[text[:MAX_CELL_CHARACTERS] for text in texts],
    )


def _field_label(record_type, name: str) -> str:
    field = record_type.field(name)
    return field.label if field is not None else name.replace("_", " ")


def input_snapshot(record_type, record, data: dict) -> dict:
    """The record's current values of the keys `data` changes, in the validator's input
    shape: what an update replaced, so a revert can put it back."""
    snapshot = {}
    for key in data:
        field = record_type.field(key)
        if field is not None:
            value = field.dump(record)
            if field.kind == "consent":
                value = {
                    channel: {"status": entry["status"], "source": entry["source"]} for channel, entry in value.items()
                }
            snapshot[key] = json_safe(value)
        elif key == "owner_id":
            snapshot[key] = str(record.owner_id) if record.owner_id else None
        elif key == "tag_ids":
            snapshot[key] = [str(tag.id) for tag in record.tags]
        elif key == "custom_fields":
            current = record.custom_fields or {}
            # Keys the import added are removed again (an empty value removes a key).
            snapshot[key] = {name: current.get(name) for name in data[key]}
    return snapshot


def rejected_rows(import_id):
    """Failed and waiting rows of an import, in file order, a batch at a time (read while a
    download streams, so it takes the id: the request's objects are gone by then)."""
    last = 0
    while True:
        batch = list(
            db.session.scalars(
                select(ImportRow)
                .where(
                    ImportRow.import_id == import_id,
                    ImportRow.status.in_((RowStatus.FAILED, RowStatus.WAITING)),
                    ImportRow.row_number > last,
                )
                .order_by(ImportRow.row_number)
                .limit(500)
            )
        )
        if not batch:
            return
        yield from batch
        last = batch[-1].row_number


def list_import_rows(data_import, *, status: str | None = None, cursor=None, limit=None):
    """A keyset page of what happened to each row of the import, in file order (one `status`
    only when given)."""
    stmt = select(ImportRow).where(ImportRow.import_id == data_import.id)
    if status:
        stmt = stmt.where(ImportRow.status == status)
    return keyset_page(
        db.session, stmt, sort_column=ImportRow.row_number, id_column=ImportRow.id, cursor=cursor, limit=limit
    )


def row_problems(data_import, limit: int = 50) -> list[ImportRow]:
    """Rows to look at: failed, waiting, and created ones that look like an existing record."""
    return list(
        db.session.scalars(
            select(ImportRow)
            .where(
                ImportRow.import_id == data_import.id,
                or_(
                    ImportRow.status.in_((RowStatus.FAILED, RowStatus.WAITING)),
                    and_(ImportRow.status == RowStatus.CREATED, ImportRow.reason != ""),
                ),
            )
            .order_by(ImportRow.row_number)
            .limit(limit)
        )
    )


def import_of_record(record_id) -> DataImport | None:
    """The import that created a record, if one did."""
    return db.session.scalar(
        select(DataImport)
        .join(ImportRow, tenant_join(ImportRow.import_id, DataImport.id))
        .where(ImportRow.record_id == record_id, ImportRow.status == RowStatus.CREATED)
        .limit(1)
    )
