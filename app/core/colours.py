"""A workspace's brand colour made readable: text drawn in it, or on it, keeps WCAG AA's 4.5:1."""

import re

DARK_TEXT = "#212529"  # Bootstrap's body text
PAGE_GREY = "#f8f9fa"  # the pages' background, the lightest text in the brand colour sits on
READABLE = 4.5


def _channels(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def luminance(colour: str) -> float:
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _channels(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _valid(colour: str | None, fallback: str) -> str:
    return colour.lower() if colour and re.fullmatch(r"#[0-9a-fA-F]{6}", colour) else fallback


def readable_text(colour: str | None, fallback: str = "#4f46e5") -> str:
    """The colour itself when text in it reads on the pages' light grey; else that colour
    darkened (mixed with black) only as far as needed: a yellow brand gives a dark gold link."""
    colour = _valid(colour, fallback)
    for black in range(0, 101, 5):
        mixed = "#" + "".join(f"{round(c * (100 - black) / 100):02x}" for c in _channels(colour))
        if contrast(mixed, PAGE_GREY) >= READABLE:
            return mixed
    return DARK_TEXT


def text_on(colour: str | None, fallback: str = "#4f46e5") -> str:
    """White or dark text on a background of the colour (a primary button), whichever reads better."""
    colour = _valid(colour, fallback)
    return "#ffffff" if contrast("#ffffff", colour) >= contrast(DARK_TEXT, colour) else DARK_TEXT
