"""Values computed once per request: a list page asks for the same users or tags several times
(filter bar, bulk bar, form), and must not query for them each time."""

from flask import g, has_request_context


def per_request(key: str, compute):
    """compute() once per request (every time outside one)."""
    if not has_request_context():
        return compute()
    cache = g.setdefault("_per_request", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def missing(keys) -> list[str]:
    """The keys of `keys` that this request has not computed yet (all, outside a request)."""
    cache = g.get("_per_request", {}) if has_request_context() else {}
    return [key for key in keys if key not in cache]


def remember(key: str, value) -> None:
    """Store what `per_request(key, …)` would compute: read earlier, with other values."""
    if has_request_context():
        g.setdefault("_per_request", {})[key] = value


def forget(key: str) -> None:
    """Drop a cached value after a write that changes it."""
    if has_request_context():
        g.setdefault("_per_request", {}).pop(key, None)
