"""Products, declared once: name, SKU (unique per workspace), price, currency, tax rate,
unit, active flag and recurring interval. Quote lines pick from the active ones."""

from decimal import Decimal

from sqlalchemy import select

from app.core.currencies import CURRENCIES, format_amount
from app.core.extensions import db
from app.crm.products.models import Product, RecurringInterval
from app.crm.tags.capability import TAGS
from app.records import fields as f
from app.records.normalize import workspace_currency
from app.records.record_type import RecordType

# The largest amount a price column (Numeric(14, 2)) holds; quotes and subscriptions use it too.
MAX_PRICE = Decimal("999999999999.99")


class ProductType(RecordType):
    def check(self, cleaned, context):
        sku = cleaned.get("sku")
        if sku:
            taken = select(Product.name).where(Product.sku == sku)
            if context.record is not None:
                taken = taken.where(Product.id != context.record.id)
            owner = db.session.scalar(taken.limit(1))
            if owner is not None:
                context.errors.add("sku", f"SKU {sku} is already used by {owner}.")

    def before_save(self, product, cleaned, context):
        # An empty choice means the workspace's currency (the column's default is only a fallback).
        if not product.currency or (context.creating and not cleaned.get("currency")):
            product.currency = workspace_currency()


# The unit a recurring interval bills by: "$2,400 per year" says "yearly" already.
INTERVAL_UNITS = {RecurringInterval.MONTHLY: "month", RecurringInterval.YEARLY: "year"}


def _price_subtitle(product) -> str:
    unit = f" per {product.unit}" if product.unit else ""
    interval = ""
    if product.is_recurring and (product.unit or "").strip().lower() != INTERVAL_UNITS.get(product.recurring_interval):
        interval = f" / {RecurringInterval.LABELS[product.recurring_interval].lower()}"
    return f"{format_amount(product.unit_price, product.currency, exact=True)}{unit}{interval}"


PRODUCTS = ProductType(
    name="product",
    model=Product,
    icon="box-seam",
    title="name",
    subtitle=_price_subtitle,
    default_sort="name",
    nav_order=60,
    nav_group="sales",
    description="The catalogue: what the agency sells, at what price and tax rate, once or recurring.",
    example={"name": "Website audit", "unit_price": "1200.00", "currency": "USD", "tax_rate": "20"},
    fields=[
        f.Text("name", "Name", max_length=200, required=True, search=True, sort=True),
        f.Text("sku", "SKU", max_length=64, nullable=True, search=True, list=True, help="Unique in this workspace"),
        f.Money(
            "unit_price", "Unit price", maximum=MAX_PRICE, required=True, list=True, sort=True, filter=True, exact=True
        ),
        f.Choice(
            "currency",
            "Currency",
            choices={code: code for code in CURRENCIES},
            blank=True,
            list=True,
            filter=True,
            help="Empty: the workspace's currency",
        ),
        f.Number("tax_rate", "Tax rate (%)", places=2, minimum=Decimal(0), maximum=Decimal(100)),
        f.Text("unit", "Unit", max_length=32, placeholder="hour, licence, month"),
        f.Choice(
            "recurring_interval",
            "Billing",
            choices=RecurringInterval.LABELS,
            default=RecurringInterval.NONE,
            filter=True,
            list=True,
        ),
        f.Boolean("active", "Active", default=True, filter=True, help="Only active products can be added to quotes"),
        f.LongText("description", "Description", max_length=5000, search=True, hide_empty=True),
    ],
    capabilities=[TAGS],
    # Imports update the product with the row's SKU instead of refusing it as taken.
    match_on="sku",
    empty_text="No products yet: add what you sell, and quotes can pick it.",
)
