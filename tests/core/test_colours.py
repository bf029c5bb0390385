"""A workspace's brand colour turned into colours that read (app.core.colours)."""

import pytest

from app.core.colours import PAGE_GREY, contrast, readable_text, text_on


def test_a_brand_colour_that_reads_is_kept_as_it_is():
    assert readable_text("#4f46e5") == "#4f46e5"  # the default indigo, 6:1
    assert text_on("#4f46e5") == "#ffffff"


@pytest.mark.parametrize("brand", ["#ffc107", "#0dcaf0", "#20c997", "#ffffff", "#FFEB3B"])
def test_a_light_brand_colour_is_darkened_only_as_far_as_text_needs(brand):
    text = readable_text(brand)
    assert contrast(text, PAGE_GREY) >= 4.5
    assert contrast(text_on(brand), brand) >= 4.5  # a yellow button is written in dark
    assert text_on(brand) == "#212529"


def test_a_colour_that_is_not_one_falls_back_to_the_default():
    assert readable_text("red") == "#4f46e5"
    assert text_on(None) == "#ffffff"
