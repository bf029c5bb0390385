"""Fields only deals have: a currency defaulting to the workspace's, a probability that
follows the stage unless overridden, and several contacts with one primary."""

from marshmallow import Schema, fields
from sqlalchemy import select

from app.core.extensions import db
from app.core.ids import parse_uuid
from app.crm.contacts.models import Contact
from app.crm.deals.currencies import CHOICES as CURRENCY_CHOICES
from app.crm.deals.models import DealContact
from app.records import fields as f
from app.records.cells import CellColumn, split_list
from app.records.normalize import Invalid, current_tenant

MAX_DEAL_CONTACTS = 20
FORM_CONTACT_ROWS = 3


def workspace_currency() -> str:
    tenant = current_tenant()
    return tenant.currency if tenant is not None and tenant.currency in CURRENCY_CHOICES else "USD"


class CurrencyField(f.Choice):
    """An ISO 4217 code; empty input means the workspace's currency."""

    kind = "currency"

    def __init__(self, name="currency", label="Currency", **kwargs):
        super().__init__(name, label, choices=CURRENCY_CHOICES, **kwargs)

    @property
    def default(self):
        return workspace_currency()

    @default.setter
    def default(self, value):
        # Choice.__init__ assigns a static default; the workspace's currency is read each time.
        return

    def clean(self, value, context):
        return super().clean(value.strip().upper() if isinstance(value, str) else value, context)

    def display(self, value) -> str:
        return value or ""


class ProbabilityField(f.Number):
    """0–100. Sending a number overrides the stage's default; sending null (or an empty
    form input) goes back to following the stage."""

    def __init__(self, name="probability", label="Probability (%)", **kwargs):
        kwargs.setdefault("help", "Leave empty to use the stage's probability")
        super().__init__(name, label, minimum=0, maximum=100, **kwargs)

    def bind(self, model) -> None:
        super().bind(model)
        # The column is NOT NULL with a default of 0, which would make an empty input a custom
        # 0%; empty here means "follow the stage", so it stays None for apply() to read.
        self.stored_when_empty = None

    def apply(self, record, value) -> None:
        record.probability_is_custom = value is not None
        if value is not None:
            record.probability = value

    def form_value(self, record):
        if record is None or not record.probability_is_custom:
            return ""
        return str(record.probability)


class DealContactSchema(Schema):
    contact_id = fields.UUID(required=True)
    primary = fields.Boolean()


class DealContactList(f.PrimaryChildList):
    """`[{contact_id, primary}]` (or plain contact ids); one primary; contacts of this workspace."""

    kind = "deal_contacts"
    widget = "crm/deals/_contacts_input.html"
    detail_template = "crm/deals/_contacts_value.html"
    item_keys = ("contact_id", "primary")
    child_model = DealContact
    collection = "contact_links"
    row_attribute = "contact_id"
    max_items = MAX_DEAL_CONTACTS
    plain = "contacts"
    item_noun = "contact"
    item_schema = DealContactSchema
    form_input = "deal_contact"
    primary_input = "primary_contact"

    def __init__(self, name="contacts", label="Contacts", **kwargs):
        kwargs.setdefault("search", False)
        super().__init__(name, label, **kwargs)

    def clean(self, value, context):
        # Services may pass ids as UUIDs; JSON and forms send strings.
        if isinstance(value, list):
            value = [_ids_as_text(item) for item in value]
        return super().clean(value, context)

    def clean_item(self, item):
        contact_id = parse_uuid(item["contact_id"])
        if contact_id is None:
            raise Invalid("Choose existing contacts.")
        return {"contact_id": contact_id, "primary": bool(item.get("primary"))}

    def duplicate(self, item):
        return ["A contact is listed twice."]

    def check_list(self, items, context):
        problems = self.check_primary(items)
        if items:
            wanted = [item["contact_id"] for item in items]
            found = set(db.session.scalars(select(Contact.id).where(Contact.id.in_(wanted))))
            if len(found) != len(set(wanted)):
                problems.append("Choose existing contacts.")
        return problems

    def search_value(self, record):
        return ""

    def export_value(self, record):
        links = sorted(record.contact_links, key=lambda link: (not link.is_primary, link.position))
        return ", ".join(link.contact.display_name for link in links if link.contact is not None)

    def cell_columns(self) -> list[CellColumn]:
        """The contacts by name, the primary first; an import takes names or ids (the kit's
        title look-up, which refuses a name several contacts have) and makes the first primary."""

        def write(text, data, lookups):
            data[self.name] = [
                {"contact_id": str(lookups.record_id("contact", "Contact", name)), "primary": index == 0}
                for index, name in enumerate(split_list(text))
            ]

        return [CellColumn(self.name, self.label, self.export_value, write)]

    def snapshot(self, record):
        return [
            (link.contact.display_name if link.contact is not None else str(link.contact_id))
            + (" (primary)" if link.is_primary else "")
            for link in record.contact_links
        ]

    def display(self, value) -> str:
        return ", ".join(value) if isinstance(value, list) else str(value or "")


def _ids_as_text(item):
    if isinstance(item, dict) and item.get("contact_id") is not None:
        return {**item, "contact_id": str(item["contact_id"])}
    return item if isinstance(item, dict | str) else str(item)
