"""The fields only contacts have: several emails (one primary), several phones, consent per channel.
The list behaviour they share with other child lists is the kit's `ChildList`."""

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app.core.extensions import db
from app.core.models import tenant_join
from app.core.types import utcnow
from app.core.validation import normalize_email_address
from app.crm.contacts.models import PHONE_LABELS, Consent, Contact, ContactEmail, ContactPhone
from app.records.cells import CellColumn, split_list
from app.records.conditions import column_condition
from app.records.fields import ChildList, CompoundField, PrimaryChildList
from app.records.normalize import Invalid, normalize_phone

MAX_EMAILS = 10
MAX_PHONES = 10
FORM_ROWS = 3


class EmailSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(max=254))
    primary = fields.Boolean()


class PhoneSchema(Schema):
    number = fields.String(required=True, validate=validate.Length(max=40), metadata={"description": "Stored as E.164"})
    label = fields.String(validate=validate.OneOf(list(PHONE_LABELS)))


class ConsentInputSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(Consent.ALL))
    source = fields.String(
        validate=validate.OneOf(["", *Consent.SOURCES]), metadata={"description": "Needed unless unknown"}
    )


class ConsentSchema(ConsentInputSchema):
    recorded_at = fields.DateTime(required=True, allow_none=True)


class EmailList(PrimaryChildList):
    """`[{email, primary}]` (or plain strings); one primary; an address belongs to one contact."""

    kind = "emails"
    widget = "crm/contacts/_emails_input.html"
    detail_template = "crm/contacts/_emails_value.html"
    item_keys = ("email", "primary")
    child_model = ContactEmail
    collection = "emails"
    row_attribute = "email"
    max_items = MAX_EMAILS
    plain = "email addresses"
    item_noun = "address"
    item_schema = EmailSchema
    form_input = "emails"
    primary_input = "primary_email"

    def __init__(self, name="emails", label="Emails", **kwargs):
        super().__init__(name, label, **kwargs)

    def clean_item(self, item):
        try:
            address = normalize_email_address(item["email"]).lower()
        except ValueError as exc:
            raise Invalid(f"“{item['email'].strip()[:80]}” is not a valid email address.") from exc
        return {"email": address, "primary": bool(item.get("primary"))}

    def duplicate(self, item):
        return [f"{item['email']} is listed twice."]

    def check_list(self, items, context):
        problems = self.check_primary(items)
        addresses = [item["email"] for item in items]
        if addresses and context.record is None and "batch" in context.shared:
            problems.extend(self._taken_in_batch(addresses, context))
        elif addresses:
            problems.extend(
                f"{address} already belongs to {owner_name or 'another contact'}."
                for address, owner_name in self._owners(addresses, context.record)
            )
        return problems

    def _taken_in_batch(self, addresses: list[str], context) -> list[str]:
        """New records validated together: the owners of every address of the batch are read
        once; an address an earlier submission of the batch has is taken too."""
        owners = context.remember(
            ("emails", "owners"), lambda: dict(self._owners(self._batch_addresses(context.shared["batch"])))
        )
        claimed = context.remember(("emails", "claimed"), set)
        problems = [
            f"{address} already belongs to {owners[address] or 'another contact'}."
            if address in owners
            else f"{address} is also in an earlier row."
            for address in addresses
            if address in owners or address in claimed
        ]
        claimed.update(addresses)
        return problems

    def _batch_addresses(self, batch) -> list[str]:
        addresses = set()
        for data in batch:
            addresses.update(self.valid_values(data.get(self.name) if isinstance(data, dict) else None))
        return sorted(addresses)

    @staticmethod
    def _owners(addresses, record=None) -> list[tuple[str, str]]:
        """(address, its contact's name) of the addresses another contact has."""
        if not addresses:
            return []
        taken = (
            select(ContactEmail.email, Contact.full_name)
            .join(Contact, tenant_join(Contact.id, ContactEmail.contact_id))
            .where(ContactEmail.email.in_(addresses))
        )
        if record is not None:
            taken = taken.where(ContactEmail.contact_id != record.id)
        return list(db.session.execute(taken))

    def cell_columns(self):
        """All addresses in one cell, the primary first."""

        def read(record):
            ordered = sorted(record.emails, key=lambda row: (not row.is_primary, row.position))
            return ", ".join(row.email for row in ordered)

        def write(text, data, lookups):
            data[self.name] = [
                {"email": address, "primary": index == 0} for index, address in enumerate(split_list(text))
            ]

        return [CellColumn(self.name, self.label, read, write)]

    def snapshot(self, record):
        return [email.email + (" (primary)" if email.is_primary else "") for email in record.emails]


class PhoneList(ChildList):
    """`[{number, label}]` (or plain strings), stored in E.164."""

    kind = "phones"
    widget = "crm/contacts/_phones_input.html"
    detail_template = "crm/contacts/_phones_value.html"
    item_keys = ("number", "label")
    child_model = ContactPhone
    collection = "phones"
    row_attribute = "number"
    max_items = MAX_PHONES
    plain = "phone numbers"
    item_schema = PhoneSchema

    def __init__(self, name="phones", label="Phones", **kwargs):
        super().__init__(name, label, **kwargs)

    def clean_item(self, item):
        label = item.get("label") or "mobile"
        if label not in PHONE_LABELS:
            raise Invalid("Label a phone mobile, work, home or other.")
        return {"number": normalize_phone(item["number"]), "label": label}

    def row_values(self, item):
        return {"number": item["number"], "label": item["label"]}

    def cell_columns(self):
        def read(record):
            return ", ".join(row.number for row in record.phones)

        def write(text, data, lookups):
            data[self.name] = [{"number": number} for number in split_list(text)]

        return [CellColumn(self.name, self.label, read, write)]

    def value(self, record):
        return [{"number": phone.number, "label": phone.label} for phone in record.phones]

    def snapshot(self, record):
        return [f"{phone.number} ({phone.label})" for phone in record.phones]

    def from_form(self, form):
        if "phone_number" not in form and "phones" not in form.getlist("_keys"):
            return None
        numbers, labels = form.getlist("phone_number"), form.getlist("phone_label")
        return [
            {"number": number, "label": labels[index] if index < len(labels) else "mobile"}
            for index, number in enumerate(numbers)
            if number.strip()
        ]


