"""Words for people: counts ("1 contact", "3 contacts"), quantities ("3 hours") and names of
fields ("Shoe size")."""

from decimal import Decimal, InvalidOperation

SIBILANT_ENDINGS = ("s", "x", "z", "ch", "sh")
VOWELS = "aeiou"


def plural_of(word: str) -> str:
    """A word's regular English plural: hour → hours, box → boxes, entry → entries, day → days."""
    lower = word.lower()
    if lower.endswith(SIBILANT_ENDINGS):
        return f"{word}es"
    if len(lower) > 1 and lower.endswith("y") and lower[-2] not in VOWELS:
        return f"{word[:-1]}ies"
    return f"{word}s"


def plural(count: int, singular: str, plural_form: str | None = None, *, with_count: bool = True) -> str:
    """`singular` or its plural for `count` (the regular English plural unless `plural_form` says otherwise)."""
    word = singular if count == 1 else (plural_form or plural_of(singular))
    return f"{count:,} {word}" if with_count else word


def quantity_with_unit(quantity, unit: str | None) -> str:
    """A priced line's quantity and unit as read aloud: "1 hour", "3 hours", "2.5 days", "4 boxes".

    A unit is free text. Only a plain word is made plural: an abbreviation ("kg", "pcs", "PC"),
    a symbol ("m²") or a unit already written in the plural ("hours") stays as typed."""
    text = f"{quantity}"
    if not unit:
        return text
    head, _, last = unit.rpartition(" ")
    if _is_one(quantity) or not _takes_a_plural(last):
        return f"{text} {unit}"
    return f"{text} {head} {plural_of(last)}" if head else f"{text} {plural_of(last)}"


def _is_one(quantity) -> bool:
    try:
        return Decimal(str(quantity)) == 1
    except InvalidOperation:
        return False


def _takes_a_plural(word: str) -> bool:
    if len(word) < 3 or not word.isalpha() or word.isupper():
        return False
    return not word.lower().endswith("s") or word.lower().endswith("ss")


def key_in_words(key: str) -> str:
    """A stored key as a label (`custom_fields.shoe_size` → "Shoe size"), for keys no label was kept for."""
    words = key.removeprefix("custom_fields.").replace("_", " ")
    return words[:1].upper() + words[1:]


def in_a_list(words) -> str:
    """Words as a sentence lists them: "contacts, deals and tasks"."""
    words = list(words)
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)
