"""The attendees of a meeting: users of the workspace and contacts, as one declared field."""

from marshmallow import Schema
from marshmallow import fields as ma
from sqlalchemy import select

from app.auth.models import User
from app.core.extensions import db
from app.core.ids import parse_uuid
from app.crm.calendar.models import MeetingAttendee
from app.crm.contacts.models import Contact, ContactEmail
from app.records.cells import CellColumn, Lookups, split_list
from app.records.fields import Field
from app.records.normalize import Invalid
from app.records.owner import active_users
from app.records.templating import reference_options

MAX_ATTENDEES = 50


class AttendeeSchema(Schema):
    user_id = ma.UUID(metadata={"description": "An active user of this workspace"})
    contact_id = ma.UUID(metadata={"description": "A contact (invited by email with an .ics)"})


class Attendees(Field):
    """`[{"user_id": …} | {"contact_id": …}]`; the form sends `attendees.users` and
    `attendees.contacts` as two multi-selects."""

    kind = "attendees"
    widget = "crm/calendar/_attendees_input.html"
    detail_template = "crm/calendar/_attendees_value.html"
    tracks_snapshot = True

    def __init__(self, name="attendees", label="Attendees", **kwargs):
        kwargs.setdefault("wide", True)
        super().__init__(name, label, **kwargs)

    def is_empty(self, value) -> bool:
        return value is None or value == []

    def empty_value(self):
        return []

    def clean(self, value, context):
        if not isinstance(value, list):
            raise Invalid("Send a list of {user_id} or {contact_id}.")
        if len(value) > MAX_ATTENDEES:
            raise Invalid(f"Invite at most {MAX_ATTENDEES} people.")
        wanted: list[tuple[str, object]] = []
        for item in value:
            if not isinstance(item, dict) or len(item) != 1 or next(iter(item)) not in ("user_id", "contact_id"):
                raise Invalid("Each attendee is {user_id} or {contact_id}.")
            kind, raw = next(iter(item.items()))
            parsed = parse_uuid(raw)
            if parsed is None:
                raise Invalid("Not a valid id.")
            if (kind, parsed) not in wanted:
                wanted.append((kind, parsed))
        user_ids = [value for kind, value in wanted if kind == "user_id"]
        contact_ids = [value for kind, value in wanted if kind == "contact_id"]
        users = {
            user.id: user
            for user in db.session.scalars(select(User).where(User.id.in_(user_ids), User.is_active_user.is_(True)))
        }
        contacts = {
            contact.id: contact for contact in db.session.scalars(select(Contact).where(Contact.id.in_(contact_ids)))
        }
        missing = [str(uid) for uid in user_ids if uid not in users] + [
            str(cid) for cid in contact_ids if cid not in contacts
        ]
        if missing:
            raise Invalid("Choose active users and existing contacts of this workspace.")
        cleaned = []
        for kind, value in wanted:
            if kind == "user_id":
                user = users[value]
                cleaned.append({"key": f"user:{user.id}", "user": user, "name": user.display_name, "email": user.email})
            else:
                contact = contacts[value]
                cleaned.append(
                    {
                        "key": f"contact:{contact.id}",
                        "contact": contact,
                        "name": contact.display_name,
                        "email": contact.primary_email,
                    }
                )
        return cleaned

    def apply(self, record, value) -> None:
        existing = {row.key: row for row in record.attendees}
        rows = []
        for position, item in enumerate(value or []):
            row = existing.get(item["key"]) or MeetingAttendee(key=item["key"])
            row.user_id = item["user"].id if "user" in item else None
            row.contact_id = item["contact"].id if "contact" in item else None
            row.name = item["name"][:200]
            row.email = item["email"]
            row.position = position
            rows.append(row)
        record.attendees = rows

    def value(self, record):
        return list(record.attendees)

    def dump(self, record):
        return [{"user_id": row.user_id} if row.user_id else {"contact_id": row.contact_id} for row in record.attendees]

    def snapshot(self, record):
        return ", ".join(row.name for row in record.attendees)

    def display(self, value) -> str:
        return ", ".join(row.name for row in value or [])

    def search_value(self, record):
        return " ".join(row.name for row in record.attendees)

    def export_value(self, record):
        return ", ".join(row.email or row.name for row in record.attendees)

    def cell_columns(self) -> list[CellColumn]:
        """Exported as the attendees' emails (a contact without one by name); an import reads
        each back as a user of the workspace by email, else a contact by email or by name."""

        def write(text, data, lookups):
            data[self.name] = [attendee_of_cell(item, lookups) for item in split_list(text)]

        return [CellColumn(self.name, self.label, self.export_value, write)]

    def from_form(self, form):
        if f"{self.name}.present" not in form:
            return None
        return [{"user_id": value} for value in form.getlist(f"{self.name}.users") if value] + [
            {"contact_id": value} for value in form.getlist(f"{self.name}.contacts") if value
        ]

    def form_value(self, record):
        if record is None:
            return []
        return self.dump(record)

    def schema_field(self, *, for_input):
        kwargs = self._schema_kwargs(for_input)
        kwargs.pop("allow_none", None)
        return ma.List(ma.Nested(AttendeeSchema), **kwargs)


def attendee_of_cell(text: str, lookups: Lookups) -> dict:
    """{user_id} or {contact_id} of one attendee as a spreadsheet names them."""
    key = text.strip().lower()
    if "@" not in key:
        return {"contact_id": str(lookups.record_id("contact", "Contact", text))}
    try:
        return {"user_id": str(lookups.user_id(text))}  # the import's own cache of users by email
    except Invalid:
        pass
    contact_id = lookups.cached(
        f"contact-email:{key}",
        lambda: db.session.scalar(select(ContactEmail.contact_id).where(ContactEmail.email == key)),
    )
    if contact_id is None:
        raise Invalid(f"No active user or contact with the email {text.strip()[:80]}.")
    return {"contact_id": str(contact_id)}


def attendee_user_options() -> list[tuple[str, str]]:
    return [(str(user.id), user.display_name) for user in active_users()]


def attendee_contact_options(selected: list[str]) -> list[tuple[str, str]]:
    """The first contacts by name, and the chosen ones even when they are not among them."""

    options = reference_options("contact")
    known = {option_id for option_id, _ in options}
    for contact_id in selected:
        if contact_id not in known:
            options = reference_options("contact", contact_id)[:1] + options
    return options


def install_template_helpers(app) -> None:
    app.jinja_env.globals.update(
        attendee_user_options=attendee_user_options, attendee_contact_options=attendee_contact_options
    )
