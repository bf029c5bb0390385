"""What HTMX says about the request it sent (its `HX-*` headers), read in one place."""

from flask import request


def is_htmx(target: str | None = None) -> bool:
    """Whether HTMX sent this request — and, given `target`, to refresh the element with that id.
    A view then answers with the fragment HTMX swaps in rather than the whole page."""
    if request.headers.get("HX-Request") != "true":
        return False
    return target is None or request.headers.get("HX-Target") == target
