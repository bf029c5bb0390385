"""The field only quotes have: their line items, checked by the one validator like any field.

Input (API, forms, imports): `[{product_id?, description?, quantity, unit?, unit_price?,
discount_kind?, discount_value?, tax_rate?}]`. A line that names a product takes the
product's name, price, tax rate, unit and billing interval for what it leaves out.
"""

from contextvars import ContextVar
from decimal import Decimal, InvalidOperation

from marshmallow import Schema, validate
from marshmallow import fields as ma
from sqlalchemy import select

from app.core.currencies import minor_unit, round_amount
from app.core.extensions import db
from app.core.ids import parse_uuid, uuid7
from app.core.numbers import typed_decimal
from app.core.text import quantity_with_unit
from app.crm.products.models import Product
from app.crm.products.record import MAX_PRICE
from app.crm.quotes.models import DiscountKind, QuoteLine
from app.crm.quotes.totals import line_amounts
from app.records.fields import ChildRows, Field, LongText, Money
from app.records.normalize import Invalid

MAX_LINES = 200
MAX_QUANTITY = Decimal("1000000")
LINE_KEYS = (
    "product_id",
    "description",
    "quantity",
    "unit",
    "unit_price",
    "discount_kind",
    "discount_value",
    "tax_rate",
)
FORM_PREFIX = "line_"
# The products of the document a new one is copied from (an accepted quote into its order):
# its lines keep them even when no longer sold, for the customer agreed to them (see copying).
COPIED_PRODUCTS: ContextVar[frozenset] = ContextVar("copied_products", default=frozenset())


def _number_in(description: str = "", **kwargs):
    return ma.Decimal(allow_nan=False, metadata={"description": description} if description else {}, **kwargs)


def _number_out(description: str = ""):
    """Amounts go out as strings ("1500.00"), exact, as the kit's Number fields do."""
    metadata = {"type": "string", "format": "decimal", **({"description": description} if description else {})}
    return ma.Decimal(as_string=True, required=True, metadata=metadata)


class LineInputSchema(Schema):
    product_id = ma.UUID(allow_none=True, metadata={"description": "A product of the catalogue (optional)"})
    description = ma.String(validate=validate.Length(max=500), metadata={"description": "Default: the product's name"})
    quantity = _number_in("More than 0, up to 3 decimals", required=True)
    unit = ma.String(validate=validate.Length(max=32))
    unit_price = _number_in("Default: the product's price")
    discount_kind = ma.String(validate=validate.OneOf(DiscountKind.ALL), metadata={"description": "percent or amount"})
    discount_value = _number_in("Percent (0–100) or an amount, as the kind says")
    tax_rate = _number_in("Percent; default: the product's")


class LineOutputSchema(Schema):
    product_id = ma.UUID(required=True, allow_none=True)
    description = ma.String(required=True)
    quantity = _number_out()
    unit = ma.String(required=True)
    unit_price = _number_out()
    discount_kind = ma.String(required=True)
    discount_value = _number_out()
    tax_rate = _number_out("Percent")
    recurring_interval = ma.String(required=True, metadata={"description": "none, monthly or yearly"})
    subtotal = _number_out("Quantity × unit price, rounded half-up to the cent")
    discount_amount = _number_out()
    tax_amount = _number_out()
    total = _number_out("Subtotal − discount + tax")


def _decimal(raw, label: str, *, places: int, minimum: Decimal, maximum: Decimal, above_minimum=False) -> Decimal:
    if isinstance(raw, bool) or raw is None or (isinstance(raw, str) and not raw.strip()):
        raise Invalid(f"Enter the {label}.")
    try:
        number = typed_decimal(raw)
    except InvalidOperation as exc:
        raise Invalid(f"Enter the {label} as a number.") from exc
    if not number.is_finite():
        raise Invalid(f"Enter the {label} as a number.")
    # The range first: quantizing a huge number would overflow the decimal context.
    if number < minimum or (above_minimum and number == minimum) or number > maximum:
        low = "more than" if above_minimum else "from"
        raise Invalid(f"The {label} must be {low} {minimum:,} {'and at most' if above_minimum else 'to'} {maximum:,}.")
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise Invalid(f"Use at most {places} decimals for the {label}.")
    return number.quantize(Decimal(1).scaleb(-places))


