"""Spreadsheet cells that cannot run: formula injection ("CSV injection") neutralized.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return — or their full-width
forms (`＝`, `＋`, `－`, `＠`), which some spreadsheet programs also read as formulas — is
written with a leading apostrophe, so it shows as text. Plain numbers ("-12.5", "+4")
are left alone: they are numbers, not formulas, and must stay numbers.

`restore_cell` undoes it on import, so an export imports back into the same data.
"""

import re

FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
GUARD = "'"


def starts_formula(text: str) -> bool:
    return bool(text) and text[0] in FORMULA_STARTS and not PLAIN_NUMBER.match(text)


def needs_guard(text: str) -> bool:
    """A formula start, or apostrophes before one (so "'=x" itself survives a round trip)."""
    return starts_formula(text.lstrip(GUARD))


def neutralize_cell(value):
    """The cell as it is written to a CSV or XLSX export."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    return GUARD + value if needs_guard(value) else value


def restore_cell(text: str) -> str:
    """A cell as an import reads it: an apostrophe that guards a formula start is dropped."""
    if len(text) > 1 and text[0] == GUARD and needs_guard(text[1:]):
        return text[1:]
    return text
