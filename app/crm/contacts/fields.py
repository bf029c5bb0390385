"""The fields only contacts have: several emails (one primary), several phones, consent per channel."""

from abc import ABC, abstractmethod

from marshmallow import Schema, fields, validate
from sqlalchemy import Uuid, exists, select

from app.core.context import require_tenant_id
from app.core.extensions import db
from app.core.ids import parse_uuid
from app.core.types import utcnow
from app.core.validation import normalize_email_address
from app.crm.contacts.models import PHONE_LABELS, Consent, Contact, ContactEmail, ContactPhone
from app.records.cells import CellColumn, split_list
from app.records.conditions import Condition, column_condition, text_condition
from app.records.fields import Field
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


class ChildList(Field, ABC):
    """A list of small child rows (emails, phones): each item a dict keyed by `item_keys` or a
    plain string for the first key; duplicates dropped; kept rows reused on save. Each list kind
    implements the two abstract hooks (a kind that forgets one cannot be declared)."""

    tracks_snapshot = True
    item_keys: tuple[str, ...] = ()
    child_model = None
    collection = ""
    max_items = 10
    plain = "items"
    # The marshmallow schema of one item, and what the API says of the list it takes.
    item_schema: type[Schema] | None = None
    input_description = ""

    def __init__(self, name, label, **kwargs):
        kwargs.setdefault("search", True)
        kwargs.setdefault("wide", True)
        super().__init__(name, label, **kwargs)

    def valid_values(self, raw) -> list:
        """The first key's cleaned value of each item of a raw list that is valid (an import's
        match values, a batch's addresses); invalid items are the validator's to report."""
        values = []
        for item in raw if isinstance(raw, list) else []:
            item = {self.item_keys[0]: item} if isinstance(item, str) else item
            try:
                values.append(self.clean_item(item)[self.item_keys[0]])
            except (Invalid, KeyError, TypeError, AttributeError):
                continue
        return values

    def is_empty(self, value) -> bool:
        return value is None

    def empty_value(self):
        return []

    def clean(self, value, context):
        if not isinstance(value, list):
            raise Invalid(f"Send a list of {self.plain}.")
        if len(value) > self.max_items:
            raise Invalid(f"Add at most {self.max_items} {self.plain}.")
        key = self.item_keys[0]
        cleaned, problems = [], []
        for item in value:
            item = {key: item} if isinstance(item, str) else item
            if not isinstance(item, dict) or set(item) - set(self.item_keys) or not isinstance(item.get(key, ""), str):
                raise Invalid(f"Each of the {self.plain} is {{{', '.join(self.item_keys)}}}.")
            if not (item.get(key) or "").strip():
                continue
            try:
                parsed = self.clean_item(item)
            except Invalid as exc:
                problems.extend(exc.messages)
                continue
            if any(existing[key] == parsed[key] for existing in cleaned):
                problems.extend(self.duplicate(parsed))
                continue
            cleaned.append(parsed)
        problems.extend(self.check_list(cleaned, context))
        if problems:
            raise Invalid(problems)
        return cleaned

    @abstractmethod
    def clean_item(self, item: dict) -> dict:
        """One submitted item, normalized (an email lower-cased, a phone in E.164); each list
        kind (emails, phones, a deal's contacts) says how."""

    def duplicate(self, item: dict) -> list[str]:
        return []

    def check_list(self, items: list[dict], context) -> list[str]:
        return []

    @abstractmethod
    def row_values(self, item: dict) -> dict:
        """The child row's column values for one cleaned item; each list kind names its columns."""

    def apply(self, record, value) -> None:
        key = self.item_keys[0]
        attribute = self.row_attribute
        existing = {getattr(row, attribute): row for row in getattr(record, self.collection)}
        rows = []
        for position, item in enumerate(value):
            row = existing.get(item[key]) or self.child_model()
            for name, column_value in {**self.row_values(item), "position": position}.items():
                setattr(row, name, column_value)
            rows.append(row)
        # Rows of values that stay are reused: a delete plus an insert of the same address would
        # meet the (tenant_id, email) unique key in the wrong order.
        setattr(record, self.collection, rows)

    def search_value(self, record):
        return " ".join(getattr(row, self.row_attribute) for row in getattr(record, self.collection))

    def conditions(self, model) -> list:
        """ "Emails contain @acme.com": some child row matches; "is empty": none exists."""
        child = self.child_model
        value_column = getattr(child, self.row_attribute)
        # The child table's column naming its record (a contact's email → contact_id).
        relation = getattr(model, self.collection).property
        owner = next(remote for _local, remote in relation.local_remote_pairs if remote.name != "tenant_id")

        def build(operator, value, context):
            owned = (child.tenant_id == require_tenant_id()) & (owner == model.id)
            if operator == "is_empty":
                return ~exists().where(owned)
            if operator == "is_not_empty":
                return exists().where(owned)
            if operator in ("not_contains", "not_equals"):
                positive = {"not_contains": "contains", "not_equals": "equals"}[operator]
                return ~exists().where(owned, text_condition(value_column, positive, value, context))
            return exists().where(owned, text_condition(value_column, operator, value, context))

        if isinstance(value_column.type, Uuid):
            # A list of links (a deal's contacts): "is" one of them, by id.
            def build_ids(operator, value, context):
                owned = (child.tenant_id == require_tenant_id()) & (owner == model.id)
                if operator in ("is_empty", "is_not_empty"):
                    found = exists().where(owned)
                    return ~found if operator == "is_empty" else found
                wanted = parse_uuid(value)
                if wanted is None:
                    return context.invalid("Choose a record.")
                found = exists().where(owned, value_column == wanted)
                return found if operator == "is" else ~found

            return [Condition(self.name, self.label, "reference", build_ids)]
        return [Condition(self.name, self.label, "text", build)]

    def export_value(self, record):
        return ", ".join(getattr(row, self.row_attribute) for row in getattr(record, self.collection))

    def display(self, value) -> str:
        return ", ".join(item[self.item_keys[0]] for item in value or [])

    def form_value(self, record):
        return self.value(record) if record is not None else []

    def schema_field(self, *, for_input):
        if for_input:
            metadata = {"description": self.input_description} if self.input_description else {}
            return fields.List(
                fields.Nested(self.item_schema), validate=validate.Length(max=self.max_items), metadata=metadata
            )
        return fields.List(fields.Nested(self.item_schema), required=True)