class LineInvalid(Exception):
    """A line's problems, as (key, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class LineItems(ChildRows):
    personal = False  # what was sold, at what price
    kind = "line_items"
    widget = "crm/quotes/_lines_input.html"
    plain = "line items"
    max_items = MAX_LINES
    item_schema = LineInputSchema
    output_item_schema = LineOutputSchema
    input_description = "Replaces every line; amounts are computed (half-up per line)"

    def __init__(self, name="lines", label="Line items", *, line_model=QuoteLine, **kwargs):
        # The child row class (QuoteLine, InvoiceLine): a PricedLine with its parent's key.
        self.line_model = line_model
        kwargs.setdefault("detail", False)
        kwargs.setdefault("section", "Line items")
        super().__init__(name, label, **kwargs)

    def clean(self, value, context):
        self.check_list_size(value)
        if any(not isinstance(item, dict) or set(item) - set(LINE_KEYS) for item in value):
            raise Invalid(f"Each line item is an object with: {', '.join(LINE_KEYS)}.")
        products = self._products(value)
        # A product no longer sold stays on the lines that already had it, and goes on no other.
        kept = {line.product_id for line in context.record.lines} if context.record is not None else set()
        kept |= COPIED_PRODUCTS.get()
        # What the document will be in, an empty choice included (its deal's, the workspace's).
        currency = context.record_type.submitted_currency(context)
        cleaned, problems = [], []
        for index, item in enumerate(value):
            try:
                cleaned.append(self._clean_line(item, products, currency, kept))
            except LineInvalid as exc:
                problems.extend((f"{index}.{key}", message) for key, message in exc.problems)
        if not problems and sum((item["total"] for item in cleaned), Decimal(0)) > MAX_PRICE:
            raise Invalid(f"The total would be more than {MAX_PRICE:,}; split the document.")
        if problems:
            context.add_nested(self.name, problems)
        return cleaned

    def _products(self, items) -> dict:
        """Every product the lines name, in one query."""
        ids = {parse_uuid(item.get("product_id")) for item in items if not _blank(item.get("product_id"))}
        ids.discard(None)
        if not ids:
            return {}
        return {product.id: product for product in db.session.scalars(select(Product).where(Product.id.in_(ids)))}

    def _clean_line(self, item: dict, products: dict, currency: str, kept: set) -> dict:
        problems: list[tuple[str, str]] = []
        product = None
        if not _blank(item.get("product_id")):
            product = products.get(parse_uuid(item.get("product_id")))
            if product is None:
                problems.append(("product_id", "Choose an existing product."))
            elif not product.active and product.id not in kept:
                problems.append(("product_id", f"{product.name} is no longer sold."))
            elif product.currency != currency:
                problems.append(("product_id", f"{product.name} is priced in {product.currency}, not {currency}."))

        def take(key, default, check):
            raw = item.get(key)
            if _blank(raw):
                raw = default
            try:
                return check(raw)
            except Invalid as exc:
                problems.append((key, exc.message))
                return None

        description = take(
            "description", product.name if product else "", lambda raw: _text(raw, "description", 500, True)
        )
        quantity = take(
            "quantity",
            None,
            lambda raw: _decimal(
                raw, "quantity", places=3, minimum=Decimal(0), maximum=MAX_QUANTITY, above_minimum=True
            ),
        )
        unit = take("unit", product.unit if product else "", lambda raw: _text(raw, "unit", 32, False))
        unit_price = take(
            "unit_price",
            product.unit_price if product else None,
            lambda raw: _decimal(raw, "unit price", places=2, minimum=Decimal(0), maximum=MAX_PRICE),
        )
        kind = item.get("discount_kind") or DiscountKind.NONE
        if kind not in DiscountKind.ALL:
            problems.append(("discount_kind", "Choose percent or amount."))
            kind = DiscountKind.NONE
        discount_value = Decimal("0.00")
        if kind:
            limit = Decimal(100) if kind == DiscountKind.PERCENT else MAX_PRICE
            discount_value = take(
                "discount_value",
                None,
                lambda raw: _decimal(raw, "discount", places=2, minimum=Decimal(0), maximum=limit),
            )
        tax_rate = take(
            "tax_rate",
            product.tax_rate if product else Decimal(0),
            lambda raw: _decimal(raw, "tax rate", places=2, minimum=Decimal(0), maximum=Decimal(100)),
        )
        smallest = minor_unit(currency)
        # Yen and won have no decimals: ¥999.50 is a slip, not a price.
        for key, amount in (
            ("unit_price", unit_price),
            ("discount_value", kind == DiscountKind.AMOUNT and discount_value),
        ):
            if amount and amount != amount.quantize(smallest):
                problems.append((key, f"Amounts in {currency} have no decimals."))
        if not problems and kind == DiscountKind.AMOUNT:
            # line_amounts() would cut it to the line's amount: a slipped digit, said now.
            subtotal = line_amounts(quantity, unit_price, DiscountKind.NONE, Decimal(0), Decimal(0), smallest).subtotal
            if discount_value > subtotal:
                problems.append(
                    ("discount_value", f"The discount is more than the line's {round_amount(subtotal, currency):,}.")
                )
        amounts = None if problems else line_amounts(quantity, unit_price, kind, discount_value, tax_rate, smallest)
        if amounts is not None and amounts.total > MAX_PRICE:
            problems.append(("quantity", f"This line comes to more than {MAX_PRICE:,}; split it."))
        if problems:
            raise LineInvalid(problems)
        return {
            "product_id": product.id if product else None,
            "description": description,
            "quantity": quantity,
            "unit": unit,
            "unit_price": unit_price,
            "discount_kind": kind,
            "discount_value": discount_value,
            "tax_rate": tax_rate,
            "recurring_interval": product.recurring_interval if product else "none",
            # Rounded to the document's currency (the yen for yen) while it is known.
            "subtotal": amounts.subtotal,
            "discount_amount": amounts.discount,
            "tax_amount": amounts.tax,
            "total": amounts.total,
        }

    def form_value(self, record):
        """The lines as the edit form shows them: a quantity as typed ("24", "2.5"), as a
        Quantity field's is, not as stored to three places ("24.000")."""
        rows = super().form_value(record)
        for row in rows:
            if row["quantity"] is not None:
                row["quantity"] = f"{Decimal(row['quantity']).normalize():f}"
        return rows

    def apply(self, record, value) -> None:
        record.lines = [self.line_model(id=uuid7(), position=position, **item) for position, item in enumerate(value)]

    def value(self, record):
        return [
            {
                "product_id": line.product_id,
                "description": line.description,
                "quantity": line.quantity,
                "unit": line.unit,
                "unit_price": line.unit_price,
                "discount_kind": line.discount_kind,
                "discount_value": line.discount_value,
                "tax_rate": line.tax_rate,
                "recurring_interval": line.recurring_interval,
                "subtotal": line.subtotal,
                "discount_amount": line.discount_amount,
                "tax_amount": line.tax_amount,
                "total": line.total,
            }
            for line in record.lines
        ]

    def snapshot(self, record):
        """The lines as a change on the timeline shows them: "4 days × Design sprint = 7,200.00"."""
        return "; ".join(
            f"{quantity_with_unit(f'{line.quantity.normalize():f}', line.unit)} × {line.description} = "
            f"{round_amount(line.total, record.currency):,}"
            for line in record.lines
        )

    def display(self, value) -> str:
        return f"{len(value or [])} line items"

    def search_value(self, record):
        return " ".join(line.description for line in record.lines)

    def export_value(self, record):
        return "; ".join(f"{line.quantity.normalize():f} × {line.description}" for line in record.lines)

    def from_form(self, form):
        """Parallel inputs `line_description`, `line_quantity`… one per row; blank rows are skipped."""
        if f"{FORM_PREFIX}description" not in form and self.name not in form.getlist("_keys"):
            return None
        columns = {key: form.getlist(FORM_PREFIX + key) for key in LINE_KEYS}
        rows = max((len(values) for values in columns.values()), default=0)
        lines = []
        for index in range(rows):
            item = {key: values[index] if index < len(values) else "" for key, values in columns.items()}
            if _blank(item["description"]) and _blank(item["product_id"]):
                continue
            lines.append({key: raw for key, raw in item.items() if not _blank(raw) or key == "description"})
        return lines


