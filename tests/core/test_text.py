"""Words for people: regular English plurals, counts, and a priced line's quantity with its unit."""

import pytest

from app.core.text import plural, plural_of, quantity_with_unit


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("hour", "hours"),
        ("day", "days"),
        ("unit", "units"),
        ("box", "boxes"),
        ("batch", "batches"),
        ("brush", "brushes"),
        ("glass", "glasses"),
        ("entry", "entries"),
        ("per-tenant job", "per-tenant jobs"),
    ],
)
def test_plural_of_follows_the_regular_english_rules(word, expected):
    assert plural_of(word) == expected


def test_plural_counts_with_the_regular_plural_unless_told_otherwise():
    assert plural(1, "box") == "1 box"
    assert plural(3, "box") == "3 boxes"
    assert plural(1_200, "entry") == "1,200 entries"
    assert plural(2, "person", "people") == "2 people"
    assert plural(2, "day", with_count=False) == "days"


@pytest.mark.parametrize(
    ("quantity", "unit", "expected"),
    [
        ("1", "hour", "1 hour"),
        ("3", "hour", "3 hours"),
        ("2", "day", "2 days"),
        ("10", "unit", "10 units"),
        ("4", "box", "4 boxes"),
        ("2.5", "day", "2.5 days"),
        ("0.5", "hour", "0.5 hours"),
        ("1.0", "hour", "1.0 hour"),
        ("3", "Hour", "3 Hours"),
        ("3", "user seat", "3 user seats"),
        ("3", "", "3"),
        ("3", None, "3"),
    ],
)
def test_a_quantity_takes_the_plural_of_its_unit_unless_it_is_one(quantity, unit, expected):
    assert quantity_with_unit(quantity, unit) == expected


@pytest.mark.parametrize("unit", ["kg", "h", "pcs", "PC", "hrs", "hours", "m²", "sq ft", "hour(s)"])
def test_abbreviations_symbols_and_plurals_stay_as_typed(unit):
    assert quantity_with_unit("3", unit) == f"3 {unit}"