class PrimaryChildList(ChildList, ABC):
    """A child list with one primary item (a contact's emails, a deal's contacts): the first is
    made primary when none is marked; the form has an input per item and a radio for the primary."""

    input_description = "Replaces them all; one primary"
    # "address": "Mark only one address as primary."
    item_noun = "item"
    # The form's input repeated per item, and the radio holding the primary item's index.
    form_input = ""
    primary_input = ""

    def check_primary(self, items: list[dict]) -> list[str]:
        """The problem with the items' primary marks, if any; marks the first primary when none is."""
        primaries = sum(item["primary"] for item in items)
        if primaries > 1:
            return [f"Mark only one {self.item_noun} as primary."]
        if items and primaries == 0:
            items[0]["primary"] = True
        return []

    def from_form(self, form):
        if self.form_input not in form and self.name not in form.getlist("_keys"):
            return None
        primary = form.get(self.primary_input, "0")
        return [
            {self.item_keys[0]: value, "primary": str(index) == primary}
            for index, value in enumerate(form.getlist(self.form_input))
            if value.strip()
        ]


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
            .join(Contact, (Contact.tenant_id == ContactEmail.tenant_id) & (Contact.id == ContactEmail.contact_id))
            .where(ContactEmail.email.in_(addresses))
        )
        if record is not None:
            taken = taken.where(ContactEmail.contact_id != record.id)
        return list(db.session.execute(taken))

    def row_values(self, item):
        return {"email": item["email"], "is_primary": item["primary"]}

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

    def value(self, record):
        return [{"email": email.email, "primary": email.is_primary} for email in record.emails]

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


class ConsentField(Field):
    """Consent per channel: `{email: {status, source}, sms: {...}}`; the time is stamped when
    the status or the source changes."""

    kind = "consent"
    widget = "crm/contacts/_consent_input.html"
    detail_template = "crm/contacts/_consent_value.html"
    tracks_snapshot = True

    def __init__(self, name="consent", label="Consent", **kwargs):
        kwargs.setdefault("section", "Communication")
        kwargs.setdefault("wide", True)
        super().__init__(name, label, **kwargs)

    def is_empty(self, value) -> bool:
        return value is None

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
        parts = []
        for channel, label in Consent.CHANNELS.items():
            status, source = getattr(record, f"{channel}_consent"), getattr(record, f"{channel}_consent_source")
            parts.append(f"{label}: {Consent.LABELS[status]}" + (f" ({source})" if source else ""))
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