def stored_line_input(line) -> dict:
    """A stored priced line as line-item input, checked again like a submitted one."""
    values = {key: getattr(line, key) for key in LINE_KEYS}
    if not values["discount_kind"]:
        values.pop("discount_value")
    return {key: str(value) for key, value in values.items() if value not in (None, "")}


def _text(raw, label: str, limit: int, required: bool) -> str:
    if not isinstance(raw, str):
        raise Invalid(f"The {label} must be text.")
    text = raw.strip()
    if required and not text:
        raise Invalid(f"Enter a {label} or choose a product.")
    if len(text) > limit:
        raise Invalid(f"Use at most {limit} characters for the {label}.")
    return text


def priced_document_fields(line_model=QuoteLine) -> list[Field]:
    """The lines, terms and totals a quote, an order and an invoice share, in that order. Built
    anew for each declaration: a field binds to one model."""
    return [
        LineItems(line_model=line_model),
        LongText(
            "terms",
            "Terms",
            section="Terms",
            max_length=20_000,
            hide_empty=True,
            detail=False,
            help="Empty: the workspace's default terms",
        ),
        Money("subtotal", "Subtotal", read_only=True, detail=False, exact=True),
        Money("discount_total", "Discounts", read_only=True, detail=False, exact=True),
        Money("tax_total", "Tax", read_only=True, detail=False, exact=True),
        Money("total", "Total", read_only=True, list_on_phones=True, sort=True, filter=True, exact=True),
    ]
