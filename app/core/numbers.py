"""Numbers as people type them: "1500.50", "1,500.50" (a comma between thousands), never
"1.500,50" (a decimal comma), which dropping the commas would read as 1.50050."""

import re
from decimal import Decimal, InvalidOperation

# What a parser says of text that is not a typed number, so that every form words it the same.
TYPED_NUMBER = "Enter a number such as 1500 or 1,500.50."

# Commas only between groups of three digits, before any decimal point.
THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")


def typed_decimal(value) -> Decimal:
    """The Decimal of a typed number, its thousands commas dropped; InvalidOperation when it is
    not one, a comma anywhere else included ("1.500,00", "1,5"), and so is an exponent: "1e3"
    is a typing slip in a price or a payment, not a thousand."""
    if isinstance(value, Decimal):
        return value
    text = str(value).strip()
    if "e" in text.lower():
        raise InvalidOperation(f"{text!r}: write the number out, without an exponent")
    if "," in text:
        if not THOUSANDS.fullmatch(text):
            raise InvalidOperation(f"{text!r}: a comma only separates thousands")
        text = text.replace(",", "")
    return Decimal(text)
