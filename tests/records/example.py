"""A record type declared only in the tests: a model, a declaration, nothing else.

The test configuration names it in EXTRA_RECORD_TYPES, so every app the suite makes has it;
`tests/records/test_declared_type.py` proves it gets every page, the API, its OpenAPI schema,
the shared capabilities, the field catalogue and the generated cross-tenant test.
"""

from decimal import Decimal

from sqlalchemy import Date, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base
from app.crm.activities.capability import NOTES, TIMELINE
from app.crm.attachments.capability import ATTACHMENTS
from app.crm.fields.capability import CUSTOM_FIELDS
from app.crm.fields.models import HasCustomFields
from app.crm.tags.capability import TAGS
from app.crm.tags.models import Taggable
from app.records import fields as f
from app.records.indexes import filter_index, sort_index
from app.records.models import OwnedRecord, RecordModel, owner_table_args, record_table_args
from app.records.owner import OWNER
from app.records.record_type import RecordType

COLORS = {"red": "Red", "green": "Green", "blue": "Blue"}


class Gadget(RecordModel, OwnedRecord, Taggable, HasCustomFields, Base):
    __tablename__ = "test_gadgets"
    # Not in the migrations: the test harness creates it (with row-level security) itself.
    __table_args__ = (
        *record_table_args("test_gadgets"),
        *owner_table_args("test_gadgets"),
        sort_index("test_gadgets", "name"),
        filter_index("test_gadgets", "color"),
        filter_index("test_gadgets", "price"),
        filter_index("test_gadgets", "launched_on"),
        {"info": {"test_only": True}},
    )

    name: Mapped[str] = mapped_column(String(120))
    color: Mapped[str] = mapped_column(String(16), default="red")
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    launched_on: Mapped[object | None] = mapped_column(Date)
    website: Mapped[str] = mapped_column(String(2000), default="")
    # Money without a currency column of its own: it counts in the workspace's currency.
    cost: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))


GADGETS = RecordType(
    name="gadget",
    model=Gadget,
    icon="cpu",
    title="name",
    default_sort="name",
    nav_order=90,
    example={"name": "Flux capacitor", "color": "blue", "price": "88.00"},
    fields=[
        f.Text("name", "Name", max_length=120, required=True, search=True, sort=True),
        f.Choice("color", "Colour", choices=COLORS, default="red", filter=True, list=True),
        f.Number("price", "Price", places=2, minimum=Decimal(0), list=True, filter=True),
        f.DateField("launched_on", "Launched", filter=True),
        f.Url("website", "Website"),
        f.Money("cost", "Cost"),
    ],
    capabilities=[OWNER, TAGS, CUSTOM_FIELDS, TIMELINE, NOTES, ATTACHMENTS],
)
