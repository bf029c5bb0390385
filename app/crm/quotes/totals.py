"""Money on quotes, in Decimal, rounded half-up to the cent per line.

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


def round_money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


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
    quantity: Decimal, unit_price: Decimal, discount_kind: str, discount_value: Decimal, tax_rate: Decimal
) -> LineAmounts:
    subtotal = round_money(Decimal(quantity) * Decimal(unit_price))
    if discount_kind == "percent":
        discount = round_money(subtotal * Decimal(discount_value) / HUNDRED)
    elif discount_kind == "amount":
        discount = round_money(discount_value)
    else:
        discount = ZERO
    discount = max(ZERO, min(discount, subtotal))
    tax = round_money((subtotal - discount) * Decimal(tax_rate) / HUNDRED)
    return LineAmounts(subtotal, discount, tax)


def document_totals(amounts) -> Totals:
    """The sums of the lines' rounded amounts (LineAmounts)."""
    amounts = list(amounts)
    return Totals(
        sum((item.subtotal for item in amounts), ZERO),
        sum((item.discount for item in amounts), ZERO),
        sum((item.tax for item in amounts), ZERO),
    )
