"""Spreadsheet columns of a record type: how each field is written to a cell and read back.

Exports write these columns and imports read them, so an export imports back into the same
data. Fields describe their own columns (`Field.cell_columns()`: an address is six columns,
a contact's emails one comma-separated column), capabilities theirs (owner by email, tags by
name, one column per custom field). A column's `write(text, data, lookups)` puts the cell's
text into the validator's input (`data`), in the shape the API takes; the one validator then
decides, so a cell is refused with the same message as a form field.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.auth.models import User
from app.core.extensions import db
from app.core.ids import parse_uuid
from app.records.models import RecordEntry
from app.records.normalize import Invalid
from app.records.registry import find_record_type

LIST_SPLIT = re.compile(r"\s*[,;\n]\s*")


@dataclass(frozen=True)
class CellColumn:
    """One spreadsheet column. `read(record)` gives the cell (text or number); `write(text,
    data, lookups)` adds the cell to the validator's input, or raises Invalid. Columns with
    no `write` are exported only (the id, the stamps)."""

    key: str
    label: str
    read: Callable
    write: Callable | None = None
    aliases: tuple[str, ...] = ()

    @property
    def importable(self) -> bool:
        return self.write is not None


def set_value(name: str) -> Callable:
    def write(text, data, lookups):
        data[name] = text

    return write


def set_part(name: str, part: str) -> Callable:
    """A nested input such as an address part: data[name][part] = text."""

    def write(text, data, lookups):
        data.setdefault(name, {})[part] = text

    return write


def split_list(text: str) -> list[str]:
    return [item for item in LIST_SPLIT.split(text or "") if item]


@dataclass
class Lookups:
    """Per-import caches of what cells name by text: users by email, records by title, and
    what capabilities keep (tags by name) — one query per distinct name, not one per row."""

    users: dict = field(default_factory=dict)
    titles: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def user_id(self, text: str):
        key = text.strip().lower()
        if key not in self.users:
            user_id = parse_uuid(key)
            condition = User.id == user_id if user_id else func.lower(User.email) == key
            user = db.session.scalar(select(User).where(condition, User.is_active_user.is_(True)))
            self.users[key] = user.id if user is not None else None
        if self.users[key] is None:
            raise Invalid(f"No active user with the email {text.strip()[:80]}.")
        return self.users[key]

    def cached(self, key: str, load):
        """A capability's own per-import cache (tags by name, say): `load()` runs once."""
        if key not in self.extra:
            self.extra[key] = load()
        return self.extra[key]

    def record_id(self, type_name: str, label: str, text: str):
        """A referenced record by id or by its title (ambiguous titles are refused)."""

        record_id = parse_uuid(text)
        if record_id is not None:
            return record_id
        key = (type_name, text.strip().lower())
        if key not in self.titles:
            found = list(
                db.session.scalars(
                    select(RecordEntry.id)
                    .where(RecordEntry.type == type_name, func.lower(RecordEntry.title) == key[1])
                    .limit(2)
                )
            )
            self.titles[key] = found
        found = self.titles[key]
        if not found:
            # Said to someone whose file names them: a contacts file's companies come first.
            target = find_record_type(type_name)
            plural = target.label_plural.lower() if target is not None else "records it names"
            raise Invalid(
                f"No {label.lower()} named {text.strip()[:80]}: add or import the {plural} first,"
                " or leave this column out."
            )
        if len(found) > 1:
            raise Invalid(f"Several records are named {text.strip()[:80]}: use the id.")
        return found[0]


def cell_columns(record_type) -> list[CellColumn]:
    """Every column of the type: id, fields, capabilities, stamps (the export's order)."""
    columns = [CellColumn("id", "ID", lambda record: str(record.id))]
    for item in record_type.fields:
        if item.export:
            columns.extend(item.cell_columns())
    for capability in record_type.capabilities:
        columns.extend(capability.cell_columns(record_type))
    columns.append(CellColumn("created_at", "Created", lambda record: record.created_at.isoformat()))
    columns.append(CellColumn("updated_at", "Updated", lambda record: record.updated_at.isoformat()))
    return columns


def importable_columns(record_type) -> list[CellColumn]:
    return [column for column in cell_columns(record_type) if column.importable]


def normalized_header(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", (text or "").lower())


COMMON_ALIASES = {
    "firstname": ("givenname", "forename", "first"),
    "lastname": ("surname", "familyname", "last"),
    "emails": ("email", "emailaddress", "mail", "email1", "primaryemail"),
    "phones": ("phone", "phonenumber", "mobile", "telephone", "tel", "cell"),
    "email": ("emailaddress", "mail", "emails"),
    "phone": ("phonenumber", "mobile", "telephone", "tel"),
    "companyid": ("company", "companyname", "organization", "organisation", "account"),
    "title": ("jobtitle", "position", "role"),
    "owner": ("ownerid", "owneremail", "assignedto", "salesrep"),
    "tags": ("tagids", "labels"),
    "domain": ("website", "url", "web"),
    "name": ("fullname", "companyname"),
}


def guess_mapping(record_type, headers: list[str]) -> dict[str, str]:
    """{header: column key} for the headers that name a column by key, label or a common
    alias ("E-mail" → emails, "Surname" → last_name); each column is guessed once."""
    columns = importable_columns(record_type)
    by_name: dict[str, str] = {}
    for column in columns:
        for text in (column.key, column.label, *column.aliases):
            by_name.setdefault(normalized_header(text), column.key)
    for column in columns:
        for alias in COMMON_ALIASES.get(normalized_header(column.key), ()):
            by_name.setdefault(alias, column.key)
    mapping, used = {}, set()
    for header in headers:
        key = by_name.get(normalized_header(header))
        if key and key not in used:
            mapping[header] = key
            used.add(key)
    return mapping
