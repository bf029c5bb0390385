"""Money on quotes, in Decimal, rounded half-up to the cent per line (to the currency's minor
unit: the yen for yen, which have no cents).

For each line:
  subtotal = round(quantity × unit price)
  discount = round(subtotal × percent / 100), or the amount given (never more than the subtotal)
  net      = subtotal − discount
  tax      = round(net × tax rate / 100)
  total    = net + tax
The document's subtotal, discount, tax and total are the sums of its lines' rounded amounts,
so every printed column adds up exactly (rounding per line, never on the sum).
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def round_money(value: Decimal, unit: Decimal = CENT) -> Decimal:
    return Decimal(value).quantize(unit, rounding=ROUND_HALF_UP).quantize(CENT)


@dataclass(frozen=True)
class LineAmounts:
    subtotal: Decimal
    discount: Decimal
    tax: Decimal

    @property
    def net(self) -> Decimal:
        return self.subtotal - self.discount

    @property
    def total(self) -> Decimal:
        return self.net + self.tax


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    discount: Decimal
    tax: Decimal

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount + self.tax


def line_amounts(
    quantity: Decimal,
    unit_price: Decimal,
    discount_kind: str,
    discount_value: Decimal,
    tax_rate: Decimal,
    unit: Decimal = CENT,
) -> LineAmounts:
    """The line's rounded amounts; `unit` is the currency's minor unit (`minor_unit(currency)`)."""
    subtotal = round_money(Decimal(quantity) * Decimal(unit_price), unit)
    if discount_kind == "percent":
        discount = round_money(subtotal * Decimal(discount_value) / HUNDRED, unit)
    elif discount_kind == "amount":
        discount = round_money(discount_value, unit)
    else:
        discount = ZERO
    discount = max(ZERO, min(discount, subtotal))
    tax = round_money((subtotal - discount) * Decimal(tax_rate) / HUNDRED, unit)
    return LineAmounts(subtotal, discount, tax)


def document_totals(amounts) -> Totals:
    """The sums of the lines' rounded amounts (LineAmounts)."""
    amounts = list(amounts)
    return Totals(
        sum((item.subtotal for item in amounts), ZERO),
        sum((item.discount for item in amounts), ZERO),
        sum((item.tax for item in amounts), ZERO),
    )
