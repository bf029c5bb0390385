"""Column types that behave the same on SQLite and PostgreSQL."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

from sqlalchemy import JSON, DateTime, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp; SQLite hands back naive values, which we re-tag."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


# How far the app's clock is set back while seed-demo writes its history (see clock_set_to).
_clock_offset: ContextVar[timedelta | None] = ContextVar("clock_offset", default=None)


def utcnow() -> datetime:
    offset = _clock_offset.get()
    now = datetime.now(UTC)
    return now if offset is None else now + offset


@contextmanager
def clock_set_to(moment: datetime) -> Iterator[None]:
    """Inside, the app's clock reads `moment` and runs on from it: seed-demo writes a form
    submission of three weeks ago, and the lead, its events, timeline, workflow run and
    notifications it makes are all dated then, as they would have been. Demo data only."""
    token = _clock_offset.set(moment - datetime.now(UTC))
    try:
        yield
    finally:
        _clock_offset.reset(token)


def json_safe(value):
    """A JSON-safe form of a value for events and the timeline (ISO dates, strings, lists)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple | set):
        return [json_safe(item) for item in value]
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
