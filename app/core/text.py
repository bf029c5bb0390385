"""Words for people: counts ("1 contact", "3 contacts") and names of fields ("Shoe size")."""


def plural(count: int, singular: str, plural_form: str | None = None, *, with_count: bool = True) -> str:
    """`singular` or its plural for `count` (an "s" unless `plural_form` says otherwise)."""
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count:,} {word}" if with_count else word


def key_in_words(key: str) -> str:
    """A stored key as a label (`custom_fields.shoe_size` → "Shoe size"), for keys no label was kept for."""
    words = key.removeprefix("custom_fields.").replace("_", " ")
    return words[:1].upper() + words[1:]
