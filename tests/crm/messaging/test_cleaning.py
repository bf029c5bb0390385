"""clean_whole_number: what the quiet hours and a campaign's throttle accept."""

import pytest

from app.core.validation import Errors
from app.crm.messaging.cleaning import clean_whole_number


@pytest.mark.parametrize(("value", "expected"), [(0, 0), (23, 23), ("7", 7), (" 9 ", 9), (5.0, 5)])
def test_a_whole_number_in_range_is_kept(value, expected):
    errors = Errors()
    assert clean_whole_number({"hour": value}, "hour", errors, low=0, high=23, message="Out.") == expected
    errors.raise_if_any()


@pytest.mark.parametrize("value", [-1, 24, "x", "", None, True, False, [3]])
def test_anything_else_is_refused_with_the_message(value):
    errors = Errors()
    assert clean_whole_number({"hour": value}, "hour", errors, low=0, high=23, message="Out.") is None
    assert errors.has("hour")