class ConsentField(CompoundField):
    """Consent per channel: `{email: {status, source}, sms: {...}}`; the time is stamped when
    the status or the source changes."""

    kind = "consent"
    widget = "crm/contacts/_consent_input.html"
    detail_template = "crm/contacts/_consent_value.html"
    tracks_snapshot = True

    def __init__(self, name="consent", label="Consent", **kwargs):
        kwargs.setdefault("section", "Communication")
        super().__init__(name, label, **kwargs)

    def empty_value(self):
        return {}

    def erased_value(self):
        return {channel: {"status": Consent.UNKNOWN, "source": ""} for channel in Consent.CHANNELS}

    def clean(self, value, context):
        if not isinstance(value, dict) or set(value) - set(Consent.CHANNELS):
            raise Invalid("Send consent as {email: {...}, sms: {...}}.")
        cleaned, problems = {}, []
        for channel, entry in value.items():
            if not isinstance(entry, dict) or set(entry) - {"status", "source"}:
                problems.append((channel, "Send {status, source}."))
                continue
            status = entry.get("status", Consent.UNKNOWN)
            source = entry.get("source") or ""
            if status not in Consent.ALL:
                problems.append((channel, "Status is granted, withdrawn or unknown."))
            elif status != Consent.UNKNOWN and source not in Consent.SOURCES:
                problems.append((channel, "Say where the consent came from."))
            elif source and source not in Consent.SOURCES:
                problems.append((channel, "Choose a listed source."))
            else:
                cleaned[channel] = {"status": status, "source": source if status != Consent.UNKNOWN else ""}
        if problems:
            context.add_nested(self.name, problems)
        return cleaned

    def apply(self, record, value) -> None:
        for channel, entry in (value or {}).items():
            current = (getattr(record, f"{channel}_consent"), getattr(record, f"{channel}_consent_source"))
            if current != (entry["status"], entry["source"]):
                setattr(record, f"{channel}_consent", entry["status"])
                setattr(record, f"{channel}_consent_source", entry["source"])
                setattr(record, f"{channel}_consent_at", utcnow() if entry["status"] != Consent.UNKNOWN else None)

    def value(self, record):
        return {channel: record.consent(channel) for channel in Consent.CHANNELS}

    def dump(self, record):
        return self.value(record)

    def snapshot(self, record):
        return self.display(self.value(record))

    def display(self, value) -> str:
        """Each channel given as people read it: "Email: Granted (Web form); SMS: Not recorded"."""
        parts = []
        for channel, label in Consent.CHANNELS.items():
            entry = (value or {}).get(channel)
            if entry is None:
                continue
            status, source = entry.get("status") or Consent.UNKNOWN, entry.get("source") or ""
            said = f" ({Consent.SOURCES.get(source, source)})" if source else ""
            parts.append(f"{label}: {Consent.LABELS.get(status, status)}{said}")
        return "; ".join(parts)

    def export_value(self, record):
        return self.snapshot(record)

    def cell_columns(self):
        """A status column per channel ("granted", or its label); an imported status other
        than unknown is recorded as coming from the import."""
        by_label = {label.lower(): key for key, label in Consent.LABELS.items()}

        def column(channel, label):
            def read(record):
                return getattr(record, f"{channel}_consent")

            def write(text, data, lookups):
                status = by_label.get(text.strip().lower(), text.strip().lower())
                entry = {"status": status, "source": "import" if status != Consent.UNKNOWN else ""}
                data.setdefault(self.name, {})[channel] = entry

            return CellColumn(f"{channel}_consent", f"{label} consent", read, write)

        return [column(channel, label) for channel, label in Consent.CHANNELS.items()]

    def conditions(self, model) -> list:
        return [
            column_condition(
                f"{channel}_consent",
                f"{label} consent",
                "choice",
                getattr(model, f"{channel}_consent"),
                choices=Consent.LABELS,
            )
            for channel, label in Consent.CHANNELS.items()
        ]

    def from_form(self, form):
        if not any(f"consent.{channel}" in form for channel in Consent.CHANNELS) and "consent" not in form.getlist(
            "_keys"
        ):
            return None
        return {
            channel: {
                "status": form.get(f"consent.{channel}", Consent.UNKNOWN),
                "source": form.get(f"consent.{channel}.source", ""),
            }
            for channel in Consent.CHANNELS
        }

    def form_value(self, record):
        if record is None:
            return {channel: {"status": Consent.UNKNOWN, "source": ""} for channel in Consent.CHANNELS}
        return self.value(record)

    def schema_field(self, *, for_input):
        keys = fields.String(validate=validate.OneOf(list(Consent.CHANNELS)))
        if for_input:
            return fields.Dict(keys=keys, values=fields.Nested(ConsentInputSchema))
        return fields.Dict(keys=keys, values=fields.Nested(ConsentSchema), required=True)
