"""Words for counts: "1 contact", "3 contacts", "no users"."""


def plural(count: int, singular: str, plural_form: str | None = None, *, with_count: bool = True) -> str:
    """`singular` or its plural for `count` (an "s" unless `plural_form` says otherwise)."""
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count:,} {word}" if with_count else word
